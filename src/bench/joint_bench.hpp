#pragma once
// `jointfact bench joint`: alternating iterations of the joint solver (rowsum objective, penalty mode,
// rank k) on a synthetic low-rank + noise matrix, against their GEMM floor.
#include "bench/bench_record.hpp"
#include "bench/bench_settings.hpp"

namespace jf::bench {

// Collective. Records: dgemm, joint.
void run_joint_bench(const GridPtr& grid, const MatrixSize& size, const BenchSettings& settings, BenchPrinter& out);

}  // namespace jf::bench
