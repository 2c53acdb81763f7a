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
// Everything but the two entry points has internal linkage: no inline function compiled here with wider
// instructions can be picked by the linker for another object (check: nm on the object lists two T symbols).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>

namespace jf::detail::JF_NARROW_NAMESPACE {
namespace {

constexpr int kDoubles = JF_NARROW_DOUBLES;
typedef double Vec __attribute__((vector_size(kDoubles * sizeof(double))));

inline Vec load(const double* p) {
  Vec v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store(double* p, const Vec& v) { std::memcpy(p, &v, sizeof v); }
// All lanes = value, written as one initialiser (a lane-by-lane loop became masked inserts at -O3).
template <size_t... lane>
inline Vec splat_lanes(double value, std::index_sequence<lane...>) {
  return Vec{((void)lane, value)...};
}
inline Vec splat(double value) { return splat_lanes(value, std::make_index_sequence<kDoubles>{}); }
inline double lane_sum(const Vec& v) {
  double sum = 0;
  for (int k = 0; k < kDoubles; ++k) sum += v[k];
  return sum;
}

// ---- y = a x^T: a (m x n), x (l x n), y (m x l) ----

constexpr int kRowVectors = JF_NARROW_ROW_VECTORS;
constexpr int kTileRows = kRowVectors * kDoubles;
constexpr int kTileColumns = JF_NARROW_COLUMNS;
constexpr int64_t kColumnBlock = 128;  // columns of A per tile: a tile of A stays in L1 across the column tiles
// A's tiles are prefetched this many tiles ahead into L2 (hint 2: prefetcht1). One core, A 4000 x 4000, l = 16:
// no prefetch 17.7 ms, one tile ahead into L1 only (prefetchnta) 17.7, two tiles ahead into L2 11.2 (OpenBLAS 20.9).
constexpr int64_t kPrefetchTiles = 2;

// y(tile) (+)= a(tile rows, kc columns) x(columns j0.., same kc)^T; the accumulators live in registers.
template <int columns>
void times_rows_tile(int64_t kc, const double* a, int64_t lda, const double* x, int64_t ldx, double* y, int64_t ldy,
                     bool accumulate, const double* prefetch) {
  Vec sum[kRowVectors][columns];
#pragma GCC unroll 16
  for (int j = 0; j < columns; ++j) {
#pragma GCC unroll 8
    for (int r = 0; r < kRowVectors; ++r) sum[r][j] = accumulate ? load(y + j * ldy + r * kDoubles) : Vec{};
  }
  for (int64_t c = 0; c < kc; ++c) {
    const double* a_c = a + c * lda;
    Vec a_r[kRowVectors];
#pragma GCC unroll 8
    for (int r = 0; r < kRowVectors; ++r) a_r[r] = load(a_c + r * kDoubles);
    if (prefetch != nullptr) {
      // A's lines a few tiles down the same columns, into L2: the hardware prefetchers miss this strided walk.
#pragma GCC unroll 8
      for (int line = 0; line < kTileRows; line += 8) __builtin_prefetch(prefetch + c * lda + line, 0, 2);
    }
    const double* x_c = x + c * ldx;
#pragma GCC unroll 16
    for (int j = 0; j < columns; ++j) {
      const Vec b = splat(x_c[j]);
#pragma GCC unroll 8
      for (int r = 0; r < kRowVectors; ++r) sum[r][j] += a_r[r] * b;
    }
  }
#pragma GCC unroll 16
  for (int j = 0; j < columns; ++j) {
#pragma GCC unroll 8
    for (int r = 0; r < kRowVectors; ++r) store(y + j * ldy + r * kDoubles, sum[r][j]);
  }
}

template <int columns>
void times_rows_tiles(int64_t kc, const double* a, int64_t lda, const double* x, int64_t ldx, double* y, int64_t ldy,
                      bool accumulate, const double* prefetch, int count) {
  if (count == columns) return times_rows_tile<columns>(kc, a, lda, x, ldx, y, ldy, accumulate, prefetch);
  if constexpr (columns > 1) times_rows_tiles<columns - 1>(kc, a, lda, x, ldx, y, ldy, accumulate, prefetch, count);
}

// Rows below the last whole tile: plain loops (fewer than kTileRows rows).
void times_rows_remainder(int64_t rows, int64_t n, int64_t l, const double* a, int64_t lda, const double* x,
                          int64_t ldx, double* y, int64_t ldy) {
  for (int64_t j = 0; j < l; ++j) {
    for (int64_t i = 0; i < rows; ++i) y[i + j * ldy] = 0;
  }
  for (int64_t c = 0; c < n; ++c) {
    for (int64_t j = 0; j < l; ++j) {
      const double b = x[j + c * ldx];
      for (int64_t i = 0; i < rows; ++i) y[i + j * ldy] += a[i + c * lda] * b;
    }
  }
}

// ---- z = q^T a: q (m x l), a (m x n), z (l x n) ----

constexpr int kACols = JF_NARROW_A_COLUMNS;
constexpr int kQCols = JF_NARROW_Q_COLUMNS;
// Doubles ahead in each column of A that are prefetched into L2 (4 KiB): l = 16 16.0 -> 13.6 ms.
constexpr int64_t kPrefetchAhead = 512;

// z(j0.., c0..) (+)= q(rows, j tile)^T a(rows, c tile) over `vectors` row vectors; each accumulator holds
// kDoubles partial sums of one entry of z. A's rows below this tile's first row: prefetch_rows (0: no prefetch).
template <int a_cols, int q_cols>
void transposed_tile(int64_t vectors, const double* q, int64_t ldq, const double* a, int64_t lda, double* z,
                     int64_t ldz, bool accumulate, int64_t prefetch_rows) {
  Vec sum[a_cols][q_cols];
#pragma GCC unroll 8
  for (int c = 0; c < a_cols; ++c) {
#pragma GCC unroll 8
    for (int j = 0; j < q_cols; ++j) sum[c][j] = Vec{};
  }
  for (int64_t v = 0; v < vectors; ++v) {
    const int64_t i = v * kDoubles;
    Vec a_c[a_cols];
#pragma GCC unroll 8
    for (int c = 0; c < a_cols; ++c) a_c[c] = load(a + i + c * lda);
    if (i + kPrefetchAhead < prefetch_rows && (v % (8 / kDoubles)) == 0) {  // once per 64-byte line
#pragma GCC unroll 8
      for (int c = 0; c < a_cols; ++c) __builtin_prefetch(a + i + kPrefetchAhead + c * lda, 0, 2);
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
      entry = (accumulate ? entry : 0.0) + lane_sum(sum[c][j]);
    }
  }
}

template <int a_cols, int q_cols>
void transposed_tiles(int64_t vectors, const double* q, int64_t ldq, const double* a, int64_t lda, double* z,
                      int64_t ldz, bool accumulate, int64_t prefetch_rows, int count) {
  if (count == q_cols) {
    return transposed_tile<a_cols, q_cols>(vectors, q, ldq, a, lda, z, ldz, accumulate, prefetch_rows);
  }
  if constexpr (q_cols > 1) {
    transposed_tiles<a_cols, q_cols - 1>(vectors, q, ldq, a, lda, z, ldz, accumulate, prefetch_rows, count);
  }
}

}  // namespace

void times_rows(int64_t m, int64_t n, int64_t l, const double* a, int64_t lda, const double* x, int64_t ldx, double* y,
                int64_t ldy) {
  const int64_t whole_rows = n > 0 ? m - m % kTileRows : 0;  // no columns: the plain loops write the zeros
  // Row blocks keep the result's block (block_rows x l) in L2 while the column blocks pass.
  const int64_t block_rows = std::max<int64_t>(kTileRows, (32768 / std::max<int64_t>(l, 1)) / kTileRows * kTileRows);
  for (int64_t i_block = 0; i_block < whole_rows; i_block += block_rows) {
    const int64_t i_end = std::min(whole_rows, i_block + block_rows);
    for (int64_t c0 = 0; c0 < n; c0 += kColumnBlock) {
      const int64_t kc = std::min(kColumnBlock, n - c0);
      for (int64_t i0 = i_block; i0 < i_end; i0 += kTileRows) {
        const double* a_tile = a + i0 + c0 * lda;
        const double* next = i0 + kPrefetchTiles * kTileRows < i_end ? a_tile + kPrefetchTiles * kTileRows : nullptr;
        for (int64_t j0 = 0; j0 < l; j0 += kTileColumns) {
          const int count = static_cast<int>(std::min<int64_t>(kTileColumns, l - j0));
          times_rows_tiles<kTileColumns>(kc, a_tile, lda, x + j0 + c0 * ldx, ldx, y + i0 + j0 * ldy, ldy, c0 > 0,
                                         j0 == 0 ? next : nullptr, count);
        }
      }
    }
  }
  if (whole_rows < m) times_rows_remainder(m - whole_rows, n, l, a + whole_rows, lda, x, ldx, y + whole_rows, ldy);
}

void transposed_times(int64_t m, int64_t n, int64_t l, const double* q, int64_t ldq, const double* a, int64_t lda,
                      double* z, int64_t ldz) {
  const int64_t vectors = m / kDoubles, vector_rows = vectors * kDoubles;
  // Row blocks keep q's block (block_rows x l) in L2 while the columns of A pass.
  const int64_t block_vectors = std::max<int64_t>(1, 32768 / std::max<int64_t>(l, 1) / kDoubles);
  for (int64_t v0 = 0; v0 < std::max<int64_t>(vectors, 1); v0 += block_vectors) {
    const int64_t count_vectors = std::min(block_vectors, vectors - v0);
    const int64_t i0 = v0 * kDoubles;
    const bool accumulate = v0 > 0;
    int64_t c0 = 0;
    for (; c0 + kACols <= n; c0 += kACols) {
      for (int64_t j0 = 0; j0 < l; j0 += kQCols) {
        const int count = static_cast<int>(std::min<int64_t>(kQCols, l - j0));
        transposed_tiles<kACols, kQCols>(count_vectors, q + i0 + j0 * ldq, ldq, a + i0 + c0 * lda, lda,
                                         z + j0 + c0 * ldz, ldz, accumulate, j0 == 0 ? m - i0 : 0, count);
      }
    }
    for (; c0 < n; ++c0) {
      for (int64_t j0 = 0; j0 < l; j0 += kQCols) {
        const int count = static_cast<int>(std::min<int64_t>(kQCols, l - j0));
        transposed_tiles<1, kQCols>(count_vectors, q + i0 + j0 * ldq, ldq, a + i0 + c0 * lda, lda, z + j0 + c0 * ldz,
                                    ldz, accumulate, j0 == 0 ? m - i0 : 0, count);
      }
    }
  }
  // Rows below the last whole vector.
  for (int64_t c = 0; c < n; ++c) {
    for (int64_t j = 0; j < l; ++j) {
      double sum = 0;
      for (int64_t i = vector_rows; i < m; ++i) sum += q[i + j * ldq] * a[i + c * lda];
      z[j + c * ldz] += sum;
    }
  }
}

}  // namespace jf::detail::JF_NARROW_NAMESPACE
