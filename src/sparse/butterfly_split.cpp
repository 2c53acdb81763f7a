#include "sparse/butterfly_split.hpp"

#include <cassert>
#include <stdexcept>
#include <string>

namespace jf::sparse {

namespace {

void check_block_id(const ButterflySplit& split, std::int64_t block_id) {
  if (block_id < 0 || block_id >= split_block_count(split))
    throw std::out_of_range("butterfly split: block " + std::to_string(block_id) + " of " +
                            std::to_string(split_block_count(split)));
}

void check_solution_shape(const ButterflySplit& split, const RankOneFactors& solution) {
  if (solution.u.size() != split_block_rows(split) || solution.v.size() != split_block_cols(split))
    throw std::invalid_argument("butterfly split: solution of shape " + std::to_string(solution.u.size()) + " x " +
                                std::to_string(solution.v.size()) + " for a " +
                                std::to_string(split_block_rows(split)) + " x " +
                                std::to_string(split_block_cols(split)) + " block");
}

template <class Matrix>
SplitFactors solve_split_serially(const ButterflySplit& split, const Matrix& p) {
  SplitFactors factors = make_split_factors(split);
  for (std::int64_t m = 0; m < split_block_count(split); ++m) {
    const BlockIndices idx = split_block_indices(split, m);
    store_block_solution(split, m, best_rank_one(gather_block(p, idx)), factors);
  }
  return factors;
}

}  // namespace

BlockIndices split_block_indices(const ButterflySplit& split, std::int64_t block_id) {
  check_block_id(split, block_id);
  const int log2n = split.log2n;
  const std::int64_t mask_left = free_bit_mask(log2n, split.left());
  const std::int64_t mask_right = free_bit_mask(log2n, split.right());
  const int left_low = low_free_bit(log2n, split.left());
  const int right_low = low_free_bit(log2n, split.right());
  BlockIndices idx;
  idx.rows.resize(split_block_rows(split));
  idx.cols.resize(split_block_cols(split));
  for (std::int64_t p = 0; p < split_block_rows(split); ++p) idx.rows[p] = (block_id & ~mask_left) | (p << left_low);
  for (std::int64_t q = 0; q < split_block_cols(split); ++q) idx.cols[q] = (block_id & ~mask_right) | (q << right_low);
  return idx;
}

Eigen::MatrixXd gather_block(const Eigen::MatrixXd& p, const BlockIndices& idx) {
  const auto rows = static_cast<Eigen::Index>(idx.rows.size());
  const auto cols = static_cast<Eigen::Index>(idx.cols.size());
  Eigen::MatrixXd block(rows, cols);
  for (Eigen::Index c = 0; c < cols; ++c)
    for (Eigen::Index r = 0; r < rows; ++r) block(r, c) = p(idx.rows[r], idx.cols[c]);
  return block;
}

Eigen::MatrixXd gather_block(const ButterflyPartialProduct& p, const BlockIndices& idx) {
  const auto rows = static_cast<Eigen::Index>(idx.rows.size());
  const auto cols = static_cast<Eigen::Index>(idx.cols.size());
  Eigen::MatrixXd block(rows, cols);
  for (Eigen::Index r = 0; r < rows; ++r) {
    for (Eigen::Index c = 0; c < cols; ++c) {
      assert(in_product_support(idx.rows[r], idx.cols[c], p.log2n, p.range));
      block(r, c) = p.at(idx.rows[r], p.slot(idx.cols[c]));
    }
  }
  return block;
}

SplitFactors make_split_factors(const ButterflySplit& split) {
  return {ButterflyPartialProduct::zeros(split.log2n, split.left()),
          ButterflyPartialProduct::zeros(split.log2n, split.right())};
}

RankOneFactors scale_for_split(const ButterflySplit& split, const RankOneFactors& solution) {
  const bool left_is_leaf = split.left().is_single_factor();
  const bool right_is_leaf = split.right().is_single_factor();
  if (left_is_leaf == right_is_leaf) return solution;
  const double u_norm = solution.u.norm();
  const double v_norm = solution.v.norm();
  if (u_norm == 0.0 || v_norm == 0.0) return solution;
  if (left_is_leaf) return {solution.u / u_norm, solution.v * u_norm};
  return {solution.u * v_norm, solution.v / v_norm};
}

void store_block_solution(const ButterflySplit& split, std::int64_t block_id, const RankOneFactors& balanced_solution,
                          SplitFactors& factors) {
  check_block_id(split, block_id);
  check_solution_shape(split, balanced_solution);
  const RankOneFactors solution = scale_for_split(split, balanced_solution);
  const BlockIndices idx = split_block_indices(split, block_id);
  // L's column m sits in slot slot(m) of each block row; R's row m holds the block's columns in
  // slot order q, because cols(m)[q] = column(m, q).
  const std::int64_t left_slot = factors.left.slot(block_id);
  for (std::size_t p = 0; p < idx.rows.size(); ++p)
    factors.left.at(idx.rows[p], left_slot) = solution.u[static_cast<Eigen::Index>(p)];
  for (std::int64_t q = 0; q < split_block_cols(split); ++q) factors.right.at(block_id, q) = solution.v[q];
}

SplitFactors assemble_split(const ButterflySplit& split, const std::vector<RankOneFactors>& solutions) {
  if (static_cast<std::int64_t>(solutions.size()) != split_block_count(split))
    throw std::invalid_argument("butterfly split: " + std::to_string(solutions.size()) + " solutions for " +
                                std::to_string(split_block_count(split)) + " blocks");
  SplitFactors factors = make_split_factors(split);
  for (std::int64_t m = 0; m < split_block_count(split); ++m) store_block_solution(split, m, solutions[m], factors);
  return factors;
}

double split_squared_error(const ButterflySplit& split, const Eigen::MatrixXd& p, const SplitFactors& factors) {
  double sum = 0.0;
  for (std::int64_t m = 0; m < split_block_count(split); ++m) {
    const BlockIndices idx = split_block_indices(split, m);
    const std::int64_t left_slot = factors.left.slot(m);
    for (std::size_t c = 0; c < idx.cols.size(); ++c) {
      const double v = factors.right.at(m, static_cast<std::int64_t>(c));
      for (std::size_t r = 0; r < idx.rows.size(); ++r) {
        const double diff = p(idx.rows[r], idx.cols[c]) - factors.left.at(idx.rows[r], left_slot) * v;
        sum += diff * diff;
      }
    }
  }
  return sum;
}

SplitFactors solve_split(const ButterflySplit& split, const Eigen::MatrixXd& p) {
  const std::int64_t n = std::int64_t{1} << split.log2n;
  if (p.rows() != n || p.cols() != n)
    throw std::invalid_argument("butterfly split: expected a " + std::to_string(n) + " x " + std::to_string(n) +
                                " matrix");
  return solve_split_serially(split, p);
}

SplitFactors solve_split(const ButterflySplit& split, const ButterflyPartialProduct& p) {
  if (p.log2n != split.log2n || p.range != split.range)
    throw std::invalid_argument("butterfly split: partial product does not match the split");
  return solve_split_serially(split, p);
}

}  // namespace jf::sparse
