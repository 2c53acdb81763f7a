#include "jointfact/sparse/distributed_butterfly.hpp"

#include <mpi.h>

#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "block_cyclic_entries.hpp"
#include "jointfact/core/collective.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/core/log.hpp"
#include "sparse/block_ownership.hpp"
#include "sparse/butterfly_chain.hpp"
#include "sparse/butterfly_split.hpp"
#include "value_exchange.hpp"

namespace jf::sparse {

namespace {

using detail::BlockCyclicEntries;
using detail::ValueExchange;
int checked_log2n(const DistMatrix& a) {
  require_butterfly_shape(a.rows(), a.cols(), "the input");
  agree_or_throw(a.grid().comm(), a.local().allFinite(), "butterfly: the input contains NaN or Inf");
  int log2n = 0;
  while ((std::int64_t{1} << log2n) < a.rows()) ++log2n;
  return log2n;
}

// One split's blocks on this rank: their data while being solved, then their solutions.
struct SplitBlocks {
  ButterflySplit split;
  EqualBlockOwnership owners;
  std::int64_t first = 0, end = 0;        // owned block ids
  std::vector<double> data;               // owned blocks, block after block, each column-major
  std::vector<RankOneFactors> solutions;  // scaled by scale_for_split; solutions[m - first]

  SplitBlocks(const ButterflySplit& s, int ranks, int me)
      : split(s), owners(split_block_count(s), ranks), first(owners.first(me)), end(owners.end(me)) {}

  std::int64_t rows() const { return split_block_rows(split); }
  std::int64_t cols() const { return split_block_cols(split); }
  std::int64_t row_of(std::int64_t m, std::int64_t p) const {
    return (m & ~free_bit_mask(split.log2n, split.left())) | (p << low_free_bit(split.log2n, split.left()));
  }
  std::int64_t col_of(std::int64_t m, std::int64_t q) const {
    return (m & ~free_bit_mask(split.log2n, split.right())) | (q << low_free_bit(split.log2n, split.right()));
  }
};

// --- Where the matrix being split lives. A source (BlockCyclicEntries for A at the root,
// ChildEntries below) answers, for an entry (i, j) of its support: which rank holds it (holder),
// whether this rank may hold entries of row i / column j (both true: this rank holds (i, j)),
// and its value (only asked for entries held here).

// A child of a solved split: row m of the right child is v_m, column m of the left child is u_m,
// both held by the owner of block m.
class ChildEntries {
 public:
  ChildEntries(const SplitBlocks& parent, bool right_child, int me)
      : parent_(parent),
        right_(right_child),
        me_(me),
        mask_(free_bit_mask(parent.split.log2n, right_child ? parent.split.right() : parent.split.left())),
        low_(low_free_bit(parent.split.log2n, right_child ? parent.split.right() : parent.split.left())) {}

  bool row_here(std::int64_t i) const { return !right_ || parent_.owners.owner(i) == me_; }
  bool col_here(std::int64_t j) const { return right_ || parent_.owners.owner(j) == me_; }
  int holder(std::int64_t i, std::int64_t j) const { return parent_.owners.owner(right_ ? i : j); }
  double value(std::int64_t i, std::int64_t j) const {
    if (right_) return parent_.solutions[i - parent_.first].v[(j & mask_) >> low_];
    return parent_.solutions[j - parent_.first].u[(i & mask_) >> low_];
  }

 private:
  const SplitBlocks& parent_;
  bool right_;
  int me_;
  std::int64_t mask_;
  int low_;
};

// Positions (0 .. count-1) along one side of block m whose index this rank may hold. Blocks that
// share the bits selecting that side share the list, so it is built once per distinct side:
// O(N) work per split instead of O(N * block side).
class HeldPositions {
 public:
  HeldPositions(std::int64_t count, std::function<std::int64_t(std::int64_t m, std::int64_t p)> index_of,
                std::int64_t selecting_mask, std::function<bool(std::int64_t)> held)
      : count_(count), index_of_(std::move(index_of)), mask_(selecting_mask), held_(std::move(held)) {}

  const std::vector<std::int64_t>& of(std::int64_t m) {
    auto [it, inserted] = cache_.try_emplace(m & mask_);
    if (inserted)
      for (std::int64_t p = 0; p < count_; ++p)
        if (held_(index_of_(m, p))) it->second.push_back(p);
    return it->second;
  }

 private:
  std::int64_t count_;
  std::function<std::int64_t(std::int64_t, std::int64_t)> index_of_;
  std::int64_t mask_;
  std::function<bool(std::int64_t)> held_;
  std::unordered_map<std::int64_t, std::vector<std::int64_t>> cache_;
};

// Sender side. The canonical order of the values for one destination: its blocks in increasing
// id, inside a block column by column (q), rows (p) increasing; only the entries held here.
template <class Source>
class SplitPacker {
 public:
  SplitPacker(const SplitBlocks& blocks, const Source& source)
      : blocks_(blocks),
        source_(source),
        rows_(
            blocks.rows(), [&b = blocks_](std::int64_t m, std::int64_t p) { return b.row_of(m, p); },
            ~free_bit_mask(blocks.split.log2n, blocks.split.left()),
            [&s = source_](std::int64_t i) { return s.row_here(i); }),
        cols_(
            blocks.cols(), [&b = blocks_](std::int64_t m, std::int64_t q) { return b.col_of(m, q); },
            ~free_bit_mask(blocks.split.log2n, blocks.split.right()),
            [&s = source_](std::int64_t j) { return s.col_here(j); }) {}

  void count(ValueExchange& exchange) {
    for (std::int64_t m = 0; m < blocks_.owners.blocks(); ++m) {
      const auto n = static_cast<std::int64_t>(rows_.of(m).size() * cols_.of(m).size());
      if (n > 0) exchange.count(blocks_.owners.owner(m), n);
    }
  }

  void pack(ValueExchange& exchange) {
    for (std::int64_t m = 0; m < blocks_.owners.blocks(); ++m) {
      const std::vector<std::int64_t>& ps = rows_.of(m);
      const std::vector<std::int64_t>& qs = cols_.of(m);
      if (ps.empty() || qs.empty()) continue;
      const int dest = blocks_.owners.owner(m);
      for (std::int64_t q : qs) {
        const std::int64_t j = blocks_.col_of(m, q);
        for (std::int64_t p : ps) exchange.put(dest, source_.value(blocks_.row_of(m, p), j));
      }
    }
  }

 private:
  const SplitBlocks& blocks_;
  const Source& source_;
  HeldPositions rows_, cols_;
};

// Receiver side: the same order, every entry of the owned blocks, taken from its holder's stream.
template <class Source>
void unpack_owned_blocks(SplitBlocks& blocks, const Source& source, ValueExchange& exchange) {
  const std::int64_t rows = blocks.rows(), cols = blocks.cols();
  blocks.data.resize(static_cast<std::size_t>((blocks.end - blocks.first) * rows * cols));
  std::size_t k = 0;
  for (std::int64_t m = blocks.first; m < blocks.end; ++m)
    for (std::int64_t q = 0; q < cols; ++q) {
      const std::int64_t j = blocks.col_of(m, q);
      for (std::int64_t p = 0; p < rows; ++p) blocks.data[k++] = exchange.take(source.holder(blocks.row_of(m, p), j));
    }
}

struct SquaredSums {
  double error = 0.0;
  double norm = 0.0;
};

// Best rank-one fit of every owned block (best_rank_one: a pure function of the block's values).
SquaredSums solve_owned_blocks(SplitBlocks& blocks) {
  const Eigen::Index rows = blocks.rows(), cols = blocks.cols();
  SquaredSums sums;
  blocks.solutions.clear();
  blocks.solutions.reserve(static_cast<std::size_t>(blocks.end - blocks.first));
  for (std::int64_t m = blocks.first; m < blocks.end; ++m) {
    const Eigen::MatrixXd block =
        Eigen::Map<const Eigen::MatrixXd>(blocks.data.data() + (m - blocks.first) * rows * cols, rows, cols);
    const RankOneFactors balanced = best_rank_one(block);
    sums.error += (block - balanced.u * balanced.v.transpose()).squaredNorm();
    sums.norm += block.squaredNorm();
    blocks.solutions.push_back(scale_for_split(blocks.split, balanced));
  }
  return sums;
}

double relative(const SquaredSums& sums) {
  if (sums.norm == 0.0) return sums.error == 0.0 ? 0.0 : std::numeric_limits<double>::infinity();
  return std::sqrt(sums.error / sums.norm);
}

SquaredSums sum_over_ranks(SquaredSums local, MPI_Comm comm) {
  double values[2] = {local.error, local.norm};
  MPI_Allreduce(MPI_IN_PLACE, values, 2, MPI_DOUBLE, MPI_SUM, comm);
  return {values[0], values[1]};
}

// Every rank gets a single-factor child of a split: two values per block, gathered in block order.
ButterflyPartialProduct gather_single_factor(const SplitBlocks& blocks, bool right_child, MPI_Comm comm) {
  std::vector<double> mine;
  mine.reserve(2 * blocks.solutions.size());
  for (const RankOneFactors& s : blocks.solutions) {
    const Eigen::VectorXd& side = right_child ? s.v : s.u;
    mine.insert(mine.end(), side.data(), side.data() + side.size());
  }
  const int ranks = blocks.owners.ranks();
  std::vector<int> counts(ranks), displs(ranks);
  for (int r = 0; r < ranks; ++r) {
    counts[r] = static_cast<int>(2 * blocks.owners.count(r));
    displs[r] = static_cast<int>(2 * blocks.owners.first(r));
  }
  std::vector<double> all(static_cast<std::size_t>(2 * blocks.owners.blocks()));
  MPI_Allgatherv(mine.data(), static_cast<int>(mine.size()), MPI_DOUBLE, all.data(), counts.data(), displs.data(),
                 MPI_DOUBLE, comm);

  const FactorRange range = right_child ? blocks.split.right() : blocks.split.left();
  ButterflyPartialProduct factor = ButterflyPartialProduct::zeros(blocks.split.log2n, range);
  for (std::int64_t m = 0; m < blocks.owners.blocks(); ++m)
    for (std::int64_t t = 0; t < 2; ++t) {
      const double value = all[2 * m + t];
      if (right_child)
        factor.at(m, t) = value;  // row m, on columns cols(m) in slot order
      else
        factor.at(blocks.row_of(m, t), factor.slot(m)) = value;  // column m, on rows rows(m)
    }
  return factor;
}

// N = 2: no split; the single factor is the matrix itself (4 values, gathered).
ButterflyFactorization factorize_two_by_two(const DistMatrix& a, ButterflyTree tree) {
  Eigen::MatrixXd full = Eigen::MatrixXd::Zero(2, 2);
  a.for_each_local([&](std::int64_t i, std::int64_t j, double v) { full(i, j) = v; });
  MPI_Allreduce(MPI_IN_PLACE, full.data(), 4, MPI_DOUBLE, MPI_SUM, a.grid().comm());
  ButterflyFactorization result;
  result.tree = tree;
  result.factors.push_back(to_csr(restrict_to_support(full, 1, {1, 1})));
  return result;  // exact: rel_error 0
}

// ||A - F_1 ... F_J||^2 over the owned root blocks: block m is approximated by column m of
// F_1 ... F_k times row m of F_(k+1) ... F_J, both on the block's rows and columns.
SquaredSums final_error_on_root_blocks(const SplitBlocks& root, const std::vector<double>& root_data,
                                       const std::vector<ButterflyPartialProduct>& single_factors) {
  const std::int64_t rows = root.rows(), cols = root.cols();
  SquaredSums sums;
  for (std::int64_t m = root.first; m < root.end; ++m) {
    const std::vector<double> left = chain_column(single_factors, root.split.left(), m);
    const std::vector<double> right = chain_row(single_factors, root.split.right(), m);
    const double* block = root_data.data() + (m - root.first) * rows * cols;
    for (std::int64_t q = 0; q < cols; ++q)
      for (std::int64_t p = 0; p < rows; ++p) {
        const double a = block[p + q * rows];
        const double diff = a - left[p] * right[q];
        sums.error += diff * diff;
        sums.norm += a * a;
      }
  }
  return sums;
}

std::string describe_round(const std::vector<ButterflySplit>& round) {
  std::string text;
  for (const ButterflySplit& s : round) {
    text += text.empty() ? "" : ", ";
    text += "F" + std::to_string(s.range.first) + "..F" + std::to_string(s.range.last) + " after F" +
            std::to_string(s.split_after) + " (" + std::to_string(split_block_rows(s)) + " x " +
            std::to_string(split_block_cols(s)) + " blocks)";
  }
  return text;
}

}  // namespace

void require_butterfly_shape(std::int64_t rows, std::int64_t cols, const std::string& what) {
  const bool power_of_two = rows >= 2 && (rows & (rows - 1)) == 0;
  if (rows != cols || !power_of_two)
    throw InputError("butterfly needs a square N x N matrix with N a power of two >= 2; " + what + " is " +
                     std::to_string(rows) + " x " + std::to_string(cols));
}

ButterflyFactorization butterfly_factorize_distributed(const DistMatrix& a, ButterflyTree tree,
                                                       const ProgressFn& progress) {
  const int log2n = checked_log2n(a);
  if (log2n == 1) return factorize_two_by_two(a, tree);
  MPI_Comm comm = a.grid().comm();
  const int ranks = comm_size(comm), me = comm_rank(comm);
  const auto rounds = butterfly_split_rounds(log2n, tree);

  std::vector<ButterflyPartialProduct> single_factors(static_cast<std::size_t>(log2n));
  ButterflyFactorization result;
  result.tree = tree;
  ProgressMeter meter(progress, "butterfly: round", static_cast<long>(rounds.size()));
  std::vector<SplitBlocks> previous;  // the last round's solved splits: the next round's input
  std::vector<double> root_data;      // A's root blocks owned here, kept for the final error
  for (std::size_t r = 0; r < rounds.size(); ++r) {
    std::vector<SplitBlocks> current;
    for (const ButterflySplit& split : rounds[r]) current.emplace_back(split, ranks, me);

    ValueExchange exchange(comm);
    if (r == 0) {
      const BlockCyclicEntries input(a);
      SplitPacker<BlockCyclicEntries> packer(current[0], input);
      packer.count(exchange);
      exchange.allocate_send();
      packer.pack(exchange);
      exchange.exchange();
      unpack_owned_blocks(current[0], input, exchange);
    } else {
      std::vector<ChildEntries> sources;
      sources.reserve(current.size());
      for (const SplitBlocks& blocks : current)
        for (const SplitBlocks& parent : previous) {
          if (parent.split.right() == blocks.split.range) sources.emplace_back(parent, true, me);
          if (parent.split.left() == blocks.split.range) sources.emplace_back(parent, false, me);
        }
      if (sources.size() != current.size())
        throw std::logic_error("butterfly: a split of round " + std::to_string(r + 1) + " has no parent");
      std::vector<SplitPacker<ChildEntries>> packers;
      packers.reserve(current.size());
      for (std::size_t s = 0; s < current.size(); ++s) packers.emplace_back(current[s], sources[s]);
      for (auto& packer : packers) packer.count(exchange);
      exchange.allocate_send();
      for (auto& packer : packers) packer.pack(exchange);  // splits in round order, per destination
      exchange.exchange();
      for (std::size_t s = 0; s < current.size(); ++s) unpack_owned_blocks(current[s], sources[s], exchange);
    }
    exchange.finish();
    previous.clear();

    SquaredSums round_sums;
    for (SplitBlocks& blocks : current) {
      const SquaredSums sums = solve_owned_blocks(blocks);
      round_sums.error += sums.error;
      round_sums.norm += sums.norm;
      if (r == 0)
        root_data = std::move(blocks.data);
      else
        std::vector<double>().swap(blocks.data);
      if (blocks.split.left().is_single_factor())
        single_factors[blocks.split.left().first - 1] = gather_single_factor(blocks, false, comm);
      if (blocks.split.right().is_single_factor())
        single_factors[blocks.split.right().first - 1] = gather_single_factor(blocks, true, comm);
    }
    result.round_errors.push_back(relative(sum_over_ranks(round_sums, comm)));
    meter.update(static_cast<long>(r + 1),
                 describe_round(rounds[r]) + ", fit " + format_number("%.3e", result.round_errors.back()),
                 r + 1 == rounds.size());
    previous = std::move(current);
  }

  const SplitBlocks root(rounds[0][0], ranks, me);  // the owned root block ids, for root_data
  const SquaredSums total = sum_over_ranks(final_error_on_root_blocks(root, root_data, single_factors), comm);
  result.rel_error = relative(total);
  for (const ButterflyPartialProduct& f : single_factors) result.factors.push_back(to_csr(f));
  return result;
}

}  // namespace jf::sparse
