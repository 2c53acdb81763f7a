#pragma once
// `jointfact bench svd`: the randomized truncated SVD (k, p, q) of a synthetic m x n matrix against the
// DGEMM floor, the exact fast path and ScaLAPACK pdgesvd, all on the same matrix and ranks.
#include "bench/bench_record.hpp"
#include "bench/bench_settings.hpp"

namespace jf::bench {

// Collective. Records: dgemm, randomized, [exact], [pdgesvd], thin_products, then the time-to-accuracy
// table: to_<tol>_converged and to_<tol>_randomized_q<q> (fewest power iterations that reach it) for
// residual tolerances 1e-2, 1e-6, 1e-10, each with worst_residual = max_i ||A v_i - s_i u_i|| / s_1, and
// to_<tol>_slepc_trlanczos (SLEPc in child processes on a copy of the matrix under settings.dir, the same
// number of ranks) before them when python3-slepc4py is installed; otherwise a note "SLEPc: not installed".
void run_svd_bench(const GridPtr& grid, const MatrixSize& size, const BenchSettings& settings, BenchPrinter& out);

}  // namespace jf::bench
