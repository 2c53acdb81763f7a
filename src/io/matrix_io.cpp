#include "jointfact/io/matrix_io.hpp"

#include <cstdio>
#include <vector>

#include "jointfact/core/collective.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/dist/norms.hpp"
#include "jointfact/io/block_selection.hpp"
#include "jointfact/io/h5_handle.hpp"

namespace jf {
namespace {

h5::Handle open_parallel_readonly(MPI_Comm comm, const std::string& file) {
  h5::Handle fapl = h5::plist(H5Pcreate(H5P_FILE_ACCESS));
  H5Pset_fapl_mpio(fapl.get(), comm, MPI_INFO_NULL);
  return h5::file(H5Fopen(file.c_str(), H5F_ACC_RDONLY, fapl.get()));
}

void check_element_type(const DatasetInfo& info, const ReadOptions& options) {
  const bool ok = info.is_float || (options.allow_integer && info.is_integer);
  if (!ok) {
    throw InputError("dataset " + info.dataset + " in '" + info.file + "' has type " + info.dtype +
                     "; expected float64 or float32" + (options.allow_integer ? " or an integer/bool type" : ""));
  }
}

void read_into(const DatasetInfo& info, DistMatrix& a, bool file_is_1d) {
  MPI_Comm comm = a.grid().comm();
  h5::silence_library_errors();
  h5::Handle file = open_parallel_readonly(comm, info.file);
  agree_or_throw(comm, file.valid(), "cannot open '" + info.file + "' for parallel reading");
  h5::Handle dset = h5::dataset(H5Dopen2(file.get(), info.dataset.c_str(), H5P_DEFAULT));
  agree_or_throw(comm, dset.valid(), "cannot open dataset " + info.dataset + " in '" + info.file + "'");
  h5::Handle file_space = h5::dataspace(H5Dget_space(dset.get()));
  h5::select_local_part(file_space.get(), a, file_is_1d);
  const hsize_t local_count = static_cast<hsize_t>(a.local_rows() * a.local_cols());
  const hsize_t mem_dims[1] = {std::max<hsize_t>(local_count, 1)};
  h5::Handle mem_space = h5::dataspace(H5Screate_simple(1, mem_dims, nullptr));
  if (local_count == 0) H5Sselect_none(mem_space.get());
  h5::Handle transfer = h5::plist(H5Pcreate(H5P_DATASET_XFER));
  H5Pset_dxpl_mpio(transfer.get(), H5FD_MPIO_COLLECTIVE);
  std::vector<double> buffer(mem_dims[0]);
  const herr_t status = H5Dread(dset.get(), H5T_NATIVE_DOUBLE, mem_space.get(), file_space.get(), transfer.get(),
                                buffer.data());
  agree_or_throw(comm, status >= 0, "reading " + info.dataset + " from '" + info.file + "' failed (truncated file?)");
  h5::row_major_to_local(buffer.data(), a);
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
  if (options.require_finite) require_finite(a, "dataset " + info.dataset + " in '" + info.file + "'");
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
  if (options.require_finite) require_finite(v, "dataset " + info.dataset + " in '" + info.file + "'");
  return v;
}

}  // namespace jf
