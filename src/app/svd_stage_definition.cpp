#include "app/svd_stage_definition.hpp"

#include <algorithm>

#include "distributed/small_matrix.hpp"
#include "io/attribute_reader.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/core/log.hpp"
#include "jointfact/svd/converged_svd.hpp"
#include "jointfact/io/matrix_io.hpp"

namespace jf::app {

std::string toml_setting_name(const std::string& key) { return "[svd] " + key; }

void validate_svd_settings(const SvdStageSettings& settings, const SettingName& name_of) {
  if (settings.rank_given == settings.tol_given) {
    throw InputError("give " + name_of("rank") + " K or " + name_of("tol") + " E (exactly one)");
  }
  if (settings.rank_given && settings.rank < 1) {
    throw InputError(name_of("rank") + " " + std::to_string(settings.rank) + " must be at least 1");
  }
  if (settings.tol_given && !(settings.tol > 0 && settings.tol < 1)) {
    throw InputError(name_of("tol") + " " + format_number("%g", settings.tol) +
                     " must be in (0, 1): it bounds ||A - U S V^T||_F / ||A||_F");
  }
  if (!svd::parse_method(settings.method)) {
    throw InputError(name_of("method") + " must be randomized, exact or pdgesvd, not '" + settings.method + "'");
  }
  if (settings.oversample < 0) throw InputError(name_of("oversample") + " must be >= 0");
  if (settings.power_iters < 0) throw InputError(name_of("power_iters") + " must be >= 0");
  if (settings.panel_mb < 1 || settings.panel_mb > (int64_t{1} << 30)) {
    throw InputError(name_of("panel_mb") + " " + std::to_string(settings.panel_mb) + " must be in [1, 2^30] MiB");
  }
  const int64_t all = 2 * settings.power_iters + 2;
  const int64_t passes = settings.passes;
  if (passes != 0 && passes != 1 && passes != all && passes != all + 1) {
    throw InputError(name_of("passes") + " " + std::to_string(passes) + " must be 0 (all), 1 (one-pass sketch), " +
                     std::to_string(all) + " (2q + 2, no residual pass) or " + std::to_string(all + 1) +
                     " (2q + 3) with " + std::to_string(settings.power_iters) + " power iterations");
  }
  if (passes != 0 && settings.tol_given) {
    throw InputError(name_of("passes") + " needs " + name_of("rank") + ": with " + name_of("tol") +
                     " the number of passes depends on the basis it grows");
  }
}

void bind_svd_cli(CLI::App& command, SvdStageSettings& settings) {
  CLI::Option* rank = command.add_option_function<int64_t>(
      "--rank",
      [&settings](const int64_t& k) {
        settings.rank = k;
        settings.rank_given = true;
      },
      "rank K of the truncated SVD");
  CLI::Option* tol = command.add_option_function<double>(
      "--tol",
      [&settings](const double& e) {
        settings.tol = e;
        settings.tol_given = true;
      },
      "relative tolerance E in (0, 1): the smallest K with ||A - U S V^T||_F <= E ||A||_F");
  rank->excludes(tol);
  command
      .add_option("--method", settings.method,
                  "randomized (Halko-Martinsson-Tropp) | exact (pdgebrd + divide-and-conquer, like LAPACK "
                  "dgesdd) | pdgesvd (ScaLAPACK pdgesvd, the slower exact reference)")
      ->check(CLI::IsMember({"randomized", "exact", "pdgesvd"}))
      ->capture_default_str();
  command.add_option("--oversample", settings.oversample, "P: the randomized basis has K + P columns")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command.add_option("--power-iters", settings.power_iters, "Q: power iterations (QR after every product)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command
      .add_option("--residual-tol", settings.residual_tol,
                  "T in (0, 1), with --rank: iterate until ||A v_i - s_i u_i|| <= T ||A|| for every triplet")
      ->check(CLI::Range(0.0, 1.0));
  command.add_option("--seed", settings.seed, "seed of the random test matrix (same seed = same result on any grid)")
      ->capture_default_str();
  command.add_flag("--out-of-core", settings.out_of_core,
                   "stream A from the file in panels (chosen automatically when A does not fit in memory)");
  command.add_option("--panel-mb", settings.panel_mb, "out of core: tile buffers per rank, MiB")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 30))
      ->capture_default_str();
  command
      .add_option("--passes", settings.passes,
                  "out of core: passes over the file: 0 = all (2Q + 3: 2Q + 2 products and one for the residuals), "
                  "2Q + 2 = without the residual pass, 1 = one-pass sketch")
      ->check(CLI::NonNegativeNumber);
}

std::vector<KeySpec> svd_config_keys() {
  return {
      {"svd", "rank", KeyType::Integer, "k"},
      {"svd", "tol", KeyType::Float, "relative tolerance instead of rank"},
      {"svd", "method", KeyType::String, "randomized | exact | pdgesvd"},
      {"svd", "oversample", KeyType::Integer, "p"},
      {"svd", "power_iters", KeyType::Integer, "q"},
      {"svd", "residual_tol", KeyType::Float, "with rank: iterate until every ||A v_i - s_i u_i|| <= T ||A||"},
      {"svd", "seed", KeyType::Integer, "seed of the random test matrix"},
      {"svd", "out_of_core", KeyType::Boolean, "stream A from its file (else chosen when A does not fit)"},
      {"svd", "panel_mb", KeyType::Integer, "out of core: tile buffers per rank, MiB"},
      {"svd", "passes", KeyType::Integer, "out of core: 0 = all (2q + 3), 2q + 2 = no residual pass, 1 = one pass"},
  };
}

SvdStageSettings svd_settings_from_config(const RunConfig& config) {
  SvdStageSettings settings;
  settings.method = config.get_string("svd", "method").value_or(settings.method);
  if (const auto rank = config.get_int("svd", "rank")) {
    settings.rank = *rank;
    settings.rank_given = true;
  }
  if (const auto tol = config.get_float("svd", "tol")) {
    settings.tol = *tol;
    settings.tol_given = true;
  }
  settings.oversample = config.get_int("svd", "oversample").value_or(settings.oversample);
  settings.power_iters = config.get_int("svd", "power_iters").value_or(settings.power_iters);
  settings.residual_tol = config.get_float("svd", "residual_tol").value_or(settings.residual_tol);
  settings.seed = static_cast<uint64_t>(config.get_int("svd", "seed").value_or(static_cast<int64_t>(settings.seed)));
  settings.out_of_core = config.get_bool("svd", "out_of_core").value_or(settings.out_of_core);
  settings.panel_mb = config.get_int("svd", "panel_mb").value_or(settings.panel_mb);
  settings.passes = config.get_int("svd", "passes").value_or(settings.passes);
  validate_svd_settings(settings, toml_setting_name);
  return settings;
}

svd::SvdOptions svd_library_options(const SvdStageSettings& settings) {
  svd::SvdOptions options;
  options.method = svd::parse_method(settings.method).value_or(svd::Method::Randomized);
  options.rank = settings.rank_given ? settings.rank : 0;
  options.tol = settings.tol_given ? settings.tol : 0.0;
  options.oversample = settings.oversample;
  options.power_iters = settings.power_iters;
  options.residual_tol = settings.residual_tol;
  options.seed = settings.seed;
  return options;
}

MemoryEstimate svd_stage_memory(const Grid& grid, int64_t m, int64_t n, int64_t nb, const SvdStageSettings& settings) {
  if (settings.residual_tol > 0) return svd::converged_svd_memory(grid, m, n, nb, svd_library_options(settings));
  return svd_memory(grid, m, n, nb, settings.rank + settings.oversample, settings.method != "randomized");
}

svd::OutOfCoreOptions out_of_core_library_options(const SvdStageSettings& settings) {
  svd::OutOfCoreOptions options;
  options.panel_bytes = settings.panel_mb << 20;
  options.residual_pass = settings.passes != 2 * settings.power_iters + 2;
  return options;
}

void write_svd_result(OutputFile& out, const svd::TruncatedSvd& result, const SvdStageSettings& settings,
                      const std::string& input) {
  const int64_t k = static_cast<int64_t>(result.s.size());
  out.write_matrix("/svd/U", result.u);
  out.write_replicated("/svd/S", result.s, {k});
  out.write_matrix("/svd/V", result.v);
  // ||A v_i - s_i u_i|| / s_1 per triplet
  if (!result.residuals.empty()) out.write_replicated("/svd/residuals", result.residuals, {k});
  out.set_attribute("/svd", "residual_tol", settings.residual_tol);
  const bool exact = settings.method != "randomized";
  out.set_attribute("/svd", "method", settings.method);
  out.set_attribute("/svd", "k", k);
  out.set_attribute("/svd", "p", exact ? int64_t{0} : result.basis_columns - k);
  out.set_attribute("/svd", "q", exact ? int64_t{0} : settings.power_iters);
  out.set_attribute("/svd", "tol", settings.tol_given ? settings.tol : 0.0);
  out.set_attribute("/svd", "residual", result.quality.residual);
  out.set_attribute("/svd", "orthogonality_u", result.quality.orthogonality_u);
  out.set_attribute("/svd", "orthogonality_v", result.quality.orthogonality_v);
  out.set_attribute("/svd", "tail_energy", result.quality.tail_energy);
  out.set_attribute("/svd", "seed", static_cast<int64_t>(settings.seed));
  out.set_attribute("/svd", "input", input);
}

svd::TruncatedSvd read_svd_result(MPI_Comm comm, const GridPtr& grid, const std::string& path, int64_t block) {
  ReadOptions read;
  read.block = block;
  svd::TruncatedSvd result;
  result.u = read_matrix(grid, DatasetPath{path, "/svd/U"}, read);
  result.v = read_matrix(grid, DatasetPath{path, "/svd/V"}, read);
  result.s = replicate_small_vector(read_vector(grid, DatasetPath{path, "/svd/S"}, read));
  try {  // written by write_svd_result since per-triplet residuals exist; absent from older checkpoints
    result.residuals = replicate_small_vector(read_vector(grid, DatasetPath{path, "/svd/residuals"}, read));
  } catch (const InputError&) {
    result.residuals.clear();  // every rank alike: the dataset's absence is decided collectively
  }
  auto attribute = [&](const char* name) { return read_double_attribute(comm, path, "/svd", name).value_or(0); };
  // The basis width is not stored, only p = l - k; the report and /svd need it back.
  result.basis_columns = static_cast<int64_t>(result.s.size()) + static_cast<int64_t>(attribute("p"));
  result.quality = {attribute("residual"), attribute("orthogonality_u"), attribute("orthogonality_v"),
                    attribute("tail_energy")};
  return result;
}

}  // namespace jf::app
