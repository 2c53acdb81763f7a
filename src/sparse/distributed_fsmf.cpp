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

// One MPI_Alltoallv moves the `selected` class blocks A[I, J] to their owners. Canonical order per
// destination: its classes in increasing order, each column by column, rows increasing.
std::vector<Eigen::MatrixXd> gather_class_blocks(const DistMatrix& a, const std::vector<SupportClass>& classes,
                                                 const std::vector<int>& owner, const std::vector<bool>& selected) {
  MPI_Comm comm = a.grid().comm();
  const int me = comm_rank(comm);
  const BlockCyclicEntries entries(a);
  std::vector<Indices> held_rows(classes.size()), held_cols(classes.size());
  ValueExchange exchange(comm);
  for (std::size_t c = 0; c < classes.size(); ++c) {
    if (!selected[c]) continue;
    held_rows[c] = held(classes[c].rows, &BlockCyclicEntries::row_here, entries);
    held_cols[c] = held(classes[c].cols, &BlockCyclicEntries::col_here, entries);
    exchange.count(owner[c], static_cast<std::int64_t>(held_rows[c].size() * held_cols[c].size()));
  }
  exchange.allocate_send();
  for (std::size_t c = 0; c < classes.size(); ++c)
    for (std::int64_t j : held_cols[c])  // empty unless selected
      for (std::int64_t i : held_rows[c]) exchange.put(owner[c], entries.value(i, j));
  exchange.exchange();

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

Eigen::MatrixXd submatrix(const Eigen::MatrixXd& m, const Indices& rows, const Indices& cols) {
  Eigen::MatrixXd sub(rows.size(), cols.size());
  for (std::size_t c = 0; c < cols.size(); ++c)
    for (std::size_t r = 0; r < rows.size(); ++r) sub(r, c) = m(rows[r], cols[c]);
  return sub;
}

void place(Eigen::MatrixXd& factor, const Indices& rows, const Indices& members, const double* values) {
  for (std::size_t k = 0; k < members.size(); ++k)
    for (std::size_t r = 0; r < rows.size(); ++r) factor(rows[r], members[k]) = values[k * rows.size() + r];
}

// Algorithm 2 on class c's block: subtract the terms of the earlier classes that overlap it
// (already in the replicated X, Y), then the best rank-|P| approximation.
LowRankFactors solve_class(const std::vector<SupportClass>& classes, std::size_t c, Eigen::MatrixXd residual,
                           const FsmfFactors& factors) {
  const SupportClass& mine = classes[c];
  for (std::size_t earlier = 0; earlier < c; ++earlier)
    if (supports_overlap(classes[earlier], mine))
      residual -= submatrix(factors.x, mine.rows, classes[earlier].members) *
                  submatrix(factors.y, mine.cols, classes[earlier].members).transpose();
  return best_rank_k(residual, static_cast<std::int64_t>(mine.members.size()));
}

// Solves one wave: its classes on the grid together (collective, in class order), then this rank's own
// classes, whose blocks are gathered for this wave only; every rank receives every solution of the wave.
void solve_wave(const DistMatrix& a, const std::vector<SupportClass>& classes, const std::vector<int>& wave,
                const std::vector<int>& owner, const std::vector<bool>& on_grid, int this_wave, FsmfFactors& factors) {
  MPI_Comm comm = a.grid().comm();
  const int me = comm_rank(comm), ranks = comm_size(comm);
  for (std::size_t c = 0; c < classes.size(); ++c) {
    if (wave[c] != this_wave || !on_grid[c]) continue;
    const LowRankFactors best = detail::solve_class_distributed(a, classes, c, factors);
    place(factors.x, classes[c].rows, classes[c].members, best.u.data());
    place(factors.y, classes[c].cols, classes[c].members, best.v.data());
  }
  std::vector<bool> selected(classes.size(), false);
  for (std::size_t c = 0; c < classes.size(); ++c) selected[c] = wave[c] == this_wave && !on_grid[c];
  std::vector<Eigen::MatrixXd> blocks = gather_class_blocks(a, classes, owner, selected);
  std::vector<double> mine;  // u then v of each solved class, column-major, classes increasing
  for (std::size_t c = 0; c < classes.size(); ++c) {
    if (!selected[c] || owner[c] != me) continue;
    const LowRankFactors best = solve_class(classes, c, std::move(blocks[c]), factors);
    blocks[c] = Eigen::MatrixXd();
    mine.insert(mine.end(), best.u.data(), best.u.data() + best.u.size());
    mine.insert(mine.end(), best.v.data(), best.v.data() + best.v.size());
  }
  std::vector<int> counts(ranks), displs(ranks, 0);
  for (std::size_t c = 0; c < classes.size(); ++c)
    if (selected[c])
      counts[owner[c]] +=
          static_cast<int>((classes[c].rows.size() + classes[c].cols.size()) * classes[c].members.size());
  for (int r = 1; r < ranks; ++r) displs[r] = displs[r - 1] + counts[r - 1];
  std::vector<double> all(static_cast<std::size_t>(displs.back() + counts.back()));
  MPI_Allgatherv(mine.data(), static_cast<int>(mine.size()), MPI_DOUBLE, all.data(), counts.data(), displs.data(),
                 MPI_DOUBLE, comm);
  std::vector<std::size_t> cursor(displs.begin(), displs.end());
  for (std::size_t c = 0; c < classes.size(); ++c) {
    if (!selected[c]) continue;
    const SupportClass& k = classes[c];
    std::size_t& at = cursor[owner[c]];
    place(factors.x, k.rows, k.members, all.data() + at);
    at += k.rows.size() * k.members.size();
    place(factors.y, k.cols, k.members, all.data() + at);
    at += k.cols.size() * k.members.size();
  }
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

}  // namespace

FsmfResult fsmf_factorize_distributed(const DistMatrix& a, const SupportMatrix& support_x,
                                      const SupportMatrix& support_y, const FsmfOptions& options,
                                      const ProgressFn& progress) {
  check_inputs(a, support_x, support_y);
  MPI_Comm comm = a.grid().comm();
  const std::vector<SupportClass> classes = group_support_classes(support_x, support_y);
  const std::vector<int> wave = greedy_waves(classes);
  const std::vector<int> owner = class_owners(classes, wave, comm_size(comm));
  const int waves = classes.empty() ? 0 : *std::max_element(wave.begin(), wave.end()) + 1;

  FsmfResult result;
  result.optimal = classes_pairwise_disjoint(classes);
  if (progress)
    progress("fsmf: " + std::to_string(classes.size()) + " classes of identical supports, " +
             (result.optimal ? "pairwise disjoint (the result is optimal)"
                             : "overlapping: greedy in " + std::to_string(waves) + " waves, then refinement"));
  const std::vector<bool> on_grid = solved_on_grid(a, classes, comm_size(comm));
  FsmfFactors factors{Eigen::MatrixXd::Zero(a.rows(), support_x.cols()),
                      Eigen::MatrixXd::Zero(a.cols(), support_y.cols())};
  for (int w = 0; w < waves; ++w) solve_wave(a, classes, wave, owner, on_grid, w, factors);

  const detail::SquaredSums greedy = detail::residual_sums(a, factors.x, factors.y);
  result.greedy_rel_error = detail::relative(greedy);
  result.rel_error = result.greedy_rel_error;
  if (!result.optimal && options.refine_iters > 0) {
    result.refine_history = detail::refine_distributed(a, support_x, support_y, factors, result.greedy_rel_error,
                                                       std::sqrt(greedy.norm), options, progress);
    result.rel_error = result.refine_history.back();
    char line[160];
    std::snprintf(line, sizeof line, "fsmf: refinement stopped after %zu sweeps: rel_error %.6e (greedy %.6e)",
                  result.refine_history.size(), result.rel_error, result.greedy_rel_error);
    if (progress) progress(line);
  }
  result.x = std::move(factors.x);
  result.y = std::move(factors.y);
  return result;
}

}  // namespace jf::sparse
