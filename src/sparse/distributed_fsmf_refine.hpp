#pragma once
// The alternating least-squares refinement of FSMF on a distributed A (see distributed_fsmf.hpp).
// Private to the sparse module.

#include <vector>

#include "jointfact/core/progress.hpp"
#include "jointfact/distributed/dist_matrix.hpp"
#include "jointfact/sparse/fsmf.hpp"

namespace jf::sparse::detail {

// Collective. Starts from the replicated factors (relative error `start_error`, ||A||_F = `norm`),
// updates them in place on every rank and returns the relative error after each sweep, exactly as
// fsmf_refine does serially: a half-step is kept only if it does not increase the error.
std::vector<double> refine_distributed(const DistMatrix& a, const SupportMatrix& support_x,
                                       const SupportMatrix& support_y, FsmfFactors& factors, double start_error,
                                       double norm, const FsmfOptions& options, const ProgressFn& progress);

}  // namespace jf::sparse::detail
