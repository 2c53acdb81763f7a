#include "jointfact/io/matrix_io.hpp"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "jointfact/core/collective.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/dist/norms.hpp"
#include "jointfact/io/block_selection.hpp"
#include "jointfact/io/h5_handle.hpp"
#include "jointfact/io/value_bounds.hpp"

namespace jf {
namespace {

h5::Handle open_parallel_readonly(MPI_Comm comm, const std::string& file) {
  h5::Handle fapl = h5::plist(H5Pcreate(H5P_FILE_ACCESS));
  H5Pset_fapl_mpio(fapl.get(), comm, MPI_INFO_NULL);
  return h5::file(H5Fopen(h5::mpi_io_name(file).c_str(), H5F_ACC_RDONLY, fapl.get()));
}

void check_element_type(const DatasetInfo& info, const ReadOptions& options) {
  const bool ok = info.is_float || (options.allow_integer && info.is_integer);
  if (!ok) {
    throw InputError("dataset " + info.dataset + " in '" + info.file + "' has type " + info.dtype +
                     "; expected float64 or float32" + (options.allow_integer ? " or an integer/bool type" : ""));
  }
}

// One collective read moves about this much of the file: the transfer buffer (and MPI-IO's aggregation
// buffers) stay a few MiB instead of a second copy of the local part, which would double peak memory.
constexpr int64_t kReadBandBytes = int64_t{8} << 20;

// Number of global indices below i_gl that this process owns (ScaLAPACK's NUMROC on the prefix).
int64_t owned_before(const BlockCyclicMap& map, int proc, int64_t i_gl) {
  if (proc < 0) return 0;
  return BlockCyclicMap(i_gl, map.block_size(), map.nprocs(), map.source(), proc).local_size();
}

// Reads global rows [row_begin, row_end) into `a` through `buffer` (collective; false if HDF5 failed).
bool read_row_band(hid_t dset, hid_t file_space, hid_t transfer, DistMatrix& a, bool file_is_1d, int64_t row_begin,
                   int64_t row_end, std::vector<double>& buffer) {
  const int myrow = a.grid().myrow();
  const int64_t i_lc_begin = owned_before(a.row_map(), myrow, row_begin);
  const int64_t i_lc_end = owned_before(a.row_map(), myrow, row_end);
  const hsize_t band_count = static_cast<hsize_t>((i_lc_end - i_lc_begin) * a.local_cols());
  h5::select_local_rows(file_space, a, file_is_1d, row_begin, row_end);
  const hsize_t mem_dims[1] = {std::max<hsize_t>(band_count, 1)};
  h5::Handle mem_space = h5::dataspace(H5Screate_simple(1, mem_dims, nullptr));
  if (band_count == 0) H5Sselect_none(mem_space.get());
  buffer.resize(mem_dims[0]);
  const herr_t status = H5Dread(dset, H5T_NATIVE_DOUBLE, mem_space.get(), file_space, transfer, buffer.data());
  if (band_count > 0) h5::row_major_rows_to_local(buffer.data(), a, i_lc_begin, i_lc_end);
  return status >= 0;
}

// Reads the dataset band by band of global rows; every rank takes part in every band's collective read
// (with an empty selection where it owns none of the band), so the call count agrees across ranks.
void read_into(const DatasetInfo& info, DistMatrix& a, bool file_is_1d) {
  MPI_Comm comm = a.grid().comm();
  h5::silence_library_errors();
  h5::Handle file = open_parallel_readonly(comm, info.file);
  agree_or_throw(comm, file.valid(), "cannot open '" + info.file + "' for parallel reading");
  h5::Handle dset = h5::dataset(H5Dopen2(file.get(), info.dataset.c_str(), H5P_DEFAULT));
  agree_or_throw(comm, dset.valid(), "cannot open dataset " + info.dataset + " in '" + info.file + "'");
  h5::Handle file_space = h5::dataspace(H5Dget_space(dset.get()));
  h5::Handle transfer = h5::plist(H5Pcreate(H5P_DATASET_XFER));
  H5Pset_dxpl_mpio(transfer.get(), H5FD_MPIO_COLLECTIVE);
  const int64_t file_cols = file_is_1d ? 1 : std::max<int64_t>(a.cols(), 1);
  const int64_t band_rows = std::max<int64_t>(1, kReadBandBytes / (8 * file_cols));
  std::vector<double> buffer;
  bool all_read = true;
  // At least one (possibly empty) band, so that every rank makes the same collective calls even for m = 0.
  for (int64_t row_begin = 0; row_begin < std::max<int64_t>(a.rows(), 1); row_begin += band_rows) {
    const int64_t row_end = std::min(a.rows(), row_begin + band_rows);
    all_read = read_row_band(dset.get(), file_space.get(), transfer.get(), a, file_is_1d, row_begin, row_end, buffer) &&
               all_read;
  }
  agree_or_throw(comm, all_read, "reading " + info.dataset + " from '" + info.file + "' failed (truncated file?)");
}

}  // namespace

void require_finite(const DistMatrix& a, const std::string& what) {
  const ValueSummary summary = summarize_values(a);
  if (summary.non_finite == 0) return;
  char value[32];
  std::snprintf(value, sizeof value, "%g", summary.first_bad_value);
  throw InputError(what + " has " + std::to_string(summary.non_finite) + " non-finite value(s); the first is " +
                   value + " at (" + std::to_string(summary.first_bad_row) + ", " +
                   std::to_string(summary.first_bad_col) + ")");
}

DistMatrix read_matrix(GridPtr grid, const DatasetInfo& info, const ReadOptions& options) {
  if (info.shape.size() != 2) {
    std::string shape;
    for (int64_t d : info.shape) shape += (shape.empty() ? "" : ", ") + std::to_string(d);
    throw InputError("dataset " + info.dataset + " in '" + info.file + "' is " + std::to_string(info.shape.size()) +
                     "-D with shape (" + shape + "); expected a 2-D matrix");
  }
  check_element_type(info, options);
  DistMatrix a(std::move(grid), info.shape[0], info.shape[1], options.block, options.block);
  read_into(info, a, false);
  if (options.require_finite) require_finite_and_bounded(a, "dataset " + info.dataset + " in '" + info.file + "'");
  return a;
}

DistMatrix read_matrix(GridPtr grid, const DatasetPath& path, const ReadOptions& options) {
  const DatasetInfo info = inspect_dataset(grid->comm(), path, 2);
  return read_matrix(std::move(grid), info, options);
}

DistMatrix read_vector(GridPtr grid, const DatasetPath& path, const ReadOptions& options) {
  const DatasetInfo info = inspect_dataset(grid->comm(), path, 1);
  const bool column = info.shape.size() == 2 && info.shape[1] == 1;
  if (info.shape.size() != 1 && !column) {
    throw InputError("dataset " + info.dataset + " in '" + info.file + "' must be a vector (1-D), not " +
                     std::to_string(info.shape.size()) + "-D");
  }
  check_element_type(info, options);
  DistMatrix v(std::move(grid), info.shape[0], 1, options.block, options.block);
  read_into(info, v, !column);
  if (options.require_finite) require_finite_and_bounded(v, "dataset " + info.dataset + " in '" + info.file + "'");
  return v;
}

}  // namespace jf
