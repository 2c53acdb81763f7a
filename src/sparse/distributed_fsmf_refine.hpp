#pragma once
// The alternating least-squares refinement of FSMF on a distributed A (see distributed_fsmf.hpp), with the
// factors held like A (fsmf_local_factors.hpp). Private to the sparse module.

#include <vector>

#include "fsmf_local_factors.hpp"
#include "jointfact/core/progress.hpp"
#include "jointfact/distributed/dist_matrix.hpp"
#include "jointfact/sparse/fsmf.hpp"

namespace jf::sparse::detail {

struct SquaredSums {
  double residual = 0.0;  // ||A - X Y^T||_F^2
  double norm = 0.0;      // ||A||_F^2
};

// Collective. Works on A's own entries and the factor rows that meet them (x_here: a.local_rows() x r,
// y_here: a.local_cols() x r, as LocalFactors holds them), 256 local columns at a time.
SquaredSums residual_sums(const DistMatrix& a, const Eigen::MatrixXd& x_here, const Eigen::MatrixXd& y_here);

// ||A - X Y^T||_F / ||A||_F from the sums (0 if both vanish, +inf if only A does).
double relative(const SquaredSums& sums);
// The same with ||A||_F given.
double relative_to(const SquaredSums& sums, double norm);

// Collective. Starts from the factors (relative error `start_error`, ||A||_F = `norm`), updates them in place
// and returns the relative error after each sweep, exactly as fsmf_refine does serially: a half-step is kept
// only if it does not increase the error. A is used where it lies (no copy). For each support pattern of the
// factor being updated, the fixed factor's pattern columns are factored by a QR over the process row (column)
// holding them (each rank its own rows, then the small R factors), which gives each rank its rows of the
// pseudo-inverse; each rank multiplies them into its entries of A and one allreduce over the process row
// (column) sums the new rows. Memory O(mn / P + (m / P_r + n / P_c) r + P_c r^2); no rank holds a whole
// factor. `support_x_here` / `support_y_here`: the supports' rows held like the factors'.
std::vector<double> refine_distributed(const DistMatrix& a, const SupportMatrix& support_x_here,
                                       const SupportMatrix& support_y_here, LocalFactors& factors, double start_error,
                                       double norm, const FsmfOptions& options, const ProgressFn& progress);

}  // namespace jf::sparse::detail
