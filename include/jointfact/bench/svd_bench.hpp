#pragma once
// `jointfact bench svd`: the randomized truncated SVD (k, p, q) of a synthetic m x n matrix against the
// DGEMM floor, the exact fast path and ScaLAPACK pdgesvd, all on the same matrix and ranks.
#include "jointfact/bench/bench_record.hpp"
#include "jointfact/bench/bench_settings.hpp"

namespace jf::bench {

// Collective. Records: dgemm, randomized, [exact], [pdgesvd].
void run_svd_bench(const GridPtr& grid, const MatrixSize& size, const BenchSettings& settings, BenchPrinter& out);

}  // namespace jf::bench
