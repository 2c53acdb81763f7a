#include "jointfact/sparse/distributed_fsmf.hpp"

#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "block_cyclic_entries.hpp"
#include "distributed_class_solve.hpp"
#include "distributed_fsmf_refine.hpp"
#include "distributed_support_classes.hpp"
#include "fsmf_local_factors.hpp"
#include "jointfact/core/collective.hpp"
#include "jointfact/core/error.hpp"
#include "sparse/block_ownership.hpp"
#include "value_exchange.hpp"

namespace jf::sparse {

namespace {

using detail::LocalFactors;
using detail::LocalSupportClasses;
using detail::ValueExchange;
using Indices = std::vector<std::int64_t>;

std::string shape(std::int64_t rows, std::int64_t cols) { return std::to_string(rows) + " x " + std::to_string(cols); }

// The shapes are known on every rank, so every rank reaches the same verdict without communicating.
void check_shapes(const DistMatrix& a, std::int64_t x_rows, std::int64_t x_cols, std::int64_t y_rows,
                  std::int64_t y_cols) {
  if (x_rows != a.rows())
    throw InputError("fsmf: support_x is " + shape(x_rows, x_cols) + " but the input has " + std::to_string(a.rows()) +
                     " rows");
  if (y_rows != a.cols())
    throw InputError("fsmf: support_y is " + shape(y_rows, y_cols) + " but the input has " + std::to_string(a.cols()) +
                     " columns");
  if (x_cols != y_cols)
    throw InputError("fsmf: support_x has " + std::to_string(x_cols) + " columns but support_y has " +
                     std::to_string(y_cols));
}

void check_finite(const DistMatrix& a) {
  agree_or_throw(a.grid().comm(), a.local().allFinite(), "fsmf: the input contains NaN or Inf");
}

// Wave of each class: 0 when no earlier class overlaps it, else one more than the latest wave
// among the earlier overlapping classes. A class only needs those to be solved before it.
std::vector<int> greedy_waves(const LocalSupportClasses& k) {
  std::vector<int> wave(k.classes.size(), 0);
  for (std::size_t c = 0; c < k.classes.size(); ++c)
    for (std::size_t earlier = 0; earlier < c; ++earlier)
      if (k.overlap(static_cast<Eigen::Index>(earlier), static_cast<Eigen::Index>(c)))
        wave[c] = std::max(wave[c], wave[earlier] + 1);
  return wave;
}

double area_of(const detail::LocalSupportClass& k) { return static_cast<double>(k.rows) * static_cast<double>(k.cols); }

// Classes of each wave dealt by area over the ranks, so that each wave is balanced.
std::vector<int> class_owners(const LocalSupportClasses& k, const std::vector<int>& wave, int ranks) {
  std::vector<int> owner(k.classes.size(), 0);
  const int waves = k.classes.empty() ? 0 : *std::max_element(wave.begin(), wave.end()) + 1;
  for (int w = 0; w < waves; ++w) {
    std::vector<std::size_t> members;
    std::vector<std::int64_t> areas;
    for (std::size_t c = 0; c < k.classes.size(); ++c)
      if (wave[c] == w) {
        members.push_back(c);
        areas.push_back(k.classes[c].rows * k.classes[c].cols);
      }
    const std::vector<int> assigned = assign_by_area(areas, ranks);
    for (std::size_t t = 0; t < members.size(); ++t) owner[members[t]] = assigned[t];
  }
  return owner;
}

// Classes solved on the whole grid, with more than one rank: a rank-one class whose block exceeds an
// eighth of a rank's share of A (power iteration on the ranks' own entries), a larger class whose block
// exceeds half a share (exact distributed SVD). The others go whole to one rank.
std::vector<bool> solved_on_grid(const DistMatrix& a, const LocalSupportClasses& k, int ranks) {
  std::vector<bool> on_grid(k.classes.size(), false);
  if (ranks == 1) return on_grid;
  const double share = static_cast<double>(a.rows()) * static_cast<double>(a.cols()) / ranks;
  for (std::size_t c = 0; c < k.classes.size(); ++c)
    on_grid[c] = area_of(k.classes[c]) > (k.classes[c].members.size() == 1 ? 0.125 : 0.5) * share;
  return on_grid;
}

// A class's residual block on the rank that solves it, with the class's whole index sets.
struct GatheredBlock {
  SupportClass whole;
  Eigen::MatrixXd residual;
};

Indices globals(const Indices& local, const BlockCyclicMap& map) {
  Indices global(local.size());
  for (std::size_t t = 0; t < local.size(); ++t) global[t] = map.local_to_global(local[t]);
  return global;
}

Indices sorted_union(std::vector<Indices>& pieces) {
  Indices all;
  for (const Indices& piece : pieces) all.insert(all.end(), piece.begin(), piece.end());
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  return all;
}

std::int64_t position(const Indices& sorted, std::int64_t value) {
  return std::lower_bound(sorted.begin(), sorted.end(), value) - sorted.begin();
}

// One MPI_Alltoallv moves the `selected` classes' residual blocks (A[I, J] minus the earlier overlapping
// classes' terms, subtracted by each holder on its own entries) to their owners, each piece with its global
// rows and columns, so the owner learns I and J from the pieces. Every rank sends every owner a piece of each
// of its selected classes (maybe empty), classes increasing: [rows, the rows, columns, the columns, values].
std::vector<GatheredBlock> gather_class_blocks(const DistMatrix& a, const LocalSupportClasses& k,
                                               const std::vector<int>& owner, const std::vector<bool>& selected,
                                               const LocalFactors& factors) {
  MPI_Comm comm = a.grid().comm();
  const int me = comm_rank(comm), ranks = comm_size(comm);
  const std::size_t classes = k.classes.size();
  std::vector<Indices> rows_here(classes), cols_here(classes);
  std::vector<Eigen::MatrixXd> residual_here(classes);
  ValueExchange exchange(comm);
  for (std::size_t c = 0; c < classes; ++c) {
    if (!selected[c]) continue;
    if (a.grid().in_grid()) {
      rows_here[c] = globals(k.classes[c].row_lc, a.row_map());
      cols_here[c] = globals(k.classes[c].col_lc, a.col_map());
      residual_here[c] = detail::local_residual(a, factors, k.classes[c].row_lc, k.classes[c].col_lc,
                                                k.earlier_overlapping_members(c));
    }
    exchange.count(owner[c],
                   static_cast<std::int64_t>(2 + rows_here[c].size() + cols_here[c].size() + residual_here[c].size()));
  }
  exchange.allocate_send();
  for (std::size_t c = 0; c < classes; ++c) {
    if (!selected[c]) continue;
    for (const Indices* indices : {&rows_here[c], &cols_here[c]}) {
      exchange.put(owner[c], static_cast<double>(indices->size()));
      for (std::int64_t g : *indices) exchange.put(owner[c], static_cast<double>(g));
    }
    for (Eigen::Index t = 0; t < residual_here[c].size(); ++t) exchange.put(owner[c], residual_here[c].data()[t]);
  }
  exchange.exchange();
  rows_here.clear();
  cols_here.clear();
  residual_here.clear();

  std::vector<GatheredBlock> blocks(classes);
  for (std::size_t c = 0; c < classes; ++c) {
    if (!selected[c] || owner[c] != me) continue;
    std::vector<Indices> rows(ranks), cols(ranks);
    std::vector<Eigen::MatrixXd> values(ranks);
    for (int s = 0; s < ranks; ++s) {
      for (Indices* indices : {&rows[s], &cols[s]}) {
        indices->resize(static_cast<std::size_t>(exchange.take(s)));
        for (std::int64_t& g : *indices) g = static_cast<std::int64_t>(exchange.take(s));
      }
      values[s].resize(static_cast<Eigen::Index>(rows[s].size()), static_cast<Eigen::Index>(cols[s].size()));
      for (Eigen::Index t = 0; t < values[s].size(); ++t) values[s].data()[t] = exchange.take(s);
    }
    GatheredBlock& block = blocks[c];
    block.whole = {sorted_union(rows), sorted_union(cols), k.classes[c].members};
    block.residual.resize(static_cast<Eigen::Index>(block.whole.rows.size()),
                          static_cast<Eigen::Index>(block.whole.cols.size()));
    for (int s = 0; s < ranks; ++s)
      for (std::size_t q = 0; q < cols[s].size(); ++q) {
        const std::int64_t q_at = position(block.whole.cols, cols[s][q]);
        for (std::size_t p = 0; p < rows[s].size(); ++p)
          block.residual(position(block.whole.rows, rows[s][p]), q_at) = values[s](p, q);
      }
  }
  exchange.finish();
  return blocks;
}

// Keeps the rows of a class's solution (u over I, v over J) that meet this rank's entries of A.
void keep_rows_here(const DistMatrix& a, const SupportClass& k, const LowRankFactors& solution, LocalFactors& factors) {
  if (!a.grid().in_grid()) return;
  for (std::size_t p = 0; p < k.rows.size(); ++p)
    if (a.row_map().owner(k.rows[p]) == a.grid().myrow())
      for (std::size_t t = 0; t < k.members.size(); ++t)
        factors.x(a.row_map().global_to_local(k.rows[p]), k.members[t]) = solution.u(p, t);
  for (std::size_t q = 0; q < k.cols.size(); ++q)
    if (a.col_map().owner(k.cols[q]) == a.grid().mycol())
      for (std::size_t t = 0; t < k.members.size(); ++t)
        factors.y(a.col_map().global_to_local(k.cols[q]), k.members[t]) = solution.v(q, t);
}

// One MPI_Alltoallv sends each solved class's rows of u to the process row holding them in A and its rows of v
// to the process column. Order per destination: classes increasing, u's rows then v's rows, increasing.
void deliver_solutions(const DistMatrix& a, const LocalSupportClasses& k, const std::vector<int>& owner,
                       const std::vector<bool>& selected, const std::vector<GatheredBlock>& blocks,
                       const std::vector<LowRankFactors>& solved, LocalFactors& factors) {
  MPI_Comm comm = a.grid().comm();
  const int me = comm_rank(comm);
  const std::vector<int> rank_at = detail::ranks_of_processes(a.grid());
  const int prows = a.grid().prows(), pcols = a.grid().pcols();
  ValueExchange exchange(comm);
  auto for_each_sent = [&](auto&& visit) {
    for (std::size_t c = 0; c < k.classes.size(); ++c) {
      if (!selected[c] || owner[c] != me) continue;
      const SupportClass& whole = blocks[c].whole;
      for (std::size_t p = 0; p < whole.rows.size(); ++p)
        for (int pc = 0; pc < pcols; ++pc)
          visit(rank_at[a.row_map().owner(whole.rows[p]) * pcols + pc], solved[c].u.row(p));
      for (std::size_t q = 0; q < whole.cols.size(); ++q)
        for (int pr = 0; pr < prows; ++pr)
          visit(rank_at[pr * pcols + a.col_map().owner(whole.cols[q])], solved[c].v.row(q));
    }
  };
  for_each_sent([&](int to, const auto& row) { exchange.count(to, row.size()); });
  exchange.allocate_send();
  for_each_sent([&](int to, const auto& row) {
    for (Eigen::Index t = 0; t < row.size(); ++t) exchange.put(to, row[t]);
  });
  exchange.exchange();
  for (std::size_t c = 0; c < k.classes.size(); ++c) {
    if (!selected[c]) continue;
    const detail::LocalSupportClass& mine = k.classes[c];
    for (std::int64_t i_lc : mine.row_lc)
      for (std::int64_t member : mine.members) factors.x(i_lc, member) = exchange.take(owner[c]);
    for (std::int64_t j_lc : mine.col_lc)
      for (std::int64_t member : mine.members) factors.y(j_lc, member) = exchange.take(owner[c]);
  }
  exchange.finish();
}

// Solves one wave: its classes on the grid together (collective, in class order), then this rank's own
// classes, whose residual blocks are gathered for this wave only (Algorithm 2: the best rank-|P|
// approximation); each solution's rows go to the ranks whose entries of A they meet.
void solve_wave(const DistMatrix& a, const LocalSupportClasses& k, const std::vector<int>& wave,
                const std::vector<int>& owner, const std::vector<bool>& on_grid, int this_wave, LocalFactors& factors) {
  const int me = comm_rank(a.grid().comm());
  for (std::size_t c = 0; c < k.classes.size(); ++c) {
    if (wave[c] != this_wave || !on_grid[c]) continue;
    const SupportClass whole = detail::gather_support_class(a, k.classes[c]);
    keep_rows_here(a, whole, detail::solve_class_distributed(a, whole, k.earlier_overlapping_members(c), factors),
                   factors);
  }
  std::vector<bool> selected(k.classes.size(), false);
  for (std::size_t c = 0; c < k.classes.size(); ++c) selected[c] = wave[c] == this_wave && !on_grid[c];
  std::vector<GatheredBlock> blocks = gather_class_blocks(a, k, owner, selected, factors);
  std::vector<LowRankFactors> solved(k.classes.size());
  for (std::size_t c = 0; c < k.classes.size(); ++c) {
    if (!selected[c] || owner[c] != me) continue;
    solved[c] = best_rank_k(blocks[c].residual, static_cast<std::int64_t>(k.classes[c].members.size()));
    blocks[c].residual = Eigen::MatrixXd();
  }
  deliver_solutions(a, k, owner, selected, blocks, solved, factors);
}

// The rows of a replicated support that meet this rank's entries of A (map: A's row or column map).
SupportMatrix support_rows_here(const SupportMatrix& support, const BlockCyclicMap& map, std::int64_t count) {
  SupportMatrix rows(count, support.cols());
  for (std::int64_t i_lc = 0; i_lc < count; ++i_lc) rows.row(i_lc) = support.row(map.local_to_global(i_lc));
  return rows;
}

DistributedFsmfResult factorize(const DistMatrix& a, const SupportMatrix& support_x_here,
                                const SupportMatrix& support_y_here, const FsmfOptions& options,
                                const ProgressFn& progress) {
  MPI_Comm comm = a.grid().comm();
  const LocalSupportClasses k = detail::group_local_support_classes(a, support_x_here, support_y_here);
  const std::vector<int> wave = greedy_waves(k);
  const std::vector<int> owner = class_owners(k, wave, comm_size(comm));
  const int waves = k.classes.empty() ? 0 : *std::max_element(wave.begin(), wave.end()) + 1;

  DistributedFsmfResult result;
  result.optimal = k.pairwise_disjoint();
  if (progress)
    progress("fsmf: " + std::to_string(k.classes.size()) + " classes of identical supports, " +
             (result.optimal ? "pairwise disjoint (the result is optimal)"
                             : "overlapping: greedy in " + std::to_string(waves) + " waves, then refinement"));
  const std::vector<bool> on_grid = solved_on_grid(a, k, comm_size(comm));
  LocalFactors factors = detail::zero_local_factors(a, support_x_here.cols());
  for (int w = 0; w < waves; ++w) solve_wave(a, k, wave, owner, on_grid, w, factors);

  const detail::SquaredSums greedy = detail::residual_sums(a, factors.x, factors.y);
  result.greedy_rel_error = detail::relative(greedy);
  result.rel_error = result.greedy_rel_error;
  if (!result.optimal && options.refine_iters > 0) {
    result.refine_history = detail::refine_distributed(
        a, support_x_here, support_y_here, factors, result.greedy_rel_error, std::sqrt(greedy.norm), options, progress);
    result.rel_error = result.refine_history.back();
    char line[160];
    std::snprintf(line, sizeof line, "fsmf: refinement stopped after %zu sweeps: rel_error %.6e (greedy %.6e)",
                  result.refine_history.size(), result.rel_error, result.greedy_rel_error);
    if (progress) progress(line);
  }
  result.x = detail::factor_as_dist_matrix(a, factors.x, false);
  result.y = detail::factor_as_dist_matrix(a, factors.y, true);
  return result;
}

}  // namespace

DistributedFsmfResult fsmf_factorize_distributed(const DistMatrix& a, const DistMatrix& support_x,
                                                 const DistMatrix& support_y, const FsmfOptions& options,
                                                 const ProgressFn& progress) {
  if (support_x.grid_ptr() != a.grid_ptr() || support_y.grid_ptr() != a.grid_ptr())
    throw std::invalid_argument("fsmf_factorize_distributed: the supports must live on the input's grid");
  check_shapes(a, support_x.rows(), support_x.cols(), support_y.rows(), support_y.cols());
  check_finite(a);
  const SupportMatrix x_here = detail::factor_rows_here(a, support_x, false).array() != 0.0;
  const SupportMatrix y_here = detail::factor_rows_here(a, support_y, true).array() != 0.0;
  return factorize(a, x_here, y_here, options, progress);
}

DistributedFsmfResult fsmf_factorize_distributed(const DistMatrix& a, const SupportMatrix& support_x,
                                                 const SupportMatrix& support_y, const FsmfOptions& options,
                                                 const ProgressFn& progress) {
  check_shapes(a, support_x.rows(), support_x.cols(), support_y.rows(), support_y.cols());
  check_finite(a);
  return factorize(a, support_rows_here(support_x, a.row_map(), a.local_rows()),
                   support_rows_here(support_y, a.col_map(), a.local_cols()), options, progress);
}

}  // namespace jf::sparse
