#include "tile_exchange.hpp"

#include <mpi.h>

#include <algorithm>
#include <climits>
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

// Calls f(i_gl) for the rows of the tile that process row prow owns, in increasing order.
template <class F>
void for_owned_rows(const BlockCyclicMap& map, int prow, const Tile& tile, F&& f) {
  const int64_t nb = map.block_size();
  for (int64_t i = tile.row_begin; i < tile.row_end;) {
    const int64_t end = std::min(tile.row_end, (i / nb + 1) * nb);
    if (map.owner(i) == prow)
      for (int64_t i_gl = i; i_gl < end; ++i_gl) f(i_gl);
    i = end;
  }
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
  explicit Exchange(int nranks) : send_counts(nranks, 0), send_displs(nranks, 0), recv_counts(nranks, 0),
                                  recv_displs(nranks, 0) {}
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
  for (int prow = 0; prow < grid.prows(); ++prow)
    for (int pcol = 0; pcol < grid.pcols(); ++pcol)
      exchange.send_counts[grid.rank_of(prow, pcol)] = to_int(owned_values(a, mine, prow, pcol));
  if (grid.in_grid()) {
    for (int source = 0; source < plan.nranks(); ++source) {
      exchange.recv_counts[source] = to_int(owned_values(a, plan.tiles_of(round, source), grid.myrow(), grid.mycol()));
    }
  }
  exchange.finish();
  return exchange;
}

// Visits this rank's local elements that lie in `tiles`, in the order tile, row, column: f(i_lc, j_lc).
template <class F>
void for_local_in_tiles(const DistMatrix& a, const std::vector<Tile>& tiles, F&& f) {
  const Grid& grid = a.grid();
  for (const Tile& tile : tiles) {
    std::vector<Segment> segments = column_segments(a.col_map(), tile);
    segments.erase(std::remove_if(segments.begin(), segments.end(),
                                  [&](const Segment& s) { return s.pcol != grid.mycol(); }),
                   segments.end());
    if (segments.empty()) continue;
    for_owned_rows(a.row_map(), grid.myrow(), tile, [&](int64_t i_gl) {
      const int64_t i_lc = a.row_map().global_to_local(i_gl);
      for (const Segment& s : segments) {
        const int64_t j_lc = a.col_map().global_to_local(s.col_begin);
        for (int64_t t = 0; t < s.length; ++t) f(i_lc, j_lc + t);
      }
    });
  }
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

int64_t tile_values(const TilePlan& plan, int64_t round, int rank) {
  int64_t count = 0;
  for (const Tile& t : plan.tiles_of(round, rank)) count += t.count();
  return count;
}

template <class T>
void tiles_to_block_cyclic(const TilePlan& plan, int64_t round, const T* values, DistMatrix& a) {
  const Grid& grid = a.grid();
  const Exchange exchange = tile_to_owner_counts(plan, round, a);
  std::vector<double> send(static_cast<size_t>(std::max<int64_t>(exchange.send_total(), 1)));
  std::vector<int64_t> cursor(exchange.send_displs.begin(), exchange.send_displs.end());
  for_tile_runs(a, plan.tiles_of(round, grid.rank()), [&](int64_t offset, int64_t length, int owner) {
    double* out = send.data() + cursor[owner];
    for (int64_t t = 0; t < length; ++t) out[t] = static_cast<double>(values[offset + t]);
    cursor[owner] += length;
  });
  std::vector<double> recv(static_cast<size_t>(std::max<int64_t>(exchange.recv_total(), 1)));
  MPI_Alltoallv(send.data(), exchange.send_counts.data(), exchange.send_displs.data(), MPI_DOUBLE, recv.data(),
                exchange.recv_counts.data(), exchange.recv_displs.data(), MPI_DOUBLE, grid.comm());
  send = std::vector<double>();
  if (!grid.in_grid()) return;
  double* local = a.data();
  const int64_t lld = a.lld();
  int64_t position = 0;
  for (int source = 0; source < plan.nranks(); ++source) {
    for_local_in_tiles(a, plan.tiles_of(round, source),
                       [&](int64_t i_lc, int64_t j_lc) { local[j_lc * lld + i_lc] = recv[position++]; });
  }
}

template void tiles_to_block_cyclic<double>(const TilePlan&, int64_t, const double*, DistMatrix&);
template void tiles_to_block_cyclic<float>(const TilePlan&, int64_t, const float*, DistMatrix&);

void block_cyclic_to_tiles(const TilePlan& plan, int64_t round, const DistMatrix& a, double* values) {
  const Grid& grid = a.grid();
  const Exchange counts = tile_to_owner_counts(plan, round, a);
  std::vector<double> send(static_cast<size_t>(std::max<int64_t>(counts.recv_total(), 1)));
  if (grid.in_grid()) {
    const double* local = a.data();
    const int64_t lld = a.lld();
    int64_t position = 0;
    for (int dest = 0; dest < plan.nranks(); ++dest) {
      for_local_in_tiles(a, plan.tiles_of(round, dest),
                         [&](int64_t i_lc, int64_t j_lc) { send[position++] = local[j_lc * lld + i_lc]; });
    }
  }
  std::vector<double> recv(static_cast<size_t>(std::max<int64_t>(counts.send_total(), 1)));
  MPI_Alltoallv(send.data(), counts.recv_counts.data(), counts.recv_displs.data(), MPI_DOUBLE, recv.data(),
                counts.send_counts.data(), counts.send_displs.data(), MPI_DOUBLE, grid.comm());
  send = std::vector<double>();
  std::vector<int64_t> cursor(counts.send_displs.begin(), counts.send_displs.end());
  for_tile_runs(a, plan.tiles_of(round, grid.rank()), [&](int64_t offset, int64_t length, int owner) {
    std::copy(recv.data() + cursor[owner], recv.data() + cursor[owner] + length, values + offset);
    cursor[owner] += length;
  });
}

}  // namespace jf::io
