#pragma once
// Single rows and columns of a product of butterfly factors, without forming the product.
//
// Every entry of F_first ... F_last on its support is one product along a unique path of
// indices (factor t only changes bit J - t), so a row or a column costs O(2^count) multiplies:
// this is how the distributed driver evaluates ||A - F_1 ... F_J|| blockwise.

#include "sparse/butterfly_partial_product.hpp"

#include <cstdint>
#include <vector>

namespace jf::sparse {

// single_factors[t - 1] is F_t (a partial product of range {t, t}) for t = 1..J.
// Returns P(row, column(row, s)) for s = 0 .. 2^count - 1 (the slot order of ButterflyPartialProduct).
std::vector<double> chain_row(const std::vector<ButterflyPartialProduct>& single_factors, FactorRange range,
                              std::int64_t row);

// Returns P((col & ~mask) | (s << low), col) for s = 0 .. 2^count - 1: the column on its support,
// rows increasing.
std::vector<double> chain_column(const std::vector<ButterflyPartialProduct>& single_factors, FactorRange range,
                                 std::int64_t col);

}  // namespace jf::sparse
