#include "streaming_reader.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "io/mpiio_hints.hpp"
#include "jointfact/core/collective.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/io/h5_handle.hpp"
#include "tile_exchange.hpp"
#include "tile_plan.hpp"

namespace jf::io {
namespace {

// rank_share_bytes sizes the collective buffer (see collective_buffer_bytes).
h5::Handle open_parallel_readonly(MPI_Comm comm, const std::string& file, int64_t rank_share_bytes) {
  const MpiioInfo hints(rank_share_bytes);
  h5::Handle fapl = h5::plist(H5Pcreate(H5P_FILE_ACCESS));
  H5Pset_fapl_mpio(fapl.get(), comm, hints.get());
  return h5::file(H5Fopen(h5::mpi_io_name(file).c_str(), H5F_ACC_RDONLY, fapl.get()));
}

// Chunk shape of a chunked dataset as (rows, cols); {0, 0} for contiguous or compact storage.
std::pair<int64_t, int64_t> chunk_shape(hid_t dset, bool file_is_1d) {
  h5::Handle dcpl = h5::plist(H5Dget_create_plist(dset));
  if (H5Pget_layout(dcpl.get()) != H5D_CHUNKED) return {0, 0};
  hsize_t dims[2] = {1, 1};
  H5Pget_chunk(dcpl.get(), file_is_1d ? 1 : 2, dims);
  return {static_cast<int64_t>(dims[0]), file_is_1d ? 1 : static_cast<int64_t>(dims[1])};
}

void select_tile(hid_t file_space, const Tile& tile, H5S_seloper_t op) {
  const hsize_t start[2] = {hsize_t(tile.row_begin), hsize_t(tile.col_begin)};
  const hsize_t count[2] = {hsize_t(tile.rows()), hsize_t(tile.cols())};
  H5Sselect_hyperslab(file_space, op, start, nullptr, count, nullptr);  // a 1-D space uses [0]
}

// Reads `tiles` into `values` back to back: one collective read of them all (slabs of a contiguous file,
// so MPI-IO sees every rank's request at once), or one independent read per tile.
bool read_tiles(hid_t dset, hid_t file_space, hid_t mem_type, const std::vector<Tile>& tiles, bool collective,
                void* values, size_t value_size) {
  if (!collective) {
    bool ok = true;
    size_t offset = 0;
    for (const Tile& tile : tiles) {
      select_tile(file_space, tile, H5S_SELECT_SET);
      // The memory space has the tile's shape (and the file's rank): HDF5 then copies whole rows instead of
      // iterating element spans, which cost more than the decompression.
      const hsize_t mem_dims[2] = {hsize_t(tile.rows()), hsize_t(tile.cols())};
      h5::Handle mem_space = h5::dataspace(H5Screate_simple(H5Sget_simple_extent_ndims(file_space), mem_dims, nullptr));
      ok = H5Dread(dset, mem_type, mem_space.get(), file_space, H5P_DEFAULT,
                   static_cast<char*>(values) + offset * value_size) >= 0 &&
           ok;
      offset += tile.count();
    }
    return ok;
  }
  H5Sselect_none(file_space);
  hsize_t rows = 0;
  for (const Tile& tile : tiles) {
    select_tile(file_space, tile, H5S_SELECT_OR);
    rows += hsize_t(tile.rows());
  }
  // Tiles of one collective read are whole rows or one piece of a row (same columns): in memory they are
  // rows x cols in the file's rank, as above.
  const hsize_t cols = tiles.empty() ? 1 : hsize_t(tiles.front().cols());
  const hsize_t mem_dims[2] = {std::max<hsize_t>(rows, 1), cols};
  h5::Handle mem_space = h5::dataspace(H5Screate_simple(H5Sget_simple_extent_ndims(file_space), mem_dims, nullptr));
  if (rows == 0) H5Sselect_none(mem_space.get());
  h5::Handle transfer = h5::plist(H5Pcreate(H5P_DATASET_XFER));
  H5Pset_dxpl_mpio(transfer.get(), H5FD_MPIO_COLLECTIVE);
  return H5Dread(dset, mem_type, mem_space.get(), file_space, transfer.get(), values) >= 0;
}

// Maps the pages of a's local storage in one system call (MADV_POPULATE_WRITE, Linux 5.14) before the values
// are written: a matrix constructed DistMatrix::Unset has none yet, and taking their page faults one by one in
// the middle of the transposition costs more (the kernel's zeroed pages evict the tile being transposed).
// Only a hint: where the kernel refuses it, the pages are mapped on first write as before.
void populate_local_storage(DistMatrix& a) {
#if defined(MADV_POPULATE_WRITE)
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t begin = reinterpret_cast<uintptr_t>(a.data());
  const uintptr_t end = begin + static_cast<uintptr_t>(a.local_bytes());
  const uintptr_t first = (begin + page - 1) & ~(page - 1), last = end & ~(page - 1);  // whole pages inside
  if (last > first) madvise(reinterpret_cast<void*>(first), last - first, MADV_POPULATE_WRITE);
#else
  (void)a;
#endif
}

// Reads every round into `a`; `scan` takes in the values written into a's local storage as they are written.
template <class T>
bool read_rounds(hid_t dset, hid_t mem_type, const TilePlan& plan, bool chunked, DistMatrix& a, ValueScan& scan) {
  h5::Handle file_space = h5::dataspace(H5Dget_space(dset));
  const int rank = a.grid().rank();
  std::vector<T> values;  // grows to the largest round, never shrinks: no fresh pages per round
  ExchangeBuffers buffers;
  bool ok = true;
  // At least one round, so that every rank makes the same collective calls even for an empty matrix.
  for (int64_t round = 0; round < std::max<int64_t>(plan.rounds(), 1); ++round) {
    const std::vector<Tile> tiles = plan.tiles_of(round, rank);
    const int64_t count = tile_values(plan, round, rank);
    values.resize(std::max(values.size(), static_cast<size_t>(std::max<int64_t>(count, 1))));
    // Row blocks and chunks are each one piece of the file, read on their own (independent I/O: no rank
    // waits for another); slabs of a few rows per rank are read collectively.
    const bool collective = !chunked && !plan.by_row_blocks();
    ok = read_tiles(dset, file_space.get(), mem_type, tiles, collective, values.data(), sizeof(T)) && ok;
    tiles_to_block_cyclic(plan, round, values.data(), a, buffers, scan);
  }
  return ok;
}

}  // namespace

ValueScan read_streaming(const DatasetInfo& info, DistMatrix& a, bool file_is_1d) {
  MPI_Comm comm = a.grid().comm();
  h5::silence_library_errors();
  const int nranks = comm_size(comm);
  const int64_t share_bytes = int64_t{8} * a.rows() * a.cols() / nranks;
  h5::Handle file = open_parallel_readonly(comm, info.file, share_bytes);
  agree_or_throw(comm, file.valid(), "cannot open '" + info.file + "' for parallel reading");
  h5::Handle dset = h5::dataset(H5Dopen2(file.get(), info.dataset.c_str(), H5P_DEFAULT));
  agree_or_throw(comm, dset.valid(), "cannot open dataset " + info.dataset + " in '" + info.file + "'");
  const auto [chunk_rows, chunk_cols] = chunk_shape(dset.get(), file_is_1d);
  const bool chunked = chunk_rows > 0;
  // Rounds of about kCachedRoundBytes per rank: a round's tiles are still in cache when they are transposed
  // or packed, and the tile and exchange buffers stay small beside the share.
  const TilePlan plan =
      chunked ? TilePlan::for_chunks(a.rows(), a.cols(), chunk_rows, chunk_cols, nranks, kCachedRoundBytes)
              : plan_for_contiguous_read(a.rows(), a.cols(), a.row_block(), a.grid().prows(), a.grid().pcols(), nranks);
  h5::Handle file_type = h5::datatype(H5Dget_type(dset.get()));
  const bool is_float32 = H5Tget_class(file_type.get()) == H5T_FLOAT && H5Tget_size(file_type.get()) == 4;
  populate_local_storage(a);
  ValueScan scan;
  const bool ok = is_float32 ? read_rounds<float>(dset.get(), H5T_NATIVE_FLOAT, plan, chunked, a, scan)
                             : read_rounds<double>(dset.get(), H5T_NATIVE_DOUBLE, plan, chunked, a, scan);
  agree_or_throw(comm, ok, "reading " + info.dataset + " from '" + info.file + "' failed (truncated file?)");
  return scan;
}

}  // namespace jf::io
