#include "joint/gradient_objective.hpp"

#include <mpi.h>

#include <algorithm>
#include <cmath>

#include "joint/thin_algebra.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/distributed/norms.hpp"
#include "jointfact/distributed/pblas.hpp"

namespace jf::joint {
namespace {

void require_shape(const DistMatrix& a, const DistMatrix& w, const std::string& what) {
  if (a.rows() != w.rows() || a.cols() != w.cols()) {
    throw InputError(what + " is " + std::to_string(a.rows()) + " x " + std::to_string(a.cols()) +
                     " but must have the matrix's shape " + std::to_string(w.rows()) + " x " +
                     std::to_string(w.cols()));
  }
}

}  // namespace

GradientObjective::GradientObjective(const DistMatrix& w, DistMatrix gradient, std::optional<DistMatrix> curvature)
    : w_(w), gradient_(std::move(gradient)) {
  require_shape(gradient_, w, "the gradient");
  if (curvature) {
    require_shape(*curvature, w, "the curvature");
    const ValueSummary values = summarize_values(*curvature);
    if (values.min < 0) {
      throw InputError("the curvature must be >= 0 everywhere (it has an entry " + std::to_string(values.min) + ")");
    }
    curvature_max_ = values.max;
    if (values.min == values.max) {
      constant_curvature_ = values.max;  // a constant H makes F exactly least squares: no m x n work
    } else {
      curvature_ = std::move(curvature);
    }
  }
  gradient_dot_w_ = inner(gradient_, w_);
  w_norm_squared_ = squared_norm(w_);
}

DistMatrix GradientObjective::weighted_difference(const DistMatrix& l, const DistMatrix& r) const {
  DistMatrix difference = w_;
  gemm(Op::None, Op::Trans, 1.0, l, r, -1.0, difference);  // L R^T - W
  auto d = difference.local();
  d = d.cwiseProduct(curvature_->local());
  return difference;
}

double GradientObjective::value(const DistMatrix& l, const DistMatrix& r) const {
  DistMatrix g_r = l.like();
  gemm(Op::None, Op::None, 1.0, gradient_, r, 0.0, g_r);
  double value = inner(g_r, l) - gradient_dot_w_;
  if (curvature_) {
    DistMatrix difference = w_;
    gemm(Op::None, Op::Trans, 1.0, l, r, -1.0, difference);
    double local = difference.local().cwiseAbs2().cwiseProduct(curvature_->local()).sum(), total = 0;
    MPI_Allreduce(&local, &total, 1, MPI_DOUBLE, MPI_SUM, l.grid().comm());
    value += 0.5 * total;
  } else if (constant_curvature_ != 0) {
    // ||L R^T - W||^2 = ||W||^2 - 2 <W R, L> + tr((L^T L)(R^T R)), all thin.
    DistMatrix w_r = g_r.like();
    gemm(Op::None, Op::None, 1.0, w_, r, 0.0, w_r);
    const double distance_squared =
        std::max(0.0, w_norm_squared_ - 2.0 * inner(w_r, l) + (gram(l).cwiseProduct(gram(r))).sum());
    value += 0.5 * constant_curvature_ * distance_squared;
  }
  return value;
}

double GradientObjective::value_of_matrix(const DistMatrix& x) const {
  DistMatrix difference = x;
  scale_add(1.0, difference, -1.0, w_);
  double value = inner(gradient_, difference);
  double local = curvature_ ? difference.local().cwiseAbs2().cwiseProduct(curvature_->local()).sum()
                            : constant_curvature_ * difference.local().squaredNorm();
  double total = 0;
  MPI_Allreduce(&local, &total, 1, MPI_DOUBLE, MPI_SUM, x.grid().comm());
  return value + 0.5 * total;
}

DistMatrix GradientObjective::gradient_times_right(const DistMatrix& l, const DistMatrix& r,
                                                   const DistMatrix& w_r) const {
  // grad f(X) = G + H o (X - W).
  DistMatrix product = l.like();
  gemm(Op::None, Op::None, 1.0, gradient_, r, 0.0, product);
  if (curvature_) {
    gemm(Op::None, Op::None, 1.0, weighted_difference(l, r), r, 1.0, product);
  } else if (constant_curvature_ != 0) {
    scale_add(1.0, product, constant_curvature_, times_small(l, gram(r)));
    scale_add(1.0, product, -constant_curvature_, w_r);
  }
  return product;
}

DistMatrix GradientObjective::gradient_transpose_times_left(const DistMatrix& l, const DistMatrix& r,
                                                            const DistMatrix& w_t_l) const {
  DistMatrix product = r.like();
  gemm(Op::Trans, Op::None, 1.0, gradient_, l, 0.0, product);
  if (curvature_) {
    gemm(Op::Trans, Op::None, 1.0, weighted_difference(l, r), l, 1.0, product);
  } else if (constant_curvature_ != 0) {
    scale_add(1.0, product, constant_curvature_, times_small(r, gram(l)));
    scale_add(1.0, product, -constant_curvature_, w_t_l);
  }
  return product;
}

double GradientObjective::cauchy_step() const {
  const double g_squared = squared_norm(gradient_);
  double curvature_along_g = constant_curvature_ * g_squared;
  if (curvature_) {
    double local = 0;
    const auto g_lc = gradient_.local();
    const auto h_lc = curvature_->local();
    for (int64_t j = 0; j < gradient_.local_cols(); ++j) local += h_lc.col(j).dot(g_lc.col(j).cwiseAbs2());
    MPI_Allreduce(&local, &curvature_along_g, 1, MPI_DOUBLE, MPI_SUM, gradient_.grid().comm());
  }
  if (curvature_along_g <= 0 || g_squared <= 0) return std::numeric_limits<double>::infinity();
  return g_squared * std::sqrt(g_squared) / curvature_along_g;
}

double GradientObjective::trust_radius_estimate() const {
  return std::min(cauchy_step(), kTrustedRelativeChange * std::sqrt(w_norm_squared_));
}

}  // namespace jf::joint
