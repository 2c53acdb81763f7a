#include "tile_exchange.hpp"

#include <mpi.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#include <xmmintrin.h>
#endif

#include <algorithm>
#include <climits>
#include <cstdint>
#include <limits>
#include <vector>

#include "jointfact/core/error.hpp"

namespace jf::io {
namespace {

// A run of one tile row's columns owned by one process column.
struct Segment {
  int64_t col_begin, length;
  int pcol;
};

std::vector<Segment> column_segments(const BlockCyclicMap& map, const Tile& tile) {
  std::vector<Segment> segments;
  const int64_t nb = map.block_size();
  for (int64_t j = tile.col_begin; j < tile.col_end;) {
    const int64_t end = std::min(tile.col_end, (j / nb + 1) * nb);
    segments.push_back({j, end - j, map.owner(j)});
    j = end;
  }
  return segments;
}

// Indices in [begin, end) owned by process p (NUMROC of the prefix, differenced).
int64_t owned_in(const BlockCyclicMap& map, int p, int64_t begin, int64_t end) {
  auto before = [&](int64_t i_gl) {
    return BlockCyclicMap(i_gl, map.block_size(), map.nprocs(), map.source(), p).local_size();
  };
  return before(end) - before(begin);
}

int to_int(int64_t count) {
  if (count > INT_MAX) throw LibraryError("an I/O exchange round exceeds 2^31 values on one rank");
  return static_cast<int>(count);
}

// Values of `tiles` that grid position (prow, pcol) owns.
int64_t owned_values(const DistMatrix& a, const std::vector<Tile>& tiles, int prow, int pcol) {
  int64_t count = 0;
  for (const Tile& t : tiles) {
    count += owned_in(a.row_map(), prow, t.row_begin, t.row_end) * owned_in(a.col_map(), pcol, t.col_begin, t.col_end);
  }
  return count;
}

struct Exchange {
  std::vector<int> send_counts, send_displs, recv_counts, recv_displs;
  explicit Exchange(int nranks)
      : send_counts(nranks, 0), send_displs(nranks, 0), recv_counts(nranks, 0), recv_displs(nranks, 0) {}
  void finish() {
    for (size_t r = 1; r < send_counts.size(); ++r) {
      send_displs[r] = to_int(int64_t{send_displs[r - 1]} + send_counts[r - 1]);
      recv_displs[r] = to_int(int64_t{recv_displs[r - 1]} + recv_counts[r - 1]);
    }
  }
  int64_t send_total() const { return int64_t{send_displs.back()} + send_counts.back(); }
  int64_t recv_total() const { return int64_t{recv_displs.back()} + recv_counts.back(); }
};

// Counts for the direction tiles -> owners (swap send and receive for the reverse).
Exchange tile_to_owner_counts(const TilePlan& plan, int64_t round, const DistMatrix& a) {
  const Grid& grid = a.grid();
  Exchange exchange(plan.nranks());
  const std::vector<Tile> mine = plan.tiles_of(round, grid.rank());
  // A rank's own part of its own tiles is copied directly, not sent to itself.
  for (int prow = 0; prow < grid.prows(); ++prow)
    for (int pcol = 0; pcol < grid.pcols(); ++pcol) {
      const int owner = grid.rank_of(prow, pcol);
      if (owner != grid.rank()) exchange.send_counts[owner] = to_int(owned_values(a, mine, prow, pcol));
    }
  if (grid.in_grid()) {
    for (int source = 0; source < plan.nranks(); ++source) {
      if (source == grid.rank()) continue;
      exchange.recv_counts[source] = to_int(owned_values(a, plan.tiles_of(round, source), grid.myrow(), grid.mycol()));
    }
  }
  exchange.finish();
  return exchange;
}

// The part of `tile` this rank owns is a dense rows x cols block of its local storage starting at
// (i_lc, j_lc): block-cyclic storage keeps a process's blocks back to back, so its rows of a range of global
// rows are consecutive local rows (and the same for columns).
struct LocalBlock {
  int64_t i_lc, j_lc, rows, cols;
};

LocalBlock owned_block(const DistMatrix& a, const Tile& tile) {
  const Grid& grid = a.grid();
  const int64_t i_lc = owned_in(a.row_map(), grid.myrow(), 0, tile.row_begin);
  const int64_t j_lc = owned_in(a.col_map(), grid.mycol(), 0, tile.col_begin);
  return {i_lc, j_lc, owned_in(a.row_map(), grid.myrow(), tile.row_begin, tile.row_end),
          owned_in(a.col_map(), grid.mycol(), tile.col_begin, tile.col_end)};
}

// Row-major rows x cols <-> column-major (leading dimension lld): the transposition between the file's order
// and local storage. It goes by register blocks of side x side values (4 x 4 floats, 2 x 2 doubles with SSE2,
// which every x86-64 has): whole vectors are loaded from `side` source rows, transposed (and converted to
// double) in registers and stored as `side` consecutive values of `side` destination columns. A column
// group's blocks follow each other down its columns (sequential streams the prefetchers follow), and
// the few source rows of a tile they read stay in L1. Half the time of element-wise copying on one core.
// The values' scan (min, max, sum of squares) is taken from the same registers, in lanes of its own
// (Lanes, folded into a ValueScan at the end): no second pass over the values. Into a large local part the
// stores stream past the cache (kStream): its lines are then not read from memory before being overwritten.
template <class T>
struct RegisterBlock {  // the portable fallback: one value
  static constexpr int64_t kSide = 1;
  using Lanes = ValueScan;
  template <bool kStream>
  static void transpose(const T* in, int64_t /*stride*/, double* out, int64_t /*lld*/, Lanes& lanes) {
    *out = static_cast<double>(*in);
    lanes.add(*out);
  }
  static void fold(const Lanes& lanes, ValueScan& scan) { scan.add(lanes); }
};
#if defined(__SSE2__)
// Two doubles to 16-byte aligned `out` past the cache (kStream: a large matrix's storage, not read again
// soon, so that its lines are not first read from memory), or anywhere through it.
template <bool kStream>
void store_pair(double* out, __m128d pair) {
  if (kStream) {
    _mm_stream_pd(out, pair);
  } else {
    _mm_storeu_pd(out, pair);
  }
}

// minps / maxps (a, b) return b where either is NaN, as std::min / std::max (b, a) do: a NaN leaves the
// lanes' min and max alone and shows in the sum of squares.
template <>
struct RegisterBlock<float> {
  static constexpr int64_t kSide = 4;
  struct Lanes {
    __m128 lo = _mm_set1_ps(std::numeric_limits<float>::infinity());
    __m128 hi = _mm_set1_ps(-std::numeric_limits<float>::infinity());
    __m128d sum[kSide] = {_mm_setzero_pd(), _mm_setzero_pd(), _mm_setzero_pd(), _mm_setzero_pd()};
  };
  template <bool kStream>
  static void transpose(const float* in, int64_t stride, double* out, int64_t lld, Lanes& lanes) {
    __m128 r0 = _mm_loadu_ps(in), r1 = _mm_loadu_ps(in + stride);
    __m128 r2 = _mm_loadu_ps(in + 2 * stride), r3 = _mm_loadu_ps(in + 3 * stride);
    lanes.lo = _mm_min_ps(_mm_min_ps(_mm_min_ps(r0, r1), _mm_min_ps(r2, r3)), lanes.lo);
    lanes.hi = _mm_max_ps(_mm_max_ps(_mm_max_ps(r0, r1), _mm_max_ps(r2, r3)), lanes.hi);
    _MM_TRANSPOSE4_PS(r0, r1, r2, r3);  // r_c: column c of the block
    store_column<kStream>(out, r0, lanes.sum[0]);
    store_column<kStream>(out + lld, r1, lanes.sum[1]);
    store_column<kStream>(out + 2 * lld, r2, lanes.sum[2]);
    store_column<kStream>(out + 3 * lld, r3, lanes.sum[3]);
  }
  template <bool kStream>
  static void store_column(double* out, __m128 column, __m128d& sum) {
    const __m128d low = _mm_cvtps_pd(column), high = _mm_cvtps_pd(_mm_movehl_ps(column, column));
    store_pair<kStream>(out, low);
    store_pair<kStream>(out + 2, high);
    sum = _mm_add_pd(sum, _mm_add_pd(_mm_mul_pd(low, low), _mm_mul_pd(high, high)));
  }
  static void fold(const Lanes& lanes, ValueScan& scan) {
    alignas(16) float lo[4], hi[4];
    alignas(16) double sum[2];
    _mm_store_ps(lo, lanes.lo);
    _mm_store_ps(hi, lanes.hi);
    _mm_store_pd(sum, _mm_add_pd(_mm_add_pd(lanes.sum[0], lanes.sum[1]), _mm_add_pd(lanes.sum[2], lanes.sum[3])));
    for (int lane = 0; lane < 4; ++lane) {
      scan.lo = std::min(scan.lo, static_cast<double>(lo[lane]));
      scan.hi = std::max(scan.hi, static_cast<double>(hi[lane]));
    }
    scan.sum_squares += sum[0] + sum[1];
  }
};
template <>
struct RegisterBlock<double> {
  static constexpr int64_t kSide = 2;
  struct Lanes {
    __m128d lo = _mm_set1_pd(std::numeric_limits<double>::infinity());
    __m128d hi = _mm_set1_pd(-std::numeric_limits<double>::infinity());
    __m128d sum[kSide] = {_mm_setzero_pd(), _mm_setzero_pd()};
  };
  template <bool kStream>
  static void transpose(const double* in, int64_t stride, double* out, int64_t lld, Lanes& lanes) {
    const __m128d r0 = _mm_loadu_pd(in), r1 = _mm_loadu_pd(in + stride);
    lanes.lo = _mm_min_pd(_mm_min_pd(r0, r1), lanes.lo);
    lanes.hi = _mm_max_pd(_mm_max_pd(r0, r1), lanes.hi);
    lanes.sum[0] = _mm_add_pd(lanes.sum[0], _mm_mul_pd(r0, r0));
    lanes.sum[1] = _mm_add_pd(lanes.sum[1], _mm_mul_pd(r1, r1));
    store_pair<kStream>(out, _mm_unpacklo_pd(r0, r1));
    store_pair<kStream>(out + lld, _mm_unpackhi_pd(r0, r1));
  }
  static void fold(const Lanes& lanes, ValueScan& scan) {
    alignas(16) double lo[2], hi[2], sum[2];
    _mm_store_pd(lo, lanes.lo);
    _mm_store_pd(hi, lanes.hi);
    _mm_store_pd(sum, _mm_add_pd(lanes.sum[0], lanes.sum[1]));
    for (int lane = 0; lane < 2; ++lane) {
      scan.lo = std::min(scan.lo, lo[lane]);
      scan.hi = std::max(scan.hi, hi[lane]);
    }
    scan.sum_squares += sum[0] + sum[1];
  }
};
#endif

// `from` has rows of `from_stride` values; T is converted to double on the way, and `scan` takes in the values.
template <class T, bool kStream>
void row_major_to_columns(const T* from, int64_t from_stride, int64_t rows, int64_t cols, double* to, int64_t lld,
                          ValueScan& scan) {
  using Block = RegisterBlock<T>;
  constexpr int64_t side = Block::kSide;
  const int64_t block_rows = rows / side * side, block_cols = cols / side * side;
  typename Block::Lanes lanes;
  for (int64_t jb = 0; jb < block_cols; jb += side) {
    const T* in = from + jb;
    double* out = to + jb * lld;
    for (int64_t i = 0; i < block_rows; i += side)
      Block::template transpose<kStream>(in + i * from_stride, from_stride, out + i, lld, lanes);
    for (int64_t i = block_rows; i < rows; ++i)
      for (int64_t c = 0; c < side; ++c) {
        out[c * lld + i] = static_cast<double>(in[i * from_stride + c]);
        scan.add(out[c * lld + i]);
      }
  }
  for (int64_t j = block_cols; j < cols; ++j)
    for (int64_t i = 0; i < rows; ++i) {
      to[j * lld + i] = static_cast<double>(from[i * from_stride + j]);
      scan.add(to[j * lld + i]);
    }
  Block::fold(lanes, scan);
}

// Local storage of at least this many bytes is written past the cache (it is far larger than the cache).
constexpr int64_t kStreamedStorageBytes = int64_t{32} << 20;

// row_major_to_columns into a's local storage at `to`: streaming stores where the storage is large and every
// register block's destination is 16-byte aligned (`to` and lld even).
template <class T>
void row_major_to_local(const T* from, int64_t from_stride, int64_t rows, int64_t cols, DistMatrix& a, double* to,
                        ValueScan& scan) {
  const bool aligned = reinterpret_cast<uintptr_t>(to) % 16 == 0 && a.lld() % 2 == 0;
  if (!aligned || a.local_bytes() < kStreamedStorageBytes) {
    row_major_to_columns<T, false>(from, from_stride, rows, cols, to, a.lld(), scan);
    return;
  }
  row_major_to_columns<T, true>(from, from_stride, rows, cols, to, a.lld(), scan);
}

// Orders the streaming stores before whatever follows (their values then read as any others).
void finish_streamed_stores() {
#if defined(__SSE2__)
  _mm_sfence();
#endif
}

// This rank's own part of its own tiles moves straight between the tile buffer and local storage (no send
// and receive copy): f(tile_offset, tile_stride, local_offset, rows, cols) per run of owned rows and columns.
template <class F>
void for_own_part(const std::vector<Tile>& tiles, const DistMatrix& a, F&& f) {
  const Grid& grid = a.grid();
  const int64_t mb = a.row_block(), nb = a.col_block();
  int64_t offset = 0;
  for (const Tile& tile : tiles) {
    for (int64_t i = tile.row_begin; i < tile.row_end;) {
      const int64_t i_end = std::min(tile.row_end, (i / mb + 1) * mb);
      if (a.row_map().owner(i) == grid.myrow()) {
        for (int64_t j = tile.col_begin; j < tile.col_end;) {
          const int64_t j_end = std::min(tile.col_end, (j / nb + 1) * nb);
          if (a.col_map().owner(j) == grid.mycol()) {
            f(offset + (i - tile.row_begin) * tile.cols() + (j - tile.col_begin), tile.cols(),
              a.col_map().global_to_local(j) * a.lld() + a.row_map().global_to_local(i), i_end - i, j_end - j);
          }
          j = j_end;
        }
      }
      i = i_end;
    }
    offset += tile.count();
  }
}

// This rank's own part of `tiles` (their values row-major and concatenated in `values`) into local storage.
template <class T>
void copy_own_part(const std::vector<Tile>& tiles, const T* values, DistMatrix& a, ValueScan& scan) {
  if (!a.grid().in_grid()) return;
  for_own_part(tiles, a, [&](int64_t from, int64_t stride, int64_t to, int64_t rows, int64_t cols) {
    row_major_to_local(values + from, stride, rows, cols, a, a.data() + to, scan);
  });
}

// `to` has rows of `to_stride` values; 32 x 32 blocks keep both sides in cache.
constexpr int64_t kTransposeBlock = 32;
void columns_to_row_major(const double* from, int64_t lld, int64_t rows, int64_t cols, double* to, int64_t to_stride) {
  for (int64_t ib = 0; ib < rows; ib += kTransposeBlock)
    for (int64_t jb = 0; jb < cols; jb += kTransposeBlock)
      for (int64_t i = ib; i < std::min(rows, ib + kTransposeBlock); ++i)
        for (int64_t j = jb; j < std::min(cols, jb + kTransposeBlock); ++j) to[i * to_stride + j] = from[j * lld + i];
}

// Visits the tile buffer of this rank's tiles run by run: f(buffer_offset, length, owner_rank).
template <class F>
void for_tile_runs(const DistMatrix& a, const std::vector<Tile>& tiles, F&& f) {
  const Grid& grid = a.grid();
  int64_t offset = 0;
  for (const Tile& tile : tiles) {
    const std::vector<Segment> segments = column_segments(a.col_map(), tile);
    for (int64_t i_gl = tile.row_begin; i_gl < tile.row_end; ++i_gl) {
      const int prow = a.row_map().owner(i_gl);
      const int64_t row_offset = offset + (i_gl - tile.row_begin) * tile.cols();
      for (const Segment& s : segments) {
        f(row_offset + s.col_begin - tile.col_begin, s.length, grid.rank_of(prow, s.pcol));
      }
    }
    offset += tile.count();
  }
}

}  // namespace

double* ExchangeBuffers::grown(std::unique_ptr<double[]>& buffer, int64_t& capacity, int64_t count) {
  if (count > capacity) {
    buffer.reset();                                        // free before allocating the larger one
    buffer.reset(new double[static_cast<size_t>(count)]);  // uninitialised: every value is written first
    capacity = count;
  }
  return buffer.get();
}

int64_t tile_values(const TilePlan& plan, int64_t round, int rank) {
  int64_t count = 0;
  for (const Tile& t : plan.tiles_of(round, rank)) count += t.count();
  return count;
}

template <class T>
void tiles_to_block_cyclic(const TilePlan& plan, int64_t round, const T* values, DistMatrix& a,
                           ExchangeBuffers& buffers, ValueScan& scan) {
  const Grid& grid = a.grid();
  if (plan.tiles_stay_with_reader()) {  // every rank knows it: no rank waits in an all-to-all
    copy_own_part(plan.tiles_of(round, grid.rank()), values, a, scan);
    finish_streamed_stores();
    return;
  }
  const Exchange exchange = tile_to_owner_counts(plan, round, a);
  double* send = buffers.send_buffer(exchange.send_total());
  std::vector<int64_t> cursor(exchange.send_displs.begin(), exchange.send_displs.end());
  for_tile_runs(a, plan.tiles_of(round, grid.rank()), [&](int64_t offset, int64_t length, int owner) {
    if (owner == grid.rank()) return;
    double* out = send + cursor[owner];
    for (int64_t t = 0; t < length; ++t) out[t] = static_cast<double>(values[offset + t]);
    cursor[owner] += length;
  });
  double* recv = buffers.receive_buffer(exchange.recv_total());
  MPI_Alltoallv(send, exchange.send_counts.data(), exchange.send_displs.data(), MPI_DOUBLE, recv,
                exchange.recv_counts.data(), exchange.recv_displs.data(), MPI_DOUBLE, grid.comm());
  if (!grid.in_grid()) return;
  copy_own_part(plan.tiles_of(round, grid.rank()), values, a, scan);
  int64_t position = 0;
  for (int source = 0; source < plan.nranks(); ++source) {
    if (source == grid.rank()) continue;
    for (const Tile& tile : plan.tiles_of(round, source)) {
      const LocalBlock block = owned_block(a, tile);
      if (block.rows == 0 || block.cols == 0) continue;
      row_major_to_local(recv + position, block.cols, block.rows, block.cols, a,
                         a.data() + block.j_lc * a.lld() + block.i_lc, scan);
      position += block.rows * block.cols;
    }
  }
  finish_streamed_stores();
}

template void tiles_to_block_cyclic<double>(const TilePlan&, int64_t, const double*, DistMatrix&, ExchangeBuffers&,
                                            ValueScan&);
template void tiles_to_block_cyclic<float>(const TilePlan&, int64_t, const float*, DistMatrix&, ExchangeBuffers&,
                                           ValueScan&);

void block_cyclic_to_tiles(const TilePlan& plan, int64_t round, const DistMatrix& a, double* values,
                           ExchangeBuffers& buffers) {
  const Grid& grid = a.grid();
  const Exchange counts = tile_to_owner_counts(plan, round, a);
  double* send = buffers.send_buffer(counts.recv_total());
  if (grid.in_grid()) {
    int64_t position = 0;
    for (int dest = 0; dest < plan.nranks(); ++dest) {
      if (dest == grid.rank()) continue;
      for (const Tile& tile : plan.tiles_of(round, dest)) {
        const LocalBlock block = owned_block(a, tile);
        if (block.rows == 0 || block.cols == 0) continue;
        columns_to_row_major(a.data() + block.j_lc * a.lld() + block.i_lc, a.lld(), block.rows, block.cols,
                             send + position, block.cols);
        position += block.rows * block.cols;
      }
    }
  }
  double* recv = buffers.receive_buffer(counts.send_total());
  MPI_Alltoallv(send, counts.recv_counts.data(), counts.recv_displs.data(), MPI_DOUBLE, recv, counts.send_counts.data(),
                counts.send_displs.data(), MPI_DOUBLE, grid.comm());
  std::vector<int64_t> cursor(counts.send_displs.begin(), counts.send_displs.end());
  for_tile_runs(a, plan.tiles_of(round, grid.rank()), [&](int64_t offset, int64_t length, int owner) {
    if (owner == grid.rank()) return;
    std::copy(recv + cursor[owner], recv + cursor[owner] + length, values + offset);
    cursor[owner] += length;
  });
  if (!grid.in_grid()) return;
  for_own_part(plan.tiles_of(round, grid.rank()), a,
               [&](int64_t to, int64_t stride, int64_t from, int64_t rows, int64_t cols) {
                 columns_to_row_major(a.data() + from, a.lld(), rows, cols, values + to, stride);
               });
}

}  // namespace jf::io
