#pragma once
// The matrix the svd and joint benchmarks factor: low rank (100, or min(m, n)) plus 0.1 Gaussian noise,
// like `jointfact generate --kind lowrank --rank 100 --noise 0.1` and jobs/bench_numpy_rsvd.py.
#include <string>

#include "bench/bench_settings.hpp"
#include "jointfact/distributed/synthetic.hpp"

namespace jf::bench {

// InputError (naming `kind`, e.g. "bench svd") when settings.rank is not in [1, min(m, n)].
LowRankProblem make_bench_problem(const GridPtr& grid, const MatrixSize& size, const BenchSettings& settings,
                                  const std::string& kind);

}  // namespace jf::bench
