#include "thin_exchange.hpp"

#include <algorithm>
#include <cstring>

#include "distributed/fortran_int.hpp"

namespace jf::detail {
namespace {

// Rows are copied in tiles of this many, so that a tile of l-vectors stays in the L1 cache while the
// column-major side is read or written one column at a time.
constexpr int64_t kTileRows = 32;

// Counts and displacements, in doubles, of one MPI_Alltoallv over the grid's communicator.
class AllToAll {
 public:
  explicit AllToAll(int ranks)
      : send_counts_(ranks, 0), send_displs_(ranks, 0), recv_counts_(ranks, 0), recv_displs_(ranks, 0) {}

  void send(int rank, int64_t offset, int64_t count) {
    send_displs_[rank] = to_fortran_int(offset, "thin exchange offset");
    send_counts_[rank] = to_fortran_int(count, "thin exchange count");
  }
  void expect(int rank, int64_t count) {
    recv_counts_[rank] = to_fortran_int(recv_counts_[rank] + count, "thin exchange count");
  }
  // Lays the receives out in rank order; returns where each rank's part starts and the total.
  std::vector<int64_t> receive_offsets(int64_t& total) {
    std::vector<int64_t> offsets(recv_counts_.size());
    total = 0;
    for (size_t rank = 0; rank < recv_counts_.size(); ++rank) {
      offsets[rank] = total;
      recv_displs_[rank] = to_fortran_int(total, "thin exchange offset");
      total += recv_counts_[rank];
    }
    return offsets;
  }
  void run(const double* send_buffer, double* recv_buffer, MPI_Comm comm) const {
    MPI_Alltoallv(send_buffer, send_counts_.data(), send_displs_.data(), MPI_DOUBLE, recv_buffer, recv_counts_.data(),
                  recv_displs_.data(), MPI_DOUBLE, comm);
  }

 private:
  std::vector<int> send_counts_, send_displs_, recv_counts_, recv_displs_;
};

// packed(:, p) = T(rows[p], :) for a column-major T with leading dimension ld and l columns.
void pack_rows(const double* t, int64_t ld, int64_t l, const std::vector<int64_t>& rows, double* packed) {
  const int64_t count = static_cast<int64_t>(rows.size());
  for (int64_t first = 0; first < count; first += kTileRows) {
    const int64_t last = std::min(count, first + kTileRows);
    for (int64_t k = 0; k < l; ++k) {
      const double* column = t + k * ld;
      for (int64_t p = first; p < last; ++p) packed[p * l + k] = column[rows[p]];
    }
  }
}

// The local indices 0 .. count - 1 grouped by owner_of(index) (groups 0 .. groups - 1), each group in
// increasing order: the order in which both sides of an exchange walk the global indices.
template <class OwnerOf>
std::vector<std::vector<int64_t>> group_by_owner(int64_t count, int groups, OwnerOf owner_of) {
  std::vector<std::vector<int64_t>> grouped(static_cast<size_t>(groups));
  for (int64_t i = 0; i < count; ++i) grouped[owner_of(i)].push_back(i);
  return grouped;
}

}  // namespace

bool has_single_column_block(const DistMatrix& t) { return t.col_block() >= t.cols(); }

std::vector<double> gather_rows_for_local_columns(const DistMatrix& a, const DistMatrix& x) {
  const Grid& grid = a.grid();
  const int64_t l = x.cols(), n_loc = a.local_cols();
  const int x_col = x.col_map().source();
  AllToAll exchange(grid.size());

  // The process column holding X: its rows grouped by the process column of A that uses them, each
  // group packed once and sent to every process row of that column.
  std::vector<double> packed;
  if (grid.in_grid() && grid.mycol() == x_col) {
    const auto rows_for = group_by_owner(x.local_rows(), grid.pcols(),
                                         [&](int64_t i) { return a.col_map().owner(x.row_map().local_to_global(i)); });
    packed.resize(static_cast<size_t>(x.local_rows() * l));
    int64_t offset = 0;
    for (int c = 0; c < grid.pcols(); ++c) {
      const int64_t count = static_cast<int64_t>(rows_for[c].size()) * l;
      pack_rows(x.data(), x.lld(), l, rows_for[c], packed.data() + offset);
      for (int r = 0; r < grid.prows(); ++r) exchange.send(grid.rank_of(r, c), offset, count);
      offset += count;
    }
  }

  // Every rank of the grid: X(j, :) for each local column j of A, from the process row that keeps it.
  std::vector<int> source(static_cast<size_t>(n_loc));
  if (grid.in_grid()) {
    for (int64_t j = 0; j < n_loc; ++j) {
      source[j] = grid.rank_of(x.row_map().owner(a.col_map().local_to_global(j)), x_col);
      exchange.expect(source[j], l);
    }
  }
  int64_t total = 0;
  std::vector<int64_t> cursor = exchange.receive_offsets(total);
  std::vector<double> received(static_cast<size_t>(total));
  exchange.run(packed.data(), received.data(), grid.comm());

  // Rows arrive from each source in increasing global index, the order of A's local columns.
  std::vector<double> rows(static_cast<size_t>(l * n_loc));
  for (int64_t j = 0; j < n_loc; ++j) {
    std::memcpy(rows.data() + j * l, received.data() + cursor[source[j]], static_cast<size_t>(l) * sizeof(double));
    cursor[source[j]] += l;
  }
  return rows;
}

void sum_local_columns_into_rows(const DistMatrix& a, const std::vector<double>& partial, DistMatrix& z) {
  const Grid& grid = a.grid();
  const int64_t l = z.cols(), n_loc = a.local_cols();
  const int z_col = z.col_map().source();

  // Step 1, within each process column of A (whose ranks share A's local columns): a reduce-scatter sums
  // the partial rows, each rank keeping the sums of the rows that its process row of z keeps. Grouped by
  // that process row, in increasing global order; every rank of the column groups them alike.
  std::vector<double> summed;
  if (grid.in_grid()) {
    const auto columns_for = group_by_owner(
        n_loc, grid.prows(), [&](int64_t j) { return z.row_map().owner(a.col_map().local_to_global(j)); });
    std::vector<double> packed(static_cast<size_t>(l * n_loc));
    std::vector<int> counts(static_cast<size_t>(grid.prows()));
    int64_t offset = 0;
    for (int r = 0; r < grid.prows(); ++r) {
      for (int64_t j : columns_for[r]) {
        std::memcpy(packed.data() + offset, partial.data() + j * l, static_cast<size_t>(l) * sizeof(double));
        offset += l;
      }
      counts[r] = to_fortran_int(static_cast<int64_t>(columns_for[r].size()) * l, "thin exchange count");
    }
    summed.resize(static_cast<size_t>(counts[grid.myrow()]));
    MPI_Reduce_scatter(packed.data(), summed.data(), counts.data(), MPI_DOUBLE, MPI_SUM, grid.col_comm());
  }

  // Step 2: each rank sends its summed rows to the rank of z's process column in its own process row.
  AllToAll exchange(grid.size());
  if (grid.in_grid()) {
    exchange.send(grid.rank_of(grid.myrow(), z_col), 0, static_cast<int64_t>(summed.size()));
  }
  const bool keeps_z = grid.in_grid() && grid.mycol() == z_col;
  std::vector<int> source(keeps_z ? static_cast<size_t>(z.local_rows()) : 0);
  if (keeps_z) {
    for (int64_t i = 0; i < z.local_rows(); ++i) {
      source[i] = grid.rank_of(grid.myrow(), a.col_map().owner(z.row_map().local_to_global(i)));
      exchange.expect(source[i], l);
    }
  }
  int64_t total = 0;
  std::vector<int64_t> cursor = exchange.receive_offsets(total);
  std::vector<double> received(static_cast<size_t>(total));
  exchange.run(summed.data(), received.data(), grid.comm());
  if (!keeps_z) return;

  // Rows arrive from each source in increasing global index, the order of z's local rows; write them
  // into z's columns a tile of rows at a time.
  for (int64_t first = 0; first < z.local_rows(); first += kTileRows) {
    const int64_t last = std::min(z.local_rows(), first + kTileRows);
    for (int64_t i = first; i < last; ++i) {
      const double* row = received.data() + cursor[source[i]];
      cursor[source[i]] += l;
      for (int64_t k = 0; k < l; ++k) z.data()[k * z.lld() + i] = row[k];
    }
  }
}

}  // namespace jf::detail
