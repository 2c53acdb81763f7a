#include "app/sparse_stage_definition.hpp"

#include "jointfact/core/error.hpp"
#include "jointfact/sparse/butterfly_tree.hpp"
#include "sparse/butterfly_output.hpp"
#include "sparse/fsmf_output.hpp"
#include "sparse/support_io.hpp"

namespace jf::app {

void validate_fsmf_settings(const FsmfStageSettings& settings, const SettingName& name_of) {
  if (settings.support_x.empty() || settings.support_y.empty()) {
    throw InputError("fsmf needs " + name_of("support_x") + " and " + name_of("support_y") + " (FILE:DSET)");
  }
  if (settings.refine_iters < 0 || settings.refine_iters > 1000000000)
    throw InputError(name_of("refine_iters") + " must be between 0 and 1e9");
}

void validate_butterfly_settings(const ButterflyStageSettings& settings, const SettingName& name_of) {
  if (settings.tree != "balanced" && settings.tree != "left-to-right")
    throw InputError(name_of("tree") + " must be balanced or left-to-right, not '" + settings.tree + "'");
}

void bind_fsmf_cli(CLI::App& command, FsmfStageSettings& settings) {
  command.add_option("--support-x", settings.support_x, "FILE[:DSET]: m x r 0/1 mask (uint8, bool or float)")
      ->required();
  command.add_option("--support-y", settings.support_y, "FILE[:DSET]: n x r 0/1 mask (uint8, bool or float)")
      ->required();
  command
      .add_option("--refine-iters", settings.refine_iters,
                  "at most N alternating least-squares sweeps when supports overlap")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
}

void bind_butterfly_cli(CLI::App& command, ButterflyStageSettings& settings) {
  command.add_option("--tree", settings.tree, "balanced | left-to-right: the order in which factors are split off")
      ->check(CLI::IsMember({"balanced", "left-to-right"}))
      ->capture_default_str();
}

std::vector<KeySpec> sparse_config_keys() {
  return {
      {"sparse", "kind", KeyType::String, "none | butterfly | fsmf"},
      {"sparse", "tree", KeyType::String, "balanced | left-to-right (butterfly)"},
      {"sparse", "support_x", KeyType::String, "FILE:DSET (fsmf)"},
      {"sparse", "support_y", KeyType::String, "FILE:DSET (fsmf)"},
      {"sparse", "refine_iters", KeyType::Integer, "refinement iterations (fsmf)"},
  };
}

SparseStageSettings sparse_settings_from_config(const RunConfig& config) {
  SparseStageSettings settings;
  settings.kind = config.get_string("sparse", "kind").value_or(settings.kind);
  settings.butterfly.tree = config.get_string("sparse", "tree").value_or(settings.butterfly.tree);
  settings.fsmf.support_x = config.get_string("sparse", "support_x").value_or("");
  settings.fsmf.support_y = config.get_string("sparse", "support_y").value_or("");
  settings.fsmf.refine_iters = config.get_int("sparse", "refine_iters").value_or(settings.fsmf.refine_iters);
  const SettingName name_of = toml_setting_names("sparse");
  if (settings.kind == "butterfly") {
    validate_butterfly_settings(settings.butterfly, name_of);
  } else if (settings.kind == "fsmf") {
    validate_fsmf_settings(settings.fsmf, name_of);
  } else if (settings.kind != "none") {
    throw InputError(name_of("kind") + " must be none, butterfly or fsmf, not \"" + settings.kind + "\"");
  }
  return settings;
}

sparse::FsmfOptions fsmf_library_options(const FsmfStageSettings& settings) {
  sparse::FsmfOptions options;
  options.refine_iters = static_cast<int>(settings.refine_iters);
  return options;
}

sparse::ButterflyTree butterfly_library_tree(const ButterflyStageSettings& settings) {
  return sparse::parse_butterfly_tree(settings.tree);
}

FsmfSupportFiles inspect_fsmf_supports(MPI_Comm comm, const FsmfStageSettings& settings, int64_t m, int64_t n,
                                       const SettingName& name_of) {
  FsmfSupportFiles files{inspect_dataset(comm, DatasetPath::parse(settings.support_x), 2),
                         inspect_dataset(comm, DatasetPath::parse(settings.support_y), 2)};
  sparse::require_support_shapes(m, n, files.x, files.y, name_of("support_x"), name_of("support_y"));
  return files;
}

FsmfSupports read_fsmf_supports(const DistMatrix& input, const FsmfSupportFiles& files, const SettingName& name_of) {
  return {sparse::read_support(input.grid_ptr(), files.x, name_of("support_x"), input.row_block()),
          sparse::read_support(input.grid_ptr(), files.y, name_of("support_y"), input.col_block())};
}

void write_fsmf_result(OutputFile& out, const sparse::DistributedFsmfResult& result, const std::string& input) {
  sparse::write_fsmf(out, result);
  if (!input.empty()) out.set_attribute("/fsmf", "input", input);
}

void write_butterfly_result(OutputFile& out, const sparse::ButterflyFactorization& result, const std::string& input) {
  sparse::write_butterfly(out, result);
  if (!input.empty()) out.set_attribute("/butterfly", "input", input);
}

}  // namespace jf::app
