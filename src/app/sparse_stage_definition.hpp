#pragma once
// The sparse stages, defined once: fsmf (fixed-support factorization) and butterfly, each with its settings,
// their defaults and checks, their command-line options (`jointfact fsmf`, `jointfact butterfly`), their TOML
// keys (`jointfact run`'s [sparse] table, whose `kind` picks one), the library's options, and the writer of
// the /fsmf and /butterfly result groups. The run recomputes the sparse stage on resume (its inputs are at
// hand), so there is no reader. Adding a setting: a field of FsmfStageSettings or ButterflyStageSettings plus
// its lines in sparse_stage_definition.cpp (CLI, TOML key, check, library option).
#include <mpi.h>

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "app/run_config.hpp"
#include "app/setting_name.hpp"
#include "jointfact/io/dataset_path.hpp"
#include "jointfact/io/output_file.hpp"
#include "jointfact/sparse/butterfly_factorize.hpp"
#include "jointfact/sparse/distributed_fsmf.hpp"
#include "jointfact/sparse/fsmf.hpp"
#include "jointfact/sparse/support_classes.hpp"

namespace jf::app {

struct FsmfStageSettings {
  std::string support_x;                                      // FILE[:DSET]: m x r 0/1 mask
  std::string support_y;                                      // FILE[:DSET]: n x r 0/1 mask
  int64_t refine_iters = sparse::FsmfOptions{}.refine_iters;  // the library's default
};

struct ButterflyStageSettings {
  std::string tree = "balanced";  // balanced | left-to-right
};

// The [sparse] table: kind = none | butterfly | fsmf and the chosen kind's settings.
struct SparseStageSettings {
  std::string kind = "none";
  FsmfStageSettings fsmf;
  ButterflyStageSettings butterfly;
};

// Throw InputError naming the setting: both supports given, refine_iters >= 0; a known tree.
void validate_fsmf_settings(const FsmfStageSettings& settings, const SettingName& name_of);
void validate_butterfly_settings(const ButterflyStageSettings& settings, const SettingName& name_of);

// `jointfact fsmf`'s and `jointfact butterfly`'s options, bound to `settings`.
void bind_fsmf_cli(CLI::App& command, FsmfStageSettings& settings);
void bind_butterfly_cli(CLI::App& command, ButterflyStageSettings& settings);
// The [sparse] keys of the run configuration's schema.
std::vector<KeySpec> sparse_config_keys();
// [sparse] of a run configuration, validated for its kind.
SparseStageSettings sparse_settings_from_config(const RunConfig& config);

// The library's options and tree for these settings.
sparse::FsmfOptions fsmf_library_options(const FsmfStageSettings& settings);
sparse::ButterflyTree butterfly_library_tree(const ButterflyStageSettings& settings);

// The supports the settings name, inspected and checked against A's shape (m x n) before anything is read;
// `name_of` words the messages about them.
struct FsmfSupportFiles {
  DatasetInfo x, y;
};
FsmfSupportFiles inspect_fsmf_supports(MPI_Comm comm, const FsmfStageSettings& settings, int64_t m, int64_t n,
                                       const SettingName& name_of);
// Reads them (collective; each rank its block-cyclic part, on the input's grid).
struct FsmfSupports {
  DistMatrix x, y;
};
FsmfSupports read_fsmf_supports(const DistMatrix& input, const FsmfSupportFiles& files, const SettingName& name_of);

// /fsmf/X, /fsmf/Y, /fsmf/history and the attributes of /fsmf (fsmf_output.hpp), X and Y written from their
// distributed parts; plus `input` when not empty.
void write_fsmf_result(OutputFile& out, const sparse::DistributedFsmfResult& result, const std::string& input);
// /butterfly/F1 ... FJ and the attributes of /butterfly (butterfly_output.hpp); plus `input` when not empty.
void write_butterfly_result(OutputFile& out, const sparse::ButterflyFactorization& result, const std::string& input);

}  // namespace jf::app
