#include "jointfact/distributed/synthetic.hpp"

#include <bitset>
#include <vector>

#include "distributed/counter_random.hpp"
#include "jointfact/core/error.hpp"

namespace jf {

namespace {

// Rows [indices] of a k-column standard-normal factor drawn from `stream`, as a row-major table.
std::vector<double> factor_rows(const BlockCyclicMap& map, int64_t k, uint64_t seed, uint64_t stream) {
  std::vector<double> rows(static_cast<size_t>(map.local_size() * k));
  for (int64_t i_lc = 0; i_lc < map.local_size(); ++i_lc)
    for (int64_t l = 0; l < k; ++l)
      rows[i_lc * k + l] = counter_normal(seed, stream, static_cast<uint64_t>(map.local_to_global(i_lc)), l);
  return rows;
}

}  // namespace

LowRankProblem make_lowrank(GridPtr grid, int64_t m, int64_t n, int64_t k, double noise, uint64_t seed, int64_t block) {
  // Every entry is summed in the same fixed order on any grid (no distributed GEMM, whose rounding
  // depends on the layout), so files generated with different rank counts are byte-identical.
  LowRankProblem problem{DistMatrix(grid, m, n, block, block), DistMatrix(grid, m, 1, block, block)};
  const std::vector<double> u = factor_rows(problem.w.row_map(), k, seed, kStreamLowrankU);
  const std::vector<double> v = factor_rows(problem.w.col_map(), k, seed, kStreamLowrankV);
  auto w = problem.w.local();
  for (int64_t j_lc = 0; j_lc < problem.w.local_cols(); ++j_lc) {
    const int64_t j_gl = problem.w.col_map().local_to_global(j_lc);
    for (int64_t i_lc = 0; i_lc < problem.w.local_rows(); ++i_lc) {
      double clean = 0;
      for (int64_t l = 0; l < k; ++l) clean += u[i_lc * k + l] * v[j_lc * k + l];
      const int64_t i_gl = problem.w.row_map().local_to_global(i_lc);
      w(i_lc, j_lc) = clean + noise * counter_normal(seed, kStreamLowrankNoise, static_cast<uint64_t>(i_gl),
                                                     static_cast<uint64_t>(j_gl));
    }
  }
  // Row sums of the clean matrix: U (V^T 1), with V^T 1 summed over all n rows in index order.
  std::vector<double> v_colsum(static_cast<size_t>(k), 0.0);
  for (int64_t j = 0; j < n; ++j)
    for (int64_t l = 0; l < k; ++l) v_colsum[l] += counter_normal(seed, kStreamLowrankV, static_cast<uint64_t>(j), l);
  const std::vector<double> u_target_rows = factor_rows(problem.targets.row_map(), k, seed, kStreamLowrankU);
  for (int64_t i_lc = 0; i_lc < problem.targets.local_rows() && problem.targets.local_cols() > 0; ++i_lc) {
    const int64_t i_gl = problem.targets.row_map().local_to_global(i_lc);
    double sum = 0;
    for (int64_t l = 0; l < k; ++l) sum += u_target_rows[i_lc * k + l] * v_colsum[l];
    problem.targets.local()(i_lc, 0) =
        sum + 0.1 * counter_normal(seed, kStreamTargetsNoise, static_cast<uint64_t>(i_gl), 0);
  }
  return problem;
}

DistMatrix make_hadamard(GridPtr grid, int64_t n, int64_t block) {
  DistMatrix h(std::move(grid), n, n, block, block);
  h.for_each_local([](int64_t i_gl, int64_t j_gl, double& value) {
    value = (std::bitset<64>(static_cast<uint64_t>(i_gl & j_gl)).count() % 2 == 0) ? 1.0 : -1.0;
  });
  return h;
}

bool is_power_of_two(int64_t n, int& levels) {
  if (n < 1 || (n & (n - 1)) != 0) return false;
  levels = 0;
  while ((int64_t{1} << levels) < n) ++levels;
  return true;
}

double butterfly_factor_entry(uint64_t seed, int levels, int l, int64_t p, int64_t q) {
  const int64_t n = int64_t{1} << levels;
  return counter_normal(seed, kStreamButterflyFactors, static_cast<uint64_t>(l * n + p), static_cast<uint64_t>(q));
}

DistMatrix make_butterfly_product(GridPtr grid, int64_t n, uint64_t seed, int64_t block) {
  int levels = 0;
  if (!is_power_of_two(n, levels)) throw InputError("butterfly size " + std::to_string(n) + " is not a power of two");
  // Each factor has two nonzeros per column q: at rows q and q ^ bit. Tabulate them once.
  std::vector<std::vector<double>> diagonal(levels + 1), partner(levels + 1);
  for (int l = 1; l <= levels; ++l) {
    const int64_t bit = int64_t{1} << (levels - l);
    diagonal[l].resize(n);
    partner[l].resize(n);
    for (int64_t q = 0; q < n; ++q) {
      diagonal[l][q] = butterfly_factor_entry(seed, levels, l, q, q);
      partner[l][q] = butterfly_factor_entry(seed, levels, l, q ^ bit, q);
    }
  }
  DistMatrix a(std::move(grid), n, n, block, block);
  std::vector<double> row(n), next(n);
  for (int64_t i_lc = 0; i_lc < a.local_rows(); ++i_lc) {
    // Row i of F1 F2 ... FJ is e_i^T F1 F2 ... FJ: apply the factors left to right, O(N) each.
    const int64_t i_gl = a.row_map().local_to_global(i_lc);
    std::fill(row.begin(), row.end(), 0.0);
    row[i_gl] = 1.0;
    for (int l = 1; l <= levels; ++l) {
      const int64_t bit = int64_t{1} << (levels - l);
      for (int64_t q = 0; q < n; ++q) next[q] = row[q] * diagonal[l][q] + row[q ^ bit] * partner[l][q];
      row.swap(next);
    }
    for (int64_t j_lc = 0; j_lc < a.local_cols(); ++j_lc)
      a.local()(i_lc, j_lc) = row[a.col_map().local_to_global(j_lc)];
  }
  return a;
}

}  // namespace jf
