#include "app/svd_out_of_core.hpp"

#include <algorithm>

#include "jointfact/core/error.hpp"
#include "jointfact/core/log.hpp"
#include "jointfact/core/memory_estimate.hpp"
#include "jointfact/core/stop_signal.hpp"
#include "jointfact/svd/out_of_core_svd.hpp"
#include "svd/out_of_core_fixed_accuracy.hpp"
#include "svd/out_of_core_one_pass.hpp"

namespace jf::app {
namespace {

void stop_if_requested(MPI_Comm comm, int64_t passes_done, const std::string& what_next) {
  if (stop_requested(comm)) throw Interrupted("stopped after pass " + std::to_string(passes_done) + "; " + what_next);
}

svd::TruncatedSvd factor_one_pass(MPI_Comm comm, const GridPtr& grid, int64_t nb, const DatasetInfo& info,
                                  const SvdStageSettings& settings, const svd::SvdOptions& options,
                                  OutOfCoreReport& report) {
  log_progress(comm, "svd: out of core, one pass over " + info.file + ":" + info.dataset + " (sketch), panel buffer " +
                         std::to_string(settings.panel_mb) + " MiB per rank");
  svd::OnePassSvd result =
      svd::out_of_core_one_pass_svd(grid, info, nb, options, out_of_core_library_options(settings));
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

svd::TruncatedSvd factor_fixed_accuracy(MPI_Comm comm, const GridPtr& grid, int64_t nb, const DatasetInfo& info,
                                        const SvdStageSettings& settings, const svd::SvdOptions& options,
                                        const svd::OutOfCoreCheckpoint& checkpoint, OutOfCoreReport& report) {
  const std::optional<svd::FixedAccuracyState> saved = checkpoint.load_fixed_accuracy(grid, nb);
  svd::FixedAccuracyHooks hooks;
  if (saved) {
    hooks.resume = &*saved;
    report.passes = saved->passes_done;
    log_progress(comm, "svd: resuming out of core at pass " + std::to_string(saved->passes_done + 1) + " (passes 1.." +
                           std::to_string(saved->passes_done) + " done, basis " + std::to_string(saved->q.cols()) +
                           " columns, from " + checkpoint.path() + ")");
  }
  log_progress(comm, "svd: out of core, to tolerance " + format_number("%g", options.tol) + " over " + info.file + ":" +
                         info.dataset + " (the basis grows between passes), panel buffer " +
                         std::to_string(settings.panel_mb) + " MiB per rank");
  hooks.after_pass = [&](const svd::FixedAccuracyState& state) {
    checkpoint.save(state);
    report.passes = state.passes_done;
    stop_if_requested(comm, state.passes_done,
                      "checkpoint in " + checkpoint.path() + ", rerun the same command to resume");
  };
  const svd::OutOfCoreOptions ooc = out_of_core_library_options(settings);
  svd::TruncatedSvd result = svd::out_of_core_fixed_accuracy_svd(grid, info, nb, options, ooc, hooks);
  checkpoint.remove();  // the result is complete; a stale state must not meet a changed input later
  if (ooc.residual_pass) ++report.passes;
  log_progress(comm, "svd: out of core done, " + std::to_string(report.passes) + " passes over the file (" +
                         std::to_string(report.passes - (saved ? saved->passes_done : 0)) + " in this run), k = " +
                         std::to_string(result.s.size()) + ", basis " + std::to_string(result.basis_columns));
  return result;
}

}  // namespace

bool choose_out_of_core(MPI_Comm comm, const Grid& grid, int64_t nb, const SvdStageSettings& settings,
                        const DatasetInfo& info) {
  if (settings.out_of_core) return true;
  const bool supported = settings.method == "randomized" && settings.residual_tol == 0;
  if (info.shape.size() != 2 || !supported) return false;
  const int64_t m = info.shape[0], n = info.shape[1];
  const int64_t l = std::min(settings.rank + settings.oversample, std::min(m, n));
  // The in-core path's own check (require_input_fits): reading A, then the SVD's workspace.
  MemoryEstimate in_core = input_memory(grid, m, n, nb);
  in_core.add(svd_memory(grid, m, n, nb, l, false));
  const NodeMemory node = detect_node_memory(comm);
  if (node.node_bytes <= 0 || in_core.per_rank_bytes() <= node.per_rank_bytes()) return false;
  log_progress(comm, "svd: the in-core path needs about " + format_bytes(in_core.per_rank_bytes()) + " per rank, " +
                         format_bytes(node.per_rank_bytes()) + " is available (" + node.source +
                         "): streaming the matrix from the file (out of core)");
  return true;
}

GridPtr out_of_core_default_grid(MPI_Comm comm) {
  int ranks = 1;
  MPI_Comm_size(comm, &ranks);
  return make_grid(comm, GridShape{ranks, 1});
}

svd::TruncatedSvd factor_out_of_core(MPI_Comm comm, const GridPtr& grid, int64_t nb, const DatasetInfo& info,
                                     const SvdStageSettings& settings, const svd::SvdOptions& options,
                                     const svd::OutOfCoreCheckpoint& checkpoint, OutOfCoreReport& report) {
  if (options.method != svd::Method::Randomized) throw InputError("out of core, only the randomized method runs");
  if (options.residual_tol != 0) throw InputError("a residual tolerance is not supported out of core");
  report.ran = true;
  report.panel_mb = settings.panel_mb;
  if (settings.passes == 1) return factor_one_pass(comm, grid, nb, info, settings, options, report);
  if (options.tol != 0) return factor_fixed_accuracy(comm, grid, nb, info, settings, options, checkpoint, report);
  const svd::OutOfCoreOptions ooc = out_of_core_library_options(settings);
  const int64_t passes = svd::out_of_core_pass_count(options, ooc);
  report.passes = passes;
  const std::optional<svd::OutOfCoreState> saved = checkpoint.load(grid, nb);
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
    stop_if_requested(comm, state.passes_done,
                      "checkpoint in " + checkpoint.path() + ", rerun the same command to resume");
  };
  svd::TruncatedSvd result = svd::out_of_core_svd(grid, info, nb, options, ooc, hooks);
  checkpoint.remove();  // the result is complete; a stale state must not meet a changed input later
  log_progress(comm, "svd: out of core done, " + std::to_string(passes - (saved ? saved->passes_done : 0)) +
                         " passes over the file in this run");
  return result;
}

void write_out_of_core_report(OutputFile& out, const OutOfCoreReport& report) {
  if (!report.ran) return;
  out.set_attribute("/svd", "out_of_core", int64_t{1});
  out.set_attribute("/svd", "passes", report.passes);
  out.set_attribute("/svd", "panel_mb", report.panel_mb);
  if (report.passes == 1) {
    out.set_attribute("/svd", "one_pass_error_estimate", report.one_pass_error_estimate);
    out.set_attribute("/svd", "sketch_range", report.sketch_range);
    out.set_attribute("/svd", "sketch_co_range", report.sketch_co_range);
    out.set_attribute("/svd", "sketch_test", report.sketch_test);
  }
}

}  // namespace jf::app
