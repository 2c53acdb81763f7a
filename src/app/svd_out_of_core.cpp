#include "jointfact/app/svd_out_of_core.hpp"

#include <algorithm>

#include "jointfact/core/error.hpp"
#include "jointfact/core/log.hpp"
#include "jointfact/core/stop_signal.hpp"
#include "jointfact/svd/out_of_core_checkpoint.hpp"
#include "jointfact/svd/out_of_core_memory.hpp"
#include "jointfact/svd/out_of_core_svd.hpp"

namespace jf::app {
namespace {

std::string gigabytes(int64_t bytes) { return format_number("%.2f", static_cast<double>(bytes) / 1e9) + " GB"; }

}  // namespace

bool choose_out_of_core(MPI_Comm comm, const OutOfCoreSettings& settings, const DatasetInfo& info,
                        const svd::SvdOptions& options) {
  if (settings.requested) return true;
  if (info.shape.size() != 2 || options.method != svd::Method::Randomized || options.tol != 0) return false;
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

svd::TruncatedSvd factor_out_of_core(MPI_Comm comm, const GridPtr& grid, int64_t nb, const DatasetInfo& info,
                                     const svd::SvdOptions& options, const OutOfCoreSettings& settings) {
  if (options.method != svd::Method::Randomized) throw InputError("out of core, only the randomized method runs");
  const int64_t passes = svd::out_of_core_pass_count(options);
  if (settings.passes != 0 && settings.passes != passes) {
    throw InputError("passes " + std::to_string(settings.passes) + ": with " + std::to_string(options.power_iters) +
                     " power iterations the out-of-core method makes " + std::to_string(passes) + " passes");
  }
  if (settings.panel_mb < 1) throw InputError("panel size " + std::to_string(settings.panel_mb) + " MiB must be >= 1");
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
  log_progress(comm, "svd: out of core, " + std::to_string(passes) + " passes over " + info.file + ":" +
                         info.dataset + ", panel buffer " + std::to_string(settings.panel_mb) + " MiB per rank");
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
