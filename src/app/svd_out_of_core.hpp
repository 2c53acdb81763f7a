#pragma once
// The out-of-core path of the svd stage (`jointfact svd` and `jointfact run`'s svd stage): when it is
// taken (asked for, or the in-core path's memory estimate does not fit) and the run itself, with a
// checkpoint after every pass and exit 75 on a stop signal.
#include <mpi.h>

#include <cstdint>
#include <string>

#include "app/svd_stage_definition.hpp"
#include "jointfact/distributed/grid.hpp"
#include "jointfact/io/dataset_path.hpp"
#include "jointfact/io/output_file.hpp"
#include "jointfact/svd/truncated_svd.hpp"
#include "svd/out_of_core_checkpoint.hpp"

namespace jf::app {

// Collective. True when settings.out_of_core, or when the in-core randomized path (reading A on `grid`
// with block nb, then the SVD: core's memory estimate) would need more memory per rank than the node
// offers (detect_node_memory); then a log line says so.
bool choose_out_of_core(MPI_Comm comm, const Grid& grid, int64_t nb, const SvdStageSettings& settings,
                        const DatasetInfo& info);

// The grid for an out-of-core run when none is given: P x 1, so that every rank reads whole rows (one
// contiguous range of a row-major file per panel) and the thin QRs have every rank's rows.
GridPtr out_of_core_default_grid(MPI_Comm comm);

// What the out-of-core run adds to the output's /svd attributes.
struct OutOfCoreReport {
  bool ran = false;
  int64_t passes = 0;  // passes over the file, including those of a run it resumed
  int64_t panel_mb = 0;
  double one_pass_error_estimate = -1;  // passes = 1 only
  int64_t sketch_range = 0, sketch_co_range = 0, sketch_test = 0;
};

// Collective. Fixed rank and fixed accuracy (tol): resumes from `checkpoint` when it holds a state,
// checkpoints after every pass, throws Interrupted (exit 75) after the checkpoint when a stop signal arrived,
// removes the checkpoint when done. The one-pass sketch keeps no checkpoint (a stop signal still ends the run
// after its pass, exit 75). Throws InputError for options the out-of-core path does not support.
svd::TruncatedSvd factor_out_of_core(MPI_Comm comm, const GridPtr& grid, int64_t nb, const DatasetInfo& info,
                                     const SvdStageSettings& settings, const svd::SvdOptions& options,
                                     const svd::OutOfCoreCheckpoint& checkpoint, OutOfCoreReport& report);

// The report as attributes of /svd: out_of_core, passes, panel_mb (and the one-pass sketch's figures).
void write_out_of_core_report(OutputFile& out, const OutOfCoreReport& report);

}  // namespace jf::app
