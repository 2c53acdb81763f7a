// `jointfact info --input FILE[:DSET]`: what is in a matrix file and what it costs to distribute.
#include <memory>

#include "app/command.hpp"
#include "app/common_options.hpp"
#include "jointfact/core/log.hpp"
#include "jointfact/core/memory_estimate.hpp"
#include "jointfact/io/matrix_io.hpp"
#include "jointfact/io/value_bounds.hpp"

namespace jf::app {
namespace {

struct InfoOptions {
  std::string input;
  CommonOptions common;
};

int run_info(MPI_Comm comm, const InfoOptions& options) {
  const DatasetInfo info = inspect_dataset(comm, DatasetPath::parse(options.input), 2);
  GridPtr grid = make_grid_from(comm, options.common, info.shape);
  ReadOptions read;
  read.block = options.common.block;
  read.require_finite = false;  // info reports non-finite values instead of refusing them
  read.allow_integer = true;
  require_input_fits(comm, *grid, info.shape, options.common.block);
  ValuesAndNorm scanned;  // a matrix's is gathered while it is read
  const DistMatrix a = info.shape.size() == 1 ? read_vector(grid, {info.file, info.dataset}, read)
                                              : read_matrix(grid, info, read, scanned);
  if (info.shape.size() == 1) scanned = scan_values(a);
  const ValueSummary& values = scanned.values;
  const double norm = scanned.frobenius;
  long long local_bytes = a.local_bytes(), max_bytes = 0, total_bytes = 0;
  MPI_Allreduce(&local_bytes, &max_bytes, 1, MPI_LONG_LONG, MPI_MAX, comm);
  MPI_Allreduce(&local_bytes, &total_bytes, 1, MPI_LONG_LONG, MPI_SUM, comm);

  std::string shape;
  for (int64_t d : info.shape) shape += (shape.empty() ? "" : " x ") + std::to_string(d);
  print_result(comm, "file:          " + info.file);
  print_result(comm, "dataset:       " + info.dataset);
  print_result(comm, "shape:         " + shape);
  print_result(comm, "dtype:         " + info.dtype);
  print_result(comm, "frobenius:     " + format_number("%.17g", norm));
  print_result(comm, "min:           " + format_number("%.17g", values.min));
  print_result(comm, "max:           " + format_number("%.17g", values.max));
  std::string bad = std::to_string(values.non_finite);
  if (values.non_finite > 0) {
    bad += " (first: " + format_number("%g", values.first_bad_value) + " at (" + std::to_string(values.first_bad_row) +
           ", " + std::to_string(values.first_bad_col) + "))";
  }
  print_result(comm, "non-finite:    " + bad);
  print_result(comm, "grid:          " + grid->describe() + " (" + std::to_string(grid->size()) + " ranks), block " +
                         std::to_string(a.row_block()));
  print_result(comm, "memory/rank:   " + format_number("%.3f MiB", max_bytes / 1048576.0) + " max, " +
                         format_number("%.3f MiB", total_bytes / 1048576.0) + " total");
  return 0;
}

}  // namespace

RegisteredCommand register_info_command(CLI::App& app) {
  auto options = std::make_shared<InfoOptions>();
  CLI::App* command = app.add_subcommand("info",
                                         "describe a matrix: shape, dtype, Frobenius norm, range, "
                                         "non-finite entries, memory per rank");
  add_input_option(*command, options->input);
  add_common_options(*command, options->common);
  command->footer("Example:\n  mpirun -np 2 jointfact info --input W.h5:/W");
  return {command, [options](MPI_Comm comm) { return run_info(comm, *options); }};
}

}  // namespace jf::app
