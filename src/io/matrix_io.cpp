#include "jointfact/io/matrix_io.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "jointfact/core/collective.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/distributed/norms.hpp"
#include "jointfact/io/value_bounds.hpp"
#include "streaming_reader.hpp"

namespace jf {
namespace {

void check_element_type(const DatasetInfo& info, const ReadOptions& options) {
  const bool ok = info.is_float || (options.allow_integer && info.is_integer);
  if (!ok) {
    throw InputError("dataset " + info.dataset + " in '" + info.file + "' has type " + info.dtype +
                     "; expected float64 or float32" + (options.allow_integer ? " or an integer/bool type" : ""));
  }
}

}  // namespace

namespace {

// Whether every local value is finite: one pass over contiguous columns (the full summary, which maps every
// index to its global position, is only needed to name the first bad value).
bool local_part_is_finite(const DistMatrix& a) {
  bool finite = true;
  for (int64_t j_lc = 0; j_lc < a.local_cols(); ++j_lc) {
    const double* column = a.data() + j_lc * a.lld();
    for (int64_t i_lc = 0; i_lc < a.local_rows(); ++i_lc) finite &= std::isfinite(column[i_lc]);
  }
  return finite;
}

}  // namespace

void require_finite(const DistMatrix& a, const std::string& what) {
  int finite = local_part_is_finite(a) ? 1 : 0;
  MPI_Allreduce(MPI_IN_PLACE, &finite, 1, MPI_INT, MPI_MIN, a.grid().comm());
  if (finite) return;
  const ValueSummary summary = summarize_values(a);
  if (summary.non_finite == 0) return;
  char value[32];
  std::snprintf(value, sizeof value, "%g", summary.first_bad_value);
  throw InputError(what + " has " + std::to_string(summary.non_finite) + " non-finite value(s); the first is " + value +
                   " at (" + std::to_string(summary.first_bad_row) + ", " + std::to_string(summary.first_bad_col) +
                   ")");
}

namespace {

std::string dataset_name(const DatasetInfo& info) { return "dataset " + info.dataset + " in '" + info.file + "'"; }

// The 2-D dataset into a new matrix; `scan` gets the values this rank read.
DistMatrix read_matrix_scanned(GridPtr grid, const DatasetInfo& info, const ReadOptions& options, ValueScan& scan) {
  if (info.shape.size() != 2) {
    std::string shape;
    for (int64_t d : info.shape) shape += (shape.empty() ? "" : ", ") + std::to_string(d);
    throw InputError("dataset " + info.dataset + " in '" + info.file + "' is " + std::to_string(info.shape.size()) +
                     "-D with shape (" + shape + "); expected a 2-D matrix");
  }
  check_element_type(info, options);
  DistMatrix a(DistMatrix::Unset{}, std::move(grid), info.shape[0], info.shape[1], options.block, options.block);
  scan = io::read_streaming(info, a, false);
  return a;
}

}  // namespace

DistMatrix read_matrix(GridPtr grid, const DatasetInfo& info, const ReadOptions& options) {
  ValueScan scan;
  DistMatrix a = read_matrix_scanned(std::move(grid), info, options, scan);
  if (options.require_finite) require_finite_and_bounded(a, dataset_name(info), finish_scan(a, scan));
  return a;
}

DistMatrix read_matrix(GridPtr grid, const DatasetInfo& info, const ReadOptions& options, ValuesAndNorm& values) {
  ValueScan scan;
  DistMatrix a = read_matrix_scanned(std::move(grid), info, options, scan);
  values = finish_scan(a, scan);
  if (options.require_finite) require_finite_and_bounded(a, dataset_name(info), values);
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
  DistMatrix v(DistMatrix::Unset{}, std::move(grid), info.shape[0], 1, options.block, options.block);
  const ValueScan scan = io::read_streaming(info, v, !column);
  if (options.require_finite) require_finite_and_bounded(v, dataset_name(info), finish_scan(v, scan));
  return v;
}

}  // namespace jf
