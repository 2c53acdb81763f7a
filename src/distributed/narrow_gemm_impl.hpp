// The narrow products of narrow_gemm.hpp for one vector width, included by one source file per instruction set
// (narrow_gemm_avx2.cpp, narrow_gemm_avx512.cpp), each compiled with its own target flags. The including file
// defines JF_NARROW_DOUBLES (doubles per vector register), JF_NARROW_ROW_VECTORS, JF_NARROW_COLUMNS (the tile of
// the A X kernel), JF_NARROW_A_COLUMNS, JF_NARROW_Q_COLUMNS (the tile of the Q^T A kernel) and
// JF_NARROW_NAMESPACE.
//
// Why not a packed GEMM: with a few dozen columns a GEMM library's copy of the big operand into its panel layout
// costs more than the multiply. Here A is read where it lies, once per call from memory: tiles of A stay in L1
// while every column tile of the narrow operand passes over them, and the narrow operand and the result stay in
// L2 (row blocks of at most ~256 KiB of them).
// Each kernel comes in double and in float operands (twice the lanes per register, half the bytes of A); the
// result is double either way. In float every sum runs over at most kSingleTerms terms in a register (A X) or
// kSingleTransposedTerms per lane (Q^T A) and is then added to the double result (narrow_gemm.hpp's error bounds).
// Everything but the entry points has internal linkage: no inline function compiled here with wider
// instructions can be picked by the linker for another object (check: nm on the object lists four T symbols).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

#include "distributed/narrow_gemm.hpp"

namespace jf::detail::JF_NARROW_NAMESPACE {
namespace {

constexpr int kVectorBytes = JF_NARROW_DOUBLES * static_cast<int>(sizeof(double));
constexpr int kLineBytes = 64;
// Float sums longer than this go to the double result (the A X kernel's column block, the Q^T A kernel's row block).
constexpr int64_t kSingleTerms = jf::kSingleSumTerms;
constexpr int64_t kSingleTransposedTerms = jf::kSingleTransposedSumTerms;

template <typename Scalar>
struct Simd {
  typedef Scalar Vec __attribute__((vector_size(kVectorBytes)));
  static constexpr int kLanes = kVectorBytes / static_cast<int>(sizeof(Scalar));
};

template <typename Scalar>
using VecOf = typename Simd<Scalar>::Vec;

template <typename Scalar>
inline VecOf<Scalar> load(const Scalar* p) {
  VecOf<Scalar> v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store(double* p, const VecOf<double>& v) { std::memcpy(p, &v, sizeof v); }
// All lanes = value, written as one initialiser (a lane-by-lane loop became masked inserts at -O3).
template <typename Scalar, size_t... lane>
inline VecOf<Scalar> splat_lanes(Scalar value, std::index_sequence<lane...>) {
  return VecOf<Scalar>{((void)lane, value)...};
}
template <typename Scalar>
inline VecOf<Scalar> splat(Scalar value) {
  return splat_lanes<Scalar>(value, std::make_index_sequence<Simd<Scalar>::kLanes>{});
}
template <typename Scalar>
inline double lane_sum(const VecOf<Scalar>& v) {
  double sum = 0;
  for (int k = 0; k < Simd<Scalar>::kLanes; ++k) sum += static_cast<double>(v[k]);
  return sum;
}

// ---- y = a x^T: a (m x n), x (l x n), y (m x l) ----

constexpr int kRowVectors = JF_NARROW_ROW_VECTORS;
template <typename Scalar>
constexpr int kTileRows = kRowVectors * Simd<Scalar>::kLanes;
constexpr int kTileColumns = JF_NARROW_COLUMNS;
// Columns of A per tile: a tile of A stays in L1 across the column tiles (and a float sum ends there).
template <typename Scalar>
constexpr int64_t kColumnBlock = std::is_same_v<Scalar, double> ? 128 : kSingleTerms;
// A's tiles are prefetched this many tiles ahead into L2 (hint 2: prefetcht1). One core, A 4000 x 4000, l = 16:
// no prefetch 17.7 ms, one tile ahead into L1 only (prefetchnta) 17.7, two tiles ahead into L2 11.2 (OpenBLAS 20.9).
constexpr int64_t kPrefetchTiles = 2;

// y(tile) (+)= a(tile rows, kc columns) x(columns j0.., same kc)^T; the accumulators live in registers.
template <typename Scalar, int columns>
void times_rows_tile(int64_t kc, const Scalar* a, int64_t lda, const Scalar* x, int64_t ldx, double* y, int64_t ldy,
                     bool accumulate, const Scalar* prefetch) {
  using Vec = VecOf<Scalar>;
  constexpr int lanes = Simd<Scalar>::kLanes;
  constexpr bool in_double = std::is_same_v<Scalar, double>;
  Vec sum[kRowVectors][columns];
#pragma GCC unroll 16
  for (int j = 0; j < columns; ++j) {
#pragma GCC unroll 8
    for (int r = 0; r < kRowVectors; ++r) {
      if constexpr (in_double) {
        sum[r][j] = accumulate ? load(y + j * ldy + r * lanes) : Vec{};
      } else {
        sum[r][j] = Vec{};
      }
    }
  }
  for (int64_t c = 0; c < kc; ++c) {
    const Scalar* a_c = a + c * lda;
    Vec a_r[kRowVectors];
#pragma GCC unroll 8
    for (int r = 0; r < kRowVectors; ++r) a_r[r] = load(a_c + r * lanes);
    if (prefetch != nullptr) {
      // A's lines a few tiles down the same columns, into L2: the hardware prefetchers miss this strided walk.
      constexpr int line_elements = kLineBytes / static_cast<int>(sizeof(Scalar));
#pragma GCC unroll 8
      for (int line = 0; line < kTileRows<Scalar>; line += line_elements) {
        __builtin_prefetch(prefetch + c * lda + line, 0, 2);
      }
    }
    const Scalar* x_c = x + c * ldx;
#pragma GCC unroll 16
    for (int j = 0; j < columns; ++j) {
      const Vec b = splat<Scalar>(x_c[j]);
#pragma GCC unroll 8
      for (int r = 0; r < kRowVectors; ++r) sum[r][j] += a_r[r] * b;
    }
  }
#pragma GCC unroll 16
  for (int j = 0; j < columns; ++j) {
#pragma GCC unroll 8
    for (int r = 0; r < kRowVectors; ++r) {
      double* target = y + j * ldy + r * lanes;
      if constexpr (in_double) {
        store(target, sum[r][j]);
      } else {
        for (int k = 0; k < lanes; ++k) target[k] = (accumulate ? target[k] : 0.0) + static_cast<double>(sum[r][j][k]);
      }
    }
  }
}

template <typename Scalar, int columns>
void times_rows_tiles(int64_t kc, const Scalar* a, int64_t lda, const Scalar* x, int64_t ldx, double* y, int64_t ldy,
                      bool accumulate, const Scalar* prefetch, int count) {
  if (count == columns) return times_rows_tile<Scalar, columns>(kc, a, lda, x, ldx, y, ldy, accumulate, prefetch);
  if constexpr (columns > 1) {
    times_rows_tiles<Scalar, columns - 1>(kc, a, lda, x, ldx, y, ldy, accumulate, prefetch, count);
  }
}

// Rows below the last whole tile: plain loops in double (fewer than kTileRows rows).
template <typename Scalar>
void times_rows_remainder(int64_t rows, int64_t n, int64_t l, const Scalar* a, int64_t lda, const Scalar* x,
                          int64_t ldx, double* y, int64_t ldy) {
  for (int64_t j = 0; j < l; ++j) {
    for (int64_t i = 0; i < rows; ++i) y[i + j * ldy] = 0;
  }
  for (int64_t c = 0; c < n; ++c) {
    for (int64_t j = 0; j < l; ++j) {
      const double b = x[j + c * ldx];
      for (int64_t i = 0; i < rows; ++i) y[i + j * ldy] += static_cast<double>(a[i + c * lda]) * b;
    }
  }
}

template <typename Scalar>
void times_rows_any(int64_t m, int64_t n, int64_t l, const Scalar* a, int64_t lda, const Scalar* x, int64_t ldx,
                    double* y, int64_t ldy) {
  constexpr int tile_rows = kTileRows<Scalar>;
  const int64_t whole_rows = n > 0 ? m - m % tile_rows : 0;  // no columns: the plain loops write the zeros
  // Row blocks keep the result's block (block_rows x l) in L2 while the column blocks pass.
  const int64_t block_rows = std::max<int64_t>(tile_rows, (32768 / std::max<int64_t>(l, 1)) / tile_rows * tile_rows);
  for (int64_t i_block = 0; i_block < whole_rows; i_block += block_rows) {
    const int64_t i_end = std::min(whole_rows, i_block + block_rows);
    for (int64_t c0 = 0; c0 < n; c0 += kColumnBlock<Scalar>) {
      const int64_t kc = std::min(kColumnBlock<Scalar>, n - c0);
      for (int64_t i0 = i_block; i0 < i_end; i0 += tile_rows) {
        const Scalar* a_tile = a + i0 + c0 * lda;
        const Scalar* next = i0 + kPrefetchTiles * tile_rows < i_end ? a_tile + kPrefetchTiles * tile_rows : nullptr;
        for (int64_t j0 = 0; j0 < l; j0 += kTileColumns) {
          const int count = static_cast<int>(std::min<int64_t>(kTileColumns, l - j0));
          times_rows_tiles<Scalar, kTileColumns>(kc, a_tile, lda, x + j0 + c0 * ldx, ldx, y + i0 + j0 * ldy, ldy,
                                                 c0 > 0, j0 == 0 ? next : nullptr, count);
        }
      }
    }
  }
  if (whole_rows < m) times_rows_remainder(m - whole_rows, n, l, a + whole_rows, lda, x, ldx, y + whole_rows, ldy);
}

// ---- z = q^T a: q (m x l), a (m x n), z (l x n) ----

constexpr int kACols = JF_NARROW_A_COLUMNS;
constexpr int kQCols = JF_NARROW_Q_COLUMNS;
// Bytes ahead in each column of A that are prefetched into L2 (4 KiB): l = 16 16.0 -> 13.6 ms.
constexpr int64_t kPrefetchAheadBytes = 4096;

// z(j0.., c0..) (+)= q(rows, j tile)^T a(rows, c tile) over `vectors` row vectors; each accumulator holds
// kLanes partial sums of one entry of z. A's rows below this tile's first row: prefetch_rows (0: no prefetch).
template <typename Scalar, int a_cols, int q_cols>
void transposed_tile(int64_t vectors, const Scalar* q, int64_t ldq, const Scalar* a, int64_t lda, double* z,
                     int64_t ldz, bool accumulate, int64_t prefetch_rows) {
  using Vec = VecOf<Scalar>;
  constexpr int lanes = Simd<Scalar>::kLanes;
  constexpr int64_t ahead = kPrefetchAheadBytes / static_cast<int64_t>(sizeof(Scalar));
  constexpr int vectors_per_line = kLineBytes / kVectorBytes > 0 ? kLineBytes / kVectorBytes : 1;
  Vec sum[a_cols][q_cols];
#pragma GCC unroll 8
  for (int c = 0; c < a_cols; ++c) {
#pragma GCC unroll 8
    for (int j = 0; j < q_cols; ++j) sum[c][j] = Vec{};
  }
  for (int64_t v = 0; v < vectors; ++v) {
    const int64_t i = v * lanes;
    Vec a_c[a_cols];
#pragma GCC unroll 8
    for (int c = 0; c < a_cols; ++c) a_c[c] = load(a + i + c * lda);
    if (i + ahead < prefetch_rows && (v % vectors_per_line) == 0) {  // once per 64-byte line
#pragma GCC unroll 8
      for (int c = 0; c < a_cols; ++c) __builtin_prefetch(a + i + ahead + c * lda, 0, 2);
    }
#pragma GCC unroll 8
    for (int j = 0; j < q_cols; ++j) {
      const Vec q_j = load(q + i + j * ldq);
#pragma GCC unroll 8
      for (int c = 0; c < a_cols; ++c) sum[c][j] += a_c[c] * q_j;
    }
  }
#pragma GCC unroll 8
  for (int c = 0; c < a_cols; ++c) {
#pragma GCC unroll 8
    for (int j = 0; j < q_cols; ++j) {
      double& entry = z[j + c * ldz];
      entry = (accumulate ? entry : 0.0) + lane_sum<Scalar>(sum[c][j]);
    }
  }
}

template <typename Scalar, int a_cols, int q_cols>
void transposed_tiles(int64_t vectors, const Scalar* q, int64_t ldq, const Scalar* a, int64_t lda, double* z,
                      int64_t ldz, bool accumulate, int64_t prefetch_rows, int count) {
  if (count == q_cols) {
    return transposed_tile<Scalar, a_cols, q_cols>(vectors, q, ldq, a, lda, z, ldz, accumulate, prefetch_rows);
  }
  if constexpr (q_cols > 1) {
    transposed_tiles<Scalar, a_cols, q_cols - 1>(vectors, q, ldq, a, lda, z, ldz, accumulate, prefetch_rows, count);
  }
}

template <typename Scalar>
void transposed_times_any(int64_t m, int64_t n, int64_t l, const Scalar* q, int64_t ldq, const Scalar* a, int64_t lda,
                          double* z, int64_t ldz) {
  constexpr int lanes = Simd<Scalar>::kLanes;
  const int64_t vectors = m / lanes, vector_rows = vectors * lanes;
  // Row blocks keep q's block (block_rows x l, ~256 KiB) in L2 while the columns of A pass; in float a block
  // also ends each register's sum (kSingleTerms terms per lane).
  int64_t block_vectors = std::max<int64_t>(1, 262144 / static_cast<int64_t>(sizeof(Scalar)) /
                                                   std::max<int64_t>(l, 1) / lanes);
  if constexpr (!std::is_same_v<Scalar, double>) block_vectors = std::min(block_vectors, kSingleTransposedTerms);
  for (int64_t v0 = 0; v0 < std::max<int64_t>(vectors, 1); v0 += block_vectors) {
    const int64_t count_vectors = std::min(block_vectors, vectors - v0);
    const int64_t i0 = v0 * lanes;
    const bool accumulate = v0 > 0;
    int64_t c0 = 0;
    for (; c0 + kACols <= n; c0 += kACols) {
      for (int64_t j0 = 0; j0 < l; j0 += kQCols) {
        const int count = static_cast<int>(std::min<int64_t>(kQCols, l - j0));
        transposed_tiles<Scalar, kACols, kQCols>(count_vectors, q + i0 + j0 * ldq, ldq, a + i0 + c0 * lda, lda,
                                                 z + j0 + c0 * ldz, ldz, accumulate, j0 == 0 ? m - i0 : 0, count);
      }
    }
    for (; c0 < n; ++c0) {
      for (int64_t j0 = 0; j0 < l; j0 += kQCols) {
        const int count = static_cast<int>(std::min<int64_t>(kQCols, l - j0));
        transposed_tiles<Scalar, 1, kQCols>(count_vectors, q + i0 + j0 * ldq, ldq, a + i0 + c0 * lda, lda,
                                            z + j0 + c0 * ldz, ldz, accumulate, j0 == 0 ? m - i0 : 0, count);
      }
    }
  }
  // Rows below the last whole vector, in double.
  for (int64_t c = 0; c < n; ++c) {
    for (int64_t j = 0; j < l; ++j) {
      double sum = 0;
      for (int64_t i = vector_rows; i < m; ++i) sum += static_cast<double>(q[i + j * ldq]) * a[i + c * lda];
      z[j + c * ldz] += sum;
    }
  }
}

}  // namespace

void times_rows(int64_t m, int64_t n, int64_t l, const double* a, int64_t lda, const double* x, int64_t ldx, double* y,
                int64_t ldy) {
  times_rows_any(m, n, l, a, lda, x, ldx, y, ldy);
}

void times_rows(int64_t m, int64_t n, int64_t l, const float* a, int64_t lda, const float* x, int64_t ldx, double* y,
                int64_t ldy) {
  times_rows_any(m, n, l, a, lda, x, ldx, y, ldy);
}

void transposed_times(int64_t m, int64_t n, int64_t l, const double* q, int64_t ldq, const double* a, int64_t lda,
                      double* z, int64_t ldz) {
  transposed_times_any(m, n, l, q, ldq, a, lda, z, ldz);
}

void transposed_times(int64_t m, int64_t n, int64_t l, const float* q, int64_t ldq, const float* a, int64_t lda,
                      double* z, int64_t ldz) {
  transposed_times_any(m, n, l, q, ldq, a, lda, z, ldz);
}

}  // namespace jf::detail::JF_NARROW_NAMESPACE
