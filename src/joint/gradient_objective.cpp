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

bool same_layout(const DistMatrix& a, const DistMatrix& w) {
  return &a.grid() == &w.grid() && a.rows() == w.rows() && a.cols() == w.cols() && a.row_block() == w.row_block() &&
         a.col_block() == w.col_block() && a.row_map().source() == w.row_map().source() &&
         a.col_map().source() == w.col_map().source();
}

// A on W's layout: A itself when it has it already (as the CLI reads it), else a redistributed copy.
DistMatrix on_layout_of(const DistMatrix& w, DistMatrix a) {
  if (same_layout(a, w)) return a;
  DistMatrix moved = w.like();
  redistribute(a, moved);
  return moved;
}

// The panels of W's columns the difference L R^T - W is formed in: whole column cycles (nb PC columns),
// so that a panel's local columns are a contiguous run of W's local columns, about a kPanels-th of them.
constexpr int64_t kPanels = 4;

int64_t panel_width(const DistMatrix& w) {
  const int64_t cycle = w.col_block() * w.grid().pcols();
  const int64_t cycles = (w.cols() + cycle - 1) / cycle;
  return std::max<int64_t>(1, (cycles + kPanels - 1) / kPanels) * cycle;
}

}  // namespace

GradientObjective::GradientObjective(const DistMatrix& w, DistMatrix gradient, std::optional<DistMatrix> curvature)
    : w_(w) {
  require_shape(gradient, w, "the gradient");
  gradient_ = on_layout_of(w, std::move(gradient));
  if (curvature) {
    require_shape(*curvature, w, "the curvature");
    curvature = on_layout_of(w, std::move(*curvature));
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

template <class Use>
void GradientObjective::for_each_difference_panel(const DistMatrix& l, const DistMatrix& r, Use use) const {
  const int64_t width = panel_width(w_), k = l.cols();
  for (int64_t j0 = 0; j0 < w_.cols(); j0 += width) {
    const int64_t cols = std::min(width, w_.cols() - j0);
    DistMatrix difference(w_.grid_ptr(), w_.rows(), cols, w_.row_block(), w_.col_block(), w_.row_map().source(),
                          w_.col_map().source());
    const int64_t j0_lc = j0 / w_.grid().pcols(), cols_lc = difference.local_cols();
    if (cols_lc > 0) difference.local() = w_.local().middleCols(j0_lc, cols_lc);
    gemm_sub(Op::None, Op::Trans, w_.rows(), cols, k, 1.0, l, 0, 0, r, j0, 0, -1.0, difference, 0, 0);
    use(difference, j0, j0_lc);
  }
}

template <class Use>
void GradientObjective::for_each_weighted_panel(const DistMatrix& l, const DistMatrix& r, Use use) const {
  for_each_difference_panel(l, r, [&](DistMatrix& difference, int64_t j0, int64_t j0_lc) {
    const int64_t cols_lc = difference.local_cols();
    if (cols_lc > 0) difference.local().array() *= curvature_->local().middleCols(j0_lc, cols_lc).array();
    use(difference, j0);
  });
}

double GradientObjective::value(const DistMatrix& l, const DistMatrix& r) const {
  DistMatrix g_r = l.like();
  gemm(Op::None, Op::None, 1.0, gradient_, r, 0.0, g_r);
  double value = inner(g_r, l) - gradient_dot_w_;
  if (curvature_) {
    double local = 0, total = 0;
    for_each_difference_panel(l, r, [&](const DistMatrix& difference, int64_t, int64_t j0_lc) {
      const int64_t cols_lc = difference.local_cols();
      if (cols_lc == 0) return;
      local += difference.local().cwiseAbs2().cwiseProduct(curvature_->local().middleCols(j0_lc, cols_lc)).sum();
    });
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
  // Entry by entry over the local parts (X on W's layout): no m x n temporary.
  const bool moved = !same_layout(x, w_);
  DistMatrix x_on_w;
  if (moved) {
    x_on_w = w_.like();
    redistribute(x, x_on_w);
  }
  const DistMatrix& y = moved ? x_on_w : x;
  const auto x_lc = y.local(), w_lc = w_.local(), g_lc = gradient_.local();
  double local = 0;
  for (int64_t j = 0; j < y.local_cols(); ++j) {
    const auto difference = x_lc.col(j) - w_lc.col(j);
    local += g_lc.col(j).dot(difference);
    local += 0.5 * (curvature_ ? curvature_->local().col(j).dot(difference.cwiseAbs2())
                               : constant_curvature_ * difference.squaredNorm());
  }
  double total = 0;
  MPI_Allreduce(&local, &total, 1, MPI_DOUBLE, MPI_SUM, x.grid().comm());
  return total;
}

DistMatrix GradientObjective::gradient_times_right(const DistMatrix& l, const DistMatrix& r,
                                                   const DistMatrix& w_r) const {
  // grad f(X) = G + H o (X - W).
  DistMatrix product = l.like();
  gemm(Op::None, Op::None, 1.0, gradient_, r, 0.0, product);
  if (curvature_) {
    for_each_weighted_panel(l, r, [&](const DistMatrix& weighted, int64_t j0) {
      gemm_sub(Op::None, Op::None, l.rows(), l.cols(), weighted.cols(), 1.0, weighted, 0, 0, r, j0, 0, 1.0, product, 0,
               0);
    });
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
    for_each_weighted_panel(l, r, [&](const DistMatrix& weighted, int64_t j0) {
      gemm_sub(Op::Trans, Op::None, weighted.cols(), l.cols(), l.rows(), 1.0, weighted, 0, 0, l, 0, 0, 1.0, product, j0,
               0);
    });
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
