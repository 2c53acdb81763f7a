#pragma once
// The svd stage, defined once: its settings with their defaults and checks, their command-line options
// (`jointfact svd`) and TOML keys (`jointfact run`'s [svd] table), and the /svd result group's writer and
// reader (the output file and the run's checkpoint alike). `jointfact svd` and `jointfact run` both call this.
// Adding a setting: a field of SvdStageSettings plus its lines in svd_stage_definition.cpp (CLI, TOML key,
// check, library option) and, if it is recorded, in the writer.
#include <mpi.h>

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "app/run_config.hpp"
#include "app/setting_name.hpp"
#include "jointfact/core/memory_estimate.hpp"
#include "jointfact/io/output_file.hpp"
#include "jointfact/svd/out_of_core_svd.hpp"
#include "jointfact/svd/truncated_svd.hpp"

namespace jf::app {

struct SvdStageSettings {
  std::string method = "randomized";  // randomized | exact | pdgesvd
  int64_t rank = 0;                   // k, when rank_given
  double tol = 0;                     // relative tolerance of the fixed-accuracy mode, when tol_given
  bool rank_given = false;
  bool tol_given = false;
  // The library's defaults, not a second copy of them.
  int64_t oversample = svd::SvdOptions{}.oversample;    // p
  int64_t power_iters = svd::SvdOptions{}.power_iters;  // q
  uint64_t seed = svd::SvdOptions{}.seed;
  double residual_tol = 0;  // with rank: iterate until every ||A v_i - s_i u_i|| <= T ||A|| (0 = off)
  // Out of core: A streamed from its file (svd_out_of_core.hpp); asked for, or chosen when A does not fit.
  bool out_of_core = false;
  int64_t panel_mb = 256;  // tile buffers per rank, MiB
  int64_t passes = 0;      // 0: all (2q + 3 with the residual pass); 2q + 2: no residual pass; 1: one-pass sketch
};

// "[svd] power_iters" (setting_name.hpp has the command line's names).
std::string toml_setting_name(const std::string& key);

// Throws InputError naming the setting: exactly one of rank and tol, tol in (0, 1), a known method,
// oversample and power_iters >= 0, panel_mb >= 1, passes 0, 1, 2q + 2 or 2q + 3 (0 with tol).
void validate_svd_settings(const SvdStageSettings& settings, const SettingName& name_of);

// `jointfact svd`'s options, bound to `settings`.
void bind_svd_cli(CLI::App& command, SvdStageSettings& settings);
// The [svd] keys of the run configuration's schema.
std::vector<KeySpec> svd_config_keys();
// [svd] of a run configuration, validated.
SvdStageSettings svd_settings_from_config(const RunConfig& config);

// The library's options for these settings (no progress callback).
svd::SvdOptions svd_library_options(const SvdStageSettings& settings);
// The out-of-core options: panel buffer, and the residual pass unless passes = 2q + 2.
svd::OutOfCoreOptions out_of_core_library_options(const SvdStageSettings& settings);

// The in-core svd's memory beside A for an m x n input (blocks nb): the converged method's own estimate where a
// residual tolerance is set, the randomized or exact one otherwise (memory_estimate.hpp). Allocates nothing.
MemoryEstimate svd_stage_memory(const Grid& grid, int64_t m, int64_t n, int64_t nb, const SvdStageSettings& settings);

// Writes /svd/U (m,k), /svd/S (k,), /svd/V (n,k) and the attributes method, k, p, q (power iterations of the
// randomized method, 0 for the exact ones), tol (0 = rank given), seed, input and the quality figures.
void write_svd_result(OutputFile& out, const svd::TruncatedSvd& result, const SvdStageSettings& settings,
                      const std::string& input);
// Reads what write_svd_result wrote in `path`, on `grid` with square blocks of `block`.
svd::TruncatedSvd read_svd_result(MPI_Comm comm, const GridPtr& grid, const std::string& path, int64_t block);

}  // namespace jf::app
