#pragma once
// The alternating least-squares refinement of FSMF on a distributed A (see distributed_fsmf.hpp).
// Private to the sparse module.

#include <vector>

#include "jointfact/distributed/dist_matrix.hpp"
#include "jointfact/sparse/fsmf.hpp"
#include "jointfact/sparse/sparse_progress.hpp"

namespace jf::sparse::detail {

struct SquaredSums {
  double residual = 0.0;  // ||A - X Y^T||_F^2
  double norm = 0.0;      // ||A||_F^2
};

// Collective; X (m x r) and Y (n x r) replicated. Works on A's own entries, 256 local columns at a time.
SquaredSums residual_sums(const DistMatrix& a, const Eigen::MatrixXd& x, const Eigen::MatrixXd& y);

// ||A - X Y^T||_F / ||A||_F from the sums (0 if both vanish, +inf if only A does).
double relative(const SquaredSums& sums);
// The same with ||A||_F given.
double relative_to(const SquaredSums& sums, double norm);

// Collective. Starts from the replicated factors (relative error `start_error`, ||A||_F = `norm`),
// updates them in place on every rank and returns the relative error after each sweep, exactly as
// fsmf_refine does serially: a half-step is kept only if it does not increase the error. A is used
// where it lies (no copy): each half-step multiplies each rank's entries by the pseudo-inverses of the
// fixed factor's support columns; memory O(mn / P + (m + n) r + 256 (m + n) / P).
std::vector<double> refine_distributed(const DistMatrix& a, const SupportMatrix& support_x,
                                       const SupportMatrix& support_y, FsmfFactors& factors, double start_error,
                                       double norm, const FsmfOptions& options, const SparseProgress& progress);

}  // namespace jf::sparse::detail
