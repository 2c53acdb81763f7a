#include "app/svd_out_of_core.hpp"

#include <algorithm>

#include "jointfact/core/collective.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/core/log.hpp"
#include "jointfact/core/stop_signal.hpp"
#include "jointfact/io/h5_handle.hpp"
#include "jointfact/svd/out_of_core_checkpoint.hpp"
#include "jointfact/svd/out_of_core_memory.hpp"
#include "jointfact/svd/out_of_core_one_pass.hpp"
#include "jointfact/svd/out_of_core_svd.hpp"

namespace jf::app {
namespace {

std::string gigabytes(int64_t bytes) { return format_number("%.2f", static_cast<double>(bytes) / 1e9) + " GB"; }

svd::TruncatedSvd factor_one_pass(MPI_Comm comm, const GridPtr& grid, int64_t nb, const DatasetInfo& info,
                                  const svd::SvdOptions& options, const OutOfCoreSettings& settings,
                                  OutOfCoreReport& report) {
  log_progress(comm, "svd: out of core, one pass over " + info.file + ":" + info.dataset + " (sketch), panel buffer " +
                         std::to_string(settings.panel_mb) + " MiB per rank");
  svd::OutOfCoreOptions ooc;
  ooc.panel_bytes = settings.panel_mb << 20;
  svd::OnePassSvd result = svd::out_of_core_one_pass_svd(grid, info, nb, options, ooc);
  report.passes = 1;
  report.one_pass_error_estimate = result.error_estimate;
  report.sketch_range = result.range_columns;
  report.sketch_co_range = result.co_range_rows;
  report.sketch_test = result.test_rows;
  log_progress(comm, "svd: one-pass error estimate ||A - U S V^T||_F / ||A||_F ~ " +
                         format_number("%.3e", result.error_estimate) + " (test sketch of " +
                         std::to_string(result.test_rows) + " rows)");
  return std::move(result.svd);
}

}  // namespace

void annotate_out_of_core_output(MPI_Comm comm, const std::string& path, const OutOfCoreReport& report) {
  bool ok = true;
  if (comm_rank(comm) == 0) {
    h5::silence_library_errors();
    h5::Handle file = h5::file(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
    h5::Handle group = file.valid() ? h5::group(H5Gopen2(file.get(), "/svd", H5P_DEFAULT)) : h5::Handle();
    ok = group.valid();
    const auto put = [&](const char* name, hid_t type, const void* value) {
      h5::Handle space = h5::dataspace(H5Screate(H5S_SCALAR));
      if (H5Aexists(group.get(), name) > 0) H5Adelete(group.get(), name);
      h5::Handle attribute = h5::attribute(H5Acreate2(group.get(), name, type, space.get(), H5P_DEFAULT, H5P_DEFAULT));
      ok = ok && attribute.valid() && H5Awrite(attribute.get(), type, value) >= 0;
    };
    if (ok) {
      const int64_t out_of_core = 1;
      put("out_of_core", H5T_NATIVE_INT64, &out_of_core);
      put("passes", H5T_NATIVE_INT64, &report.passes);
      put("panel_mb", H5T_NATIVE_INT64, &report.panel_mb);
      if (report.passes == 1) {
        put("one_pass_error_estimate", H5T_NATIVE_DOUBLE, &report.one_pass_error_estimate);
        put("sketch_range", H5T_NATIVE_INT64, &report.sketch_range);
        put("sketch_co_range", H5T_NATIVE_INT64, &report.sketch_co_range);
        put("sketch_test", H5T_NATIVE_INT64, &report.sketch_test);
      }
    }
  }
  agree_or_throw(comm, ok, "cannot add the out-of-core attributes to '" + path + "'", kExitFailure);
}

bool choose_out_of_core(MPI_Comm comm, const OutOfCoreSettings& settings, const DatasetInfo& info,
                        const svd::SvdOptions& options) {
  if (settings.requested) return true;
  const bool supported = options.method == svd::Method::Randomized && options.tol == 0 && options.residual_tol == 0;
  if (info.shape.size() != 2 || !supported) return false;
  const int64_t m = info.shape[0], n = info.shape[1];
  const int64_t l = std::min(options.rank + options.oversample, std::min(m, n));
  int ranks = 1;
  MPI_Comm_size(comm, &ranks);
  const int64_t needed = svd::in_core_bytes_per_rank(m, n, l, ranks);
  const int64_t available = svd::memory_available_per_rank(comm);
  if (needed <= available) return false;
  log_progress(comm, "svd: the in-core path needs about " + gigabytes(needed) + " per rank, " + gigabytes(available) +
                         " is available: streaming the matrix from the file (out of core)");
  return true;
}

GridPtr out_of_core_default_grid(MPI_Comm comm) {
  int ranks = 1;
  MPI_Comm_size(comm, &ranks);
  return make_grid(comm, GridShape{ranks, 1});
}

svd::TruncatedSvd factor_out_of_core(MPI_Comm comm, const GridPtr& grid, int64_t nb, const DatasetInfo& info,
                                     const svd::SvdOptions& options, const OutOfCoreSettings& settings,
                                     OutOfCoreReport& report) {
  if (options.method != svd::Method::Randomized) throw InputError("out of core, only the randomized method runs");
  const int64_t passes = svd::out_of_core_pass_count(options);
  if (settings.passes != 0 && settings.passes != 1 && settings.passes != passes) {
    throw InputError("passes " + std::to_string(settings.passes) + ": 1 (one-pass sketch) or, with " +
                     std::to_string(options.power_iters) + " power iterations, " + std::to_string(passes));
  }
  if (settings.panel_mb < 1) throw InputError("panel size " + std::to_string(settings.panel_mb) + " MiB must be >= 1");
  report.panel_mb = settings.panel_mb;
  if (settings.passes == 1) return factor_one_pass(comm, grid, nb, info, options, settings, report);
  report.passes = passes;
  const CheckpointStore store(comm, settings.checkpoint_dir);
  const svd::OutOfCoreCheckpoint checkpoint(comm, store, info, options);
  const std::optional<svd::OutOfCoreState> saved = checkpoint.load(grid, nb);
  svd::OutOfCoreOptions ooc;
  ooc.panel_bytes = settings.panel_mb << 20;
  svd::OutOfCoreHooks hooks;
  if (saved) {
    hooks.resume = &*saved;
    log_progress(comm, "svd: resuming out of core at pass " + std::to_string(saved->passes_done + 1) + " of " +
                           std::to_string(passes) + " (passes 1.." + std::to_string(saved->passes_done) +
                           " done, from " + checkpoint.path() + ")");
  }
  log_progress(comm, "svd: out of core, " + std::to_string(passes) + " passes over " + info.file + ":" + info.dataset +
                         ", panel buffer " + std::to_string(settings.panel_mb) + " MiB per rank");
  hooks.after_pass = [&](const svd::OutOfCoreState& state) {
    checkpoint.save(state);
    if (stop_requested(comm)) {
      throw Interrupted("stopped after pass " + std::to_string(state.passes_done) + " of " + std::to_string(passes) +
                        "; checkpoint in " + checkpoint.path() + ", rerun the same command to resume");
    }
  };
  svd::TruncatedSvd result = svd::out_of_core_svd(grid, info, nb, options, ooc, hooks);
  checkpoint.remove();  // the result is complete; a stale state must not meet a changed input later
  log_progress(comm, "svd: out of core done, " + std::to_string(passes - (saved ? saved->passes_done : 0)) +
                         " passes over the file in this run");
  return result;
}

}  // namespace jf::app
