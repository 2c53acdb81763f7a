#include "jointfact/sparse/distributed_fsmf.hpp"

#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "block_cyclic_entries.hpp"
#include "distributed_class_solve.hpp"
#include "distributed_fsmf_refine.hpp"
#include "fsmf_local_factors.hpp"
#include "jointfact/core/collective.hpp"
#include "jointfact/core/error.hpp"
#include "sparse/block_ownership.hpp"
#include "value_exchange.hpp"

namespace jf::sparse {

namespace {

using detail::BlockCyclicEntries;
using detail::ValueExchange;
using Indices = std::vector<std::int64_t>;

std::string shape(std::int64_t rows, std::int64_t cols) { return std::to_string(rows) + " x " + std::to_string(cols); }

void check_inputs(const DistMatrix& a, const SupportMatrix& support_x, const SupportMatrix& support_y) {
  // The supports are replicated, so every rank reaches the same verdict without communicating.
  if (support_x.rows() != a.rows())
    throw InputError("fsmf: support_x is " + shape(support_x.rows(), support_x.cols()) + " but the input has " +
                     std::to_string(a.rows()) + " rows");
  if (support_y.rows() != a.cols())
    throw InputError("fsmf: support_y is " + shape(support_y.rows(), support_y.cols()) + " but the input has " +
                     std::to_string(a.cols()) + " columns");
  if (support_x.cols() != support_y.cols())
    throw InputError("fsmf: support_x has " + std::to_string(support_x.cols()) + " columns but support_y has " +
                     std::to_string(support_y.cols()));
  agree_or_throw(a.grid().comm(), a.local().allFinite(), "fsmf: the input contains NaN or Inf");
}

// Wave of each class: 0 when no earlier class overlaps it, else one more than the latest wave
// among the earlier overlapping classes. A class only needs those to be solved before it.
std::vector<int> greedy_waves(const std::vector<SupportClass>& classes) {
  std::vector<int> wave(classes.size(), 0);
  for (std::size_t c = 0; c < classes.size(); ++c)
    for (std::size_t earlier = 0; earlier < c; ++earlier)
      if (supports_overlap(classes[earlier], classes[c])) wave[c] = std::max(wave[c], wave[earlier] + 1);
  return wave;
}

// Classes of each wave dealt by area over the ranks, so that each wave is balanced.
std::vector<int> class_owners(const std::vector<SupportClass>& classes, const std::vector<int>& wave, int ranks) {
  std::vector<int> owner(classes.size(), 0);
  const int waves = classes.empty() ? 0 : *std::max_element(wave.begin(), wave.end()) + 1;
  for (int w = 0; w < waves; ++w) {
    std::vector<std::size_t> members;
    std::vector<std::int64_t> areas;
    for (std::size_t c = 0; c < classes.size(); ++c)
      if (wave[c] == w) {
        members.push_back(c);
        areas.push_back(static_cast<std::int64_t>(classes[c].rows.size() * classes[c].cols.size()));
      }
    const std::vector<int> assigned = assign_by_area(areas, ranks);
    for (std::size_t k = 0; k < members.size(); ++k) owner[members[k]] = assigned[k];
  }
  return owner;
}

Indices held(const Indices& indices, bool (BlockCyclicEntries::*here)(std::int64_t) const,
             const BlockCyclicEntries& entries) {
  Indices kept;
  for (std::int64_t i : indices)
    if ((entries.*here)(i)) kept.push_back(i);
  return kept;
}

std::vector<std::int64_t> local_indices(const Indices& indices, const BlockCyclicMap& map) {
  std::vector<std::int64_t> local(indices.size());
  for (std::size_t p = 0; p < indices.size(); ++p) local[p] = map.global_to_local(indices[p]);
  return local;
}

// One MPI_Alltoallv moves the `selected` classes' residual blocks (A[I, J] minus the earlier overlapping
// classes' terms, subtracted by each holder on its own entries) to their owners. Canonical order per
// destination: its classes in increasing order, each column by column, rows increasing.
std::vector<Eigen::MatrixXd> gather_class_blocks(const DistMatrix& a, const std::vector<SupportClass>& classes,
                                                 const std::vector<int>& owner, const std::vector<bool>& selected,
                                                 const detail::LocalFactors& factors) {
  MPI_Comm comm = a.grid().comm();
  const int me = comm_rank(comm);
  const BlockCyclicEntries entries(a);
  std::vector<Eigen::MatrixXd> held_residual(classes.size());
  ValueExchange exchange(comm);
  for (std::size_t c = 0; c < classes.size(); ++c) {
    if (!selected[c] || !a.grid().in_grid()) continue;
    const Indices rows = held(classes[c].rows, &BlockCyclicEntries::row_here, entries);
    const Indices cols = held(classes[c].cols, &BlockCyclicEntries::col_here, entries);
    held_residual[c] =
        detail::local_residual(a, factors, local_indices(rows, a.row_map()), local_indices(cols, a.col_map()),
                               detail::earlier_overlapping_members(classes, c));
    exchange.count(owner[c], static_cast<std::int64_t>(held_residual[c].size()));
  }
  exchange.allocate_send();
  for (std::size_t c = 0; c < classes.size(); ++c) {  // empty unless selected; column-major is the agreed order
    const Eigen::MatrixXd& values = held_residual[c];
    for (Eigen::Index t = 0; t < values.size(); ++t) exchange.put(owner[c], values.data()[t]);
  }
  exchange.exchange();
  held_residual.clear();

  std::vector<Eigen::MatrixXd> blocks(classes.size());
  for (std::size_t c = 0; c < classes.size(); ++c) {
    if (!selected[c] || owner[c] != me) continue;
    const Indices& rows = classes[c].rows;
    const Indices& cols = classes[c].cols;
    blocks[c].resize(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(cols.size()));
    for (std::size_t q = 0; q < cols.size(); ++q)
      for (std::size_t p = 0; p < rows.size(); ++p) blocks[c](p, q) = exchange.take(entries.holder(rows[p], cols[q]));
  }
  exchange.finish();
  return blocks;
}

// Keeps the rows of a class's solution (u over I, v over J) that meet this rank's entries of A.
void keep_rows_here(const DistMatrix& a, const SupportClass& k, const LowRankFactors& solution,
                    detail::LocalFactors& factors) {
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
void deliver_solutions(const DistMatrix& a, const std::vector<SupportClass>& classes, const std::vector<int>& owner,
                       const std::vector<bool>& selected, const std::vector<LowRankFactors>& solved,
                       detail::LocalFactors& factors) {
  MPI_Comm comm = a.grid().comm();
  const int me = comm_rank(comm);
  const std::vector<int> rank_at = detail::ranks_of_processes(a.grid());
  const int prows = a.grid().prows(), pcols = a.grid().pcols();
  ValueExchange exchange(comm);
  auto for_each_sent = [&](auto&& visit) {
    for (std::size_t c = 0; c < classes.size(); ++c) {
      if (!selected[c] || owner[c] != me) continue;
      const SupportClass& k = classes[c];
      for (std::size_t p = 0; p < k.rows.size(); ++p)
        for (int pc = 0; pc < pcols; ++pc)
          visit(rank_at[a.row_map().owner(k.rows[p]) * pcols + pc], solved[c].u.row(p));
      for (std::size_t q = 0; q < k.cols.size(); ++q)
        for (int pr = 0; pr < prows; ++pr)
          visit(rank_at[pr * pcols + a.col_map().owner(k.cols[q])], solved[c].v.row(q));
    }
  };
  for_each_sent([&](int to, const auto& row) { exchange.count(to, row.size()); });
  exchange.allocate_send();
  for_each_sent([&](int to, const auto& row) {
    for (Eigen::Index t = 0; t < row.size(); ++t) exchange.put(to, row[t]);
  });
  exchange.exchange();
  if (a.grid().in_grid()) {
    for (std::size_t c = 0; c < classes.size(); ++c) {
      if (!selected[c]) continue;
      const SupportClass& k = classes[c];
      for (std::int64_t i_gl : k.rows)
        if (a.row_map().owner(i_gl) == a.grid().myrow())
          for (std::int64_t member : k.members)
            factors.x(a.row_map().global_to_local(i_gl), member) = exchange.take(owner[c]);
      for (std::int64_t j_gl : k.cols)
        if (a.col_map().owner(j_gl) == a.grid().mycol())
          for (std::int64_t member : k.members)
            factors.y(a.col_map().global_to_local(j_gl), member) = exchange.take(owner[c]);
    }
  }
  exchange.finish();
}

// Solves one wave: its classes on the grid together (collective, in class order), then this rank's own
// classes, whose residual blocks are gathered for this wave only (Algorithm 2: the best rank-|P|
// approximation); each solution's rows go to the ranks whose entries of A they meet.
void solve_wave(const DistMatrix& a, const std::vector<SupportClass>& classes, const std::vector<int>& wave,
                const std::vector<int>& owner, const std::vector<bool>& on_grid, int this_wave,
                detail::LocalFactors& factors) {
  const int me = comm_rank(a.grid().comm());
  for (std::size_t c = 0; c < classes.size(); ++c) {
    if (wave[c] != this_wave || !on_grid[c]) continue;
    keep_rows_here(a, classes[c], detail::solve_class_distributed(a, classes, c, factors), factors);
  }
  std::vector<bool> selected(classes.size(), false);
  for (std::size_t c = 0; c < classes.size(); ++c) selected[c] = wave[c] == this_wave && !on_grid[c];
  std::vector<Eigen::MatrixXd> blocks = gather_class_blocks(a, classes, owner, selected, factors);
  std::vector<LowRankFactors> solved(classes.size());
  for (std::size_t c = 0; c < classes.size(); ++c) {
    if (!selected[c] || owner[c] != me) continue;
    solved[c] = best_rank_k(blocks[c], static_cast<std::int64_t>(classes[c].members.size()));
    blocks[c] = Eigen::MatrixXd();
  }
  deliver_solutions(a, classes, owner, selected, solved, factors);
}

// Classes solved on the whole grid, with more than one rank: a rank-one class whose block exceeds an
// eighth of a rank's share of A (power iteration on the ranks' own entries), a larger class whose block
// exceeds half a share (exact distributed SVD). The others go whole to one rank.
std::vector<bool> solved_on_grid(const DistMatrix& a, const std::vector<SupportClass>& classes, int ranks) {
  std::vector<bool> on_grid(classes.size(), false);
  if (ranks == 1) return on_grid;
  const double share = static_cast<double>(a.rows()) * static_cast<double>(a.cols()) / ranks;
  for (std::size_t c = 0; c < classes.size(); ++c) {
    const double area = static_cast<double>(classes[c].rows.size()) * static_cast<double>(classes[c].cols.size());
    on_grid[c] = area > (classes[c].members.size() == 1 ? 0.125 : 0.5) * share;
  }
  return on_grid;
}

// The rows of a replicated support that meet this rank's entries of A (map: A's row or column map).
SupportMatrix support_rows_here(const SupportMatrix& support, const BlockCyclicMap& map, std::int64_t count) {
  SupportMatrix rows(count, support.cols());
  for (std::int64_t i_lc = 0; i_lc < count; ++i_lc) rows.row(i_lc) = support.row(map.local_to_global(i_lc));
  return rows;
}

}  // namespace

DistributedFsmfResult fsmf_factorize_distributed(const DistMatrix& a, const SupportMatrix& support_x,
                                                 const SupportMatrix& support_y, const FsmfOptions& options,
                                                 const ProgressFn& progress) {
  check_inputs(a, support_x, support_y);
  MPI_Comm comm = a.grid().comm();
  const std::vector<SupportClass> classes = group_support_classes(support_x, support_y);
  const std::vector<int> wave = greedy_waves(classes);
  const std::vector<int> owner = class_owners(classes, wave, comm_size(comm));
  const int waves = classes.empty() ? 0 : *std::max_element(wave.begin(), wave.end()) + 1;

  DistributedFsmfResult result;
  result.optimal = classes_pairwise_disjoint(classes);
  if (progress)
    progress("fsmf: " + std::to_string(classes.size()) + " classes of identical supports, " +
             (result.optimal ? "pairwise disjoint (the result is optimal)"
                             : "overlapping: greedy in " + std::to_string(waves) + " waves, then refinement"));
  const std::vector<bool> on_grid = solved_on_grid(a, classes, comm_size(comm));
  detail::LocalFactors factors = detail::zero_local_factors(a, support_x.cols());
  for (int w = 0; w < waves; ++w) solve_wave(a, classes, wave, owner, on_grid, w, factors);

  const detail::SquaredSums greedy = detail::residual_sums(a, factors.x, factors.y);
  result.greedy_rel_error = detail::relative(greedy);
  result.rel_error = result.greedy_rel_error;
  if (!result.optimal && options.refine_iters > 0) {
    result.refine_history =
        detail::refine_distributed(a, support_rows_here(support_x, a.row_map(), a.local_rows()),
                                   support_rows_here(support_y, a.col_map(), a.local_cols()), factors,
                                   result.greedy_rel_error, std::sqrt(greedy.norm), options, progress);
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

}  // namespace jf::sparse
