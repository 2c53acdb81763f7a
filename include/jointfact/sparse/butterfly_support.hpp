#pragma once
// Butterfly supports for N = 2^J.
//
// S_l = I_{N/2^l} (x) [[1,1],[1,1]] (x) I_{2^(l-1)},  l = 1..J:
// (i, j) is in S_l  iff  (i XOR j) has no bit set other than bit l-1.
//
// Output order (the /butterfly groups): A ~ F_1 F_2 ... F_J with F_i supported on S_(J+1-i), so F_i may
// only change bit (J - i): F_1 couples rows i and i + N/2, F_J is block-diagonal with 2x2 blocks.
// A product F_first ... F_last of consecutive factors is supported on the pairs (i, j) that agree
// outside the contiguous bit range [J - last, J - first]: a dense 2^w x 2^w block (w = last-first+1)
// for each value of the other bits, interleaved.

#include "jointfact/sparse/csr.hpp"

#include <cstdint>

namespace jf::sparse {

// J for N = 2^J with J >= 1; throws std::invalid_argument otherwise (N = 1 has no butterfly factor).
int butterfly_log2(std::int64_t n);

// Level l (1..J) of the paper's S_l that carries output factor F_factor_index (1..J).
inline int support_level_of_factor(int log2n, int factor_index) { return log2n + 1 - factor_index; }

inline bool in_butterfly_support(std::int64_t i, std::int64_t j, int level) {
  return ((i ^ j) & ~(std::int64_t{1} << (level - 1))) == 0;
}

// F_first ... F_last in output numbering (1-based, inclusive).
struct FactorRange {
  int first = 1;
  int last = 1;

  int count() const { return last - first + 1; }
  bool is_single_factor() const { return first == last; }
  bool operator==(const FactorRange& o) const { return first == o.first && last == o.last; }
  bool operator!=(const FactorRange& o) const { return !(*this == o); }
};

// Lowest and highest bit a row index may differ from a column index in the product's support.
inline int low_free_bit(int log2n, FactorRange range) { return log2n - range.last; }
inline int high_free_bit(int log2n, FactorRange range) { return log2n - range.first; }

inline std::int64_t free_bit_mask(int log2n, FactorRange range) {
  const std::int64_t width = std::int64_t{1} << range.count();
  return (width - 1) << low_free_bit(log2n, range);
}

inline bool in_product_support(std::int64_t i, std::int64_t j, int log2n, FactorRange range) {
  return ((i ^ j) & ~free_bit_mask(log2n, range)) == 0;
}

// The sparsity pattern of output factor F_factor_index as CSR (2 entries per row, zero values),
// for generators that fill in their own values.
CsrMatrix butterfly_factor_pattern(int log2n, int factor_index);

}  // namespace jf::sparse
