#pragma once
// `jointfact bench butterfly`: the distributed hierarchical butterfly factorization of an N x N product
// of random butterfly factors, against "one pass over the matrix per level" (J passes of a distributed
// Frobenius norm, measured in the same run).
#include "bench/bench_record.hpp"
#include "bench/bench_settings.hpp"

namespace jf::bench {

// Collective; size.rows == size.cols == 2^J (InputError otherwise). Records: pass, butterfly.
void run_butterfly_bench(const GridPtr& grid, const MatrixSize& size, const BenchSettings& settings, BenchPrinter& out);

}  // namespace jf::bench
