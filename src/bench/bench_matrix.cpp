#include "bench/bench_matrix.hpp"

#include <algorithm>

#include "jointfact/core/error.hpp"

namespace jf::bench {

LowRankProblem make_bench_problem(const GridPtr& grid, const MatrixSize& size, const BenchSettings& settings,
                                  const std::string& kind) {
  const int64_t m = size.rows, n = size.cols, k = settings.rank, smaller = std::min(m, n);
  if (k < 1 || k > smaller) {
    throw InputError(kind + ": --rank " + std::to_string(k) +
                     " must be between 1 and min(m, n) = " + std::to_string(smaller) + " for " + size.str());
  }
  return make_lowrank(grid, m, n, std::min<int64_t>(100, smaller), 0.1, settings.seed, settings.block);
}

}  // namespace jf::bench
