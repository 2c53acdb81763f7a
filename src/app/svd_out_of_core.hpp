#pragma once
// The out-of-core path of `jointfact svd`: when it is taken (asked for, or the in-core path's memory
// estimate does not fit) and the run itself, with a checkpoint after every pass and exit 75 on a stop signal.
#include <mpi.h>

#include <cstdint>
#include <string>

#include "jointfact/distributed/grid.hpp"
#include "jointfact/io/dataset_path.hpp"
#include "jointfact/svd/truncated_svd.hpp"

namespace jf::app {

struct OutOfCoreSettings {
  bool requested = false;  // --out-of-core / [svd] out_of_core
  int64_t panel_mb = 256;  // --panel-mb: tile buffer per rank, MiB
  int64_t passes = 0;      // --passes: 0 = as many as the in-core sequence needs (2q + 2)
  std::string checkpoint_dir;
};

// Collective. True when requested, or when the in-core randomized path would need more memory per rank
// than is available (then a log line says so).
bool choose_out_of_core(MPI_Comm comm, const OutOfCoreSettings& settings, const DatasetInfo& info,
                        const svd::SvdOptions& options);

// The grid for an out-of-core run when none is given: P x 1, so that every rank reads whole rows (one
// contiguous range of a row-major file per panel) and the thin QRs have every rank's rows.
GridPtr out_of_core_default_grid(MPI_Comm comm);

// What the out-of-core run adds to the output's /svd attributes.
struct OutOfCoreReport {
  int64_t passes = 0;
  int64_t panel_mb = 0;
  double one_pass_error_estimate = -1;  // --passes 1 only
  int64_t sketch_range = 0, sketch_co_range = 0, sketch_test = 0;
};

// Collective. Resumes from the checkpoint in settings.checkpoint_dir when there is one, checkpoints after
// every pass, throws Interrupted (exit 75) after the checkpoint when a stop signal arrived, removes the
// checkpoint when done. Throws InputError for options the out-of-core path does not support.
svd::TruncatedSvd factor_out_of_core(MPI_Comm comm, const GridPtr& grid, int64_t nb, const DatasetInfo& info,
                                     const svd::SvdOptions& options, const OutOfCoreSettings& settings,
                                     OutOfCoreReport& report);

// Adds the report as attributes of /svd in the written output `path` (rank 0; collective).
void annotate_out_of_core_output(MPI_Comm comm, const std::string& path, const OutOfCoreReport& report);

}  // namespace jf::app
