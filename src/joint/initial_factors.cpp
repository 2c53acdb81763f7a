#include "jointfact/joint/initial_factors.hpp"

#include <mpi.h>

#include <algorithm>
#include <cmath>

#include "joint/thin_algebra.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/distributed/pblas.hpp"

namespace jf::joint {
namespace {

// +1 or -1 per column: the sign of the column's largest-magnitude entry (lowest row on ties).
Eigen::VectorXd column_signs(const DistMatrix& u) {
  const int64_t k = u.cols();
  struct ValueIndex {
    double magnitude;
    int index;
  };
  std::vector<ValueIndex> best(static_cast<size_t>(k), ValueIndex{-1.0, 0});
  u.for_each_local([&](int64_t i, int64_t j, double v) {
    ValueIndex& b = best[static_cast<size_t>(j)];
    if (std::abs(v) > b.magnitude || (std::abs(v) == b.magnitude && i < b.index))
      b = {std::abs(v), static_cast<int>(i)};
  });
  MPI_Allreduce(MPI_IN_PLACE, best.data(), static_cast<int>(k), MPI_DOUBLE_INT, MPI_MAXLOC, u.grid().comm());
  Eigen::VectorXd value_at_best = Eigen::VectorXd::Zero(k);
  u.for_each_local([&](int64_t i, int64_t j, double v) {
    if (i == best[static_cast<size_t>(j)].index) value_at_best(j) = v;
  });
  MPI_Allreduce(MPI_IN_PLACE, value_at_best.data(), static_cast<int>(k), MPI_DOUBLE, MPI_SUM, u.grid().comm());
  return value_at_best.unaryExpr([](double v) { return v < 0 ? -1.0 : 1.0; });
}

void scale_columns(DistMatrix& a, const Eigen::VectorXd& scale) {
  a.for_each_local([&](int64_t, int64_t j, double& v) { v *= scale(j); });
}

// Column norms of the positive parts (sign = +1) or negative parts (sign = -1) of A.
Eigen::VectorXd part_norms(const DistMatrix& a, double sign) {
  Eigen::VectorXd squares = Eigen::VectorXd::Zero(a.cols());
  a.for_each_local([&](int64_t, int64_t j, double v) {
    const double part = std::max(sign * v, 0.0);
    squares(j) += part * part;
  });
  MPI_Allreduce(MPI_IN_PLACE, squares.data(), static_cast<int>(squares.size()), MPI_DOUBLE, MPI_SUM, a.grid().comm());
  return squares.cwiseSqrt();
}

}  // namespace

// Exact while it is cheap, the randomized SVD (q = 2 power iterations, p = 10) beyond, where the exact
// path's O(m n min(m, n)) cost dominates.
constexpr int64_t kExactSvdLimit = 1000;
svd::TruncatedSvd choose_truncated_svd(const DistMatrix& w, int64_t k) {
  if (std::min(w.rows(), w.cols()) <= kExactSvdLimit) return svd::exact_truncated_svd(w, k);
  svd::SvdOptions options;
  options.rank = k;
  return svd::truncated_svd(w, options);
}

double tail_norm(double w_norm_squared, const std::vector<double>& singular_values, int64_t k) {
  double kept = 0;
  for (int64_t i = 0; i < k; ++i)
    kept += singular_values[static_cast<size_t>(i)] * singular_values[static_cast<size_t>(i)];
  return std::sqrt(std::max(0.0, w_norm_squared - kept));
}

InitialFactors initial_factors(const DistMatrix& w, int64_t k, double w_norm_squared) {
  return factors_from_svd(w, choose_truncated_svd(w, k), k, w_norm_squared);
}

InitialFactors factors_from_svd(const DistMatrix& w, const svd::TruncatedSvd& svd, int64_t k, double w_norm_squared) {
  if (k < 1 || k > static_cast<int64_t>(svd.s.size()) || svd.u.rows() != w.rows() || svd.v.rows() != w.cols()) {
    throw InputError("the SVD start has rank " + std::to_string(svd.s.size()) + " for a " + std::to_string(w.rows()) +
                     " x " + std::to_string(w.cols()) + " matrix; the joint stage needs rank " + std::to_string(k));
  }
  InitialFactors start;
  // Factors use W's block size in both directions: L's rows follow W's rows, R's rows W's columns.
  start.factors.l = DistMatrix(w.grid_ptr(), w.rows(), k, w.row_block(), w.col_block());
  start.factors.r = DistMatrix(w.grid_ptr(), w.cols(), k, w.col_block(), w.col_block());
  copy_block(svd.u, 0, 0, w.rows(), k, start.factors.l, 0, 0);
  copy_block(svd.v, 0, 0, w.cols(), k, start.factors.r, 0, 0);
  const Eigen::VectorXd signs = column_signs(start.factors.l);
  Eigen::VectorXd root_s(k);
  for (int64_t i = 0; i < k; ++i) root_s(i) = std::sqrt(svd.s[static_cast<size_t>(i)]);
  scale_columns(start.factors.l, signs.cwiseProduct(root_s));
  scale_columns(start.factors.r, signs.cwiseProduct(root_s));
  start.singular_values.assign(svd.s.begin(), svd.s.begin() + k);
  start.recon_error = tail_norm(w_norm_squared, svd.s, k);
  return start;
}

InitialFactors truncate_start(const InitialFactors& start, int64_t k, double w_norm_squared) {
  InitialFactors truncated;
  truncated.factors.l = leading_columns(start.factors.l, k);
  truncated.factors.r = leading_columns(start.factors.r, k);
  truncated.singular_values.assign(start.singular_values.begin(), start.singular_values.begin() + k);
  truncated.recon_error = tail_norm(w_norm_squared, start.singular_values, k);
  return truncated;
}

Factors nonnegative_start(const Factors& svd_factors) {
  // With L = U sqrt(S), R = V sqrt(S): ||u+|| ||v+|| s = ||l+|| ||r+||, so the parts of L and R compare directly.
  const Eigen::VectorXd l_pos = part_norms(svd_factors.l, 1.0), l_neg = part_norms(svd_factors.l, -1.0);
  const Eigen::VectorXd r_pos = part_norms(svd_factors.r, 1.0), r_neg = part_norms(svd_factors.r, -1.0);
  const Eigen::VectorXd keep_sign =
      (l_pos.cwiseProduct(r_pos).array() >= l_neg.cwiseProduct(r_neg).array())
          .select(Eigen::VectorXd::Ones(l_pos.size()), -Eigen::VectorXd::Ones(l_pos.size()));
  // NNDSVD rescales the kept parts to carry the whole sqrt(s ||u+|| ||v+||) each; here the parts already
  // carry sqrt(s) from L and R, so balancing their norms is all that is left.
  Factors start{svd_factors.l, svd_factors.r};
  start.l.for_each_local([&](int64_t, int64_t j, double& v) { v = std::max(keep_sign(j) * v, 0.0); });
  start.r.for_each_local([&](int64_t, int64_t j, double& v) { v = std::max(keep_sign(j) * v, 0.0); });
  const Eigen::VectorXd l_norms = (keep_sign.array() > 0).select(l_pos, l_neg);
  const Eigen::VectorXd r_norms = (keep_sign.array() > 0).select(r_pos, r_neg);
  Eigen::VectorXd balance(l_norms.size());
  for (Eigen::Index j = 0; j < balance.size(); ++j)
    balance(j) = (l_norms(j) > 0 && r_norms(j) > 0) ? std::sqrt(r_norms(j) / l_norms(j)) : 1.0;
  scale_columns(start.l, balance);
  scale_columns(start.r, balance.cwiseInverse());
  return start;
}

}  // namespace jf::joint
