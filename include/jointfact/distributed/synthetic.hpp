#pragma once
// Synthetic matrices for `jointfact generate`, the demo and the tests. Every entry depends only on the
// seed and its global position, never on the grid or block size.
#include <cstdint>

#include "jointfact/distributed/dist_matrix.hpp"

namespace jf {

// W = U V^T + noise * N (U m x k, V n x k, N m x n standard normal) and the demo's rowsum task:
// targets = row sums of U V^T + 0.1 * standard normal (an m x 1 matrix).
struct LowRankProblem {
  DistMatrix w;
  DistMatrix targets;
};
LowRankProblem make_lowrank(GridPtr grid, int64_t m, int64_t n, int64_t k, double noise, uint64_t seed,
                            int64_t block = DistMatrix::kDefaultBlock);

// Sylvester-Hadamard matrix of order N = 2^J (unnormalised: entries +-1).
DistMatrix make_hadamard(GridPtr grid, int64_t n, int64_t block = DistMatrix::kDefaultBlock);

// Product F1 F2 ... FJ of J random butterfly factors (N = 2^J). F_l is supported on S_(J+1-l), i.e.
// F_l(p, q) != 0 only if p XOR q is 0 or 2^(J-l): F1 couples rows i and i + N/2, FJ is 2x2 block
// diagonal. Nonzeros are standard normal from the counter generator.
DistMatrix make_butterfly_product(GridPtr grid, int64_t n, uint64_t seed, int64_t block = DistMatrix::kDefaultBlock);

// Value of the butterfly factor F_l (1-based l, output order, as in /butterfly) at (p, q) for make_butterfly_product.
double butterfly_factor_entry(uint64_t seed, int levels, int l, int64_t p, int64_t q);

// True when n is a power of two (n >= 1); stores log2(n) in levels.
bool is_power_of_two(int64_t n, int& levels);

}  // namespace jf
