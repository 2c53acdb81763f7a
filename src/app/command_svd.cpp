// `jointfact svd`: the truncated SVD stage on a matrix file, written to /svd/U, /svd/S, /svd/V with the
// quality figures as attributes on /svd.
#include <algorithm>
#include <chrono>
#include <memory>

#include "jointfact/app/command.hpp"
#include "jointfact/app/common_options.hpp"
#include "jointfact/app/svd_out_of_core.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/core/log.hpp"
#include "jointfact/core/progress.hpp"
#include "jointfact/io/matrix_io.hpp"
#include "jointfact/io/output_file.hpp"
#include "jointfact/svd/truncated_svd.hpp"

namespace jf::app {
namespace {

struct SvdCommandOptions {
  std::string input;
  std::string output;
  int64_t rank = 0;
  double tol = 0;
  double residual_tol = 0;
  std::string method = "randomized";
  int64_t oversample = 10;
  int64_t power_iters = 2;
  uint64_t seed = 1;
  CommonOptions common;
  OutOfCoreSettings out_of_core;
  CLI::Option* rank_option = nullptr;
  CLI::Option* tol_option = nullptr;
};

// Checks that need only the command line and the dataset's shape, before the matrix is read.
void validate(const SvdCommandOptions& options, const DatasetInfo& info) {
  const bool has_rank = options.rank_option->count() > 0, has_tol = options.tol_option->count() > 0;
  if (!has_rank && !has_tol) throw InputError("give --rank K or --tol E");
  if (has_tol && !(options.tol > 0 && options.tol < 1)) {
    throw InputError("--tol " + format_number("%g", options.tol) +
                     " must be in (0, 1): it bounds ||A - U S V^T||_F / ||A||_F");
  }
  if (has_rank && info.shape.size() == 2) {
    const int64_t max_rank = std::min(info.shape[0], info.shape[1]);
    if (options.rank < 1 || options.rank > max_rank) {
      throw InputError("--rank " + std::to_string(options.rank) + " must be between 1 and min(m, n) = " +
                       std::to_string(max_rank) + " for " + info.dataset + " (" + std::to_string(info.shape[0]) +
                       " x " + std::to_string(info.shape[1]) + ")");
    }
  }
}

svd::SvdOptions library_options(const SvdCommandOptions& options, MPI_Comm comm) {
  svd::SvdOptions svd_options;
  svd_options.method = svd::parse_method(options.method).value_or(svd::Method::Randomized);
  svd_options.rank = options.tol_option->count() > 0 ? 0 : options.rank;
  svd_options.tol = options.tol_option->count() > 0 ? options.tol : 0.0;
  svd_options.oversample = options.oversample;
  svd_options.power_iters = options.power_iters;
  svd_options.residual_tol = options.residual_tol;
  svd_options.seed = options.seed;
  svd_options.progress = [comm](const std::string& message) { log_progress(comm, "svd: " + message); };
  return svd_options;
}

void write_result(MPI_Comm comm, const SvdCommandOptions& options, const DatasetInfo& info,
                  const svd::TruncatedSvd& result) {
  const int64_t k = static_cast<int64_t>(result.s.size());
  OutputFile out(comm, options.output);
  out.write_matrix("/svd/U", result.u);
  out.write_replicated("/svd/S", result.s, {k});
  out.write_matrix("/svd/V", result.v);
  out.write_replicated("/svd/residuals", result.residuals, {k});  // ||A v_i - s_i u_i|| / s_1
  out.set_attribute("/svd", "residual_tol", options.residual_tol);
  out.set_attribute("/svd", "method", options.method);
  out.set_attribute("/svd", "k", k);
  const bool exact = options.method != "randomized";
  out.set_attribute("/svd", "p", exact ? int64_t{0} : result.basis_columns - k);
  out.set_attribute("/svd", "q", exact ? int64_t{0} : options.power_iters);
  out.set_attribute("/svd", "tol", options.tol_option->count() > 0 ? options.tol : 0.0);
  out.set_attribute("/svd", "residual", result.quality.residual);
  out.set_attribute("/svd", "orthogonality_u", result.quality.orthogonality_u);
  out.set_attribute("/svd", "orthogonality_v", result.quality.orthogonality_v);
  out.set_attribute("/svd", "tail_energy", result.quality.tail_energy);
  out.set_attribute("/svd", "seed", static_cast<int64_t>(options.seed));
  out.set_attribute("/svd", "input", info.file + ":" + info.dataset);
  out.commit();
}

void print_summary(MPI_Comm comm, const svd::TruncatedSvd& result, const std::string& output) {
  std::string top;
  for (size_t i = 0; i < std::min<size_t>(5, result.s.size()); ++i)
    top += (i ? " " : "") + format_number("%.10g", result.s[i]);
  if (result.s.size() > 5) top += " ...";
  print_result(comm, "k:               " + std::to_string(result.s.size()));
  print_result(comm, "singular values: " + top);
  print_result(comm,
               "residual:        " + format_number("%.3e", result.quality.residual) + "  (||A V - U S||_F / ||A||_F)");
  print_result(comm,
               "orthogonality:   " +
                   format_number("%.3e", std::max(result.quality.orthogonality_u, result.quality.orthogonality_v)) +
                   "  (max |U^T U - I|, |V^T V - I|)");
  if (!result.residuals.empty()) {
    print_result(comm, "worst residual:  " +
                           format_number("%.3e", *std::max_element(result.residuals.begin(), result.residuals.end())) +
                           "  (max_i ||A v_i - s_i u_i|| / s_1)");
  }
  print_result(comm, "tail energy:     " + format_number("%.3e", result.quality.tail_energy) +
                         "  (estimated ||A - U S V^T||_F / ||A||_F)");
  print_result(comm, "output:          " + output);
}

std::string describe_task(const svd::SvdOptions& svd_options, const std::string& method, const DistMatrix& a) {
  const std::string target = svd_options.tol > 0 ? "to tolerance " + format_number("%g", svd_options.tol)
                                                 : "rank " + std::to_string(svd_options.rank);
  return method + " " + target + " of a " + std::to_string(a.rows()) + " x " + std::to_string(a.cols()) +
         " matrix on grid " + a.grid().describe() + ", block " + std::to_string(a.row_block());
}

int run_svd(MPI_Comm comm, const SvdCommandOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  GridPtr grid = make_grid_from(comm, options.common);
  const DatasetInfo info = inspect_dataset(comm, DatasetPath::parse(options.input), 2);
  validate(options, info);
  require_writable_output(comm, options.output, {info.file});
  if (choose_out_of_core(comm, options.out_of_core, info, library_options(options, comm))) {
    OutOfCoreSettings settings = options.out_of_core;
    settings.checkpoint_dir = options.common.checkpoint_dir;
    if (settings.checkpoint_dir.empty()) settings.checkpoint_dir = options.output + ".ckpt";
    const GridPtr ooc_grid = options.common.grid.empty() ? out_of_core_default_grid(comm) : grid;
    OutOfCoreReport report;
    const svd::TruncatedSvd result = factor_out_of_core(comm, ooc_grid, options.common.block, info,
                                                        library_options(options, comm), settings, report);
    write_result(comm, options, info, result);
    annotate_out_of_core_output(comm, options.output, report);
    print_summary(comm, result, options.output);
    return 0;
  }
  log_progress(comm, "svd: reading " + info.file + ":" + info.dataset);
  ReadOptions read;
  read.block = options.common.block;
  DistMatrix a = read_matrix(grid, info, read);
  const svd::SvdOptions svd_options = library_options(options, comm);
  log_progress(comm, "svd: " + describe_task(svd_options, options.method, a));
  const auto factor_start = std::chrono::steady_clock::now();
  const svd::TruncatedSvd result = svd::truncated_svd(a, svd_options);
  log_progress(comm, "svd: factored in " + format_number("%.2f", seconds_since(factor_start)) + " s (k = " +
                         std::to_string(result.s.size()) + ", basis " + std::to_string(result.basis_columns) + ")");
  a = DistMatrix();  // the input is no longer needed while writing
  write_result(comm, options, info, result);
  log_progress(comm, "svd: done in " + format_number("%.2f", seconds_since(start)) + " s, wrote " + options.output);
  print_summary(comm, result, options.output);
  return 0;
}

}  // namespace

RegisteredCommand register_svd_command(CLI::App& app) {
  auto options = std::make_shared<SvdCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "svd", "truncated SVD A ~ U diag(S) V^T of rank K (or to a relative tolerance E); writes /svd/U (m,k), "
             "/svd/S (k,), /svd/V (n,k) with quality attributes on /svd");
  add_input_option(*command, options->input);
  add_output_option(*command, options->output, "the input");
  options->rank_option = command->add_option("--rank", options->rank, "rank K of the truncated SVD");
  options->tol_option = command->add_option(
      "--tol", options->tol, "relative tolerance E in (0, 1): the smallest K with ||A - U S V^T||_F <= E ||A||_F");
  options->rank_option->excludes(options->tol_option);
  command->add_option("--method", options->method,
                      "randomized (Halko-Martinsson-Tropp) | exact (pdgebrd + divide-and-conquer, like LAPACK "
                      "dgesdd) | pdgesvd (ScaLAPACK pdgesvd, the slower exact reference)")
      ->check(CLI::IsMember({"randomized", "exact", "pdgesvd"}))
      ->capture_default_str();
  command->add_option("--oversample", options->oversample, "P: the randomized basis has K + P columns")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command->add_option("--power-iters", options->power_iters, "Q: power iterations (QR after every product)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command->add_option("--residual-tol", options->residual_tol,
                      "T in (0, 1), with --rank: iterate until ||A v_i - s_i u_i|| <= T ||A|| for every triplet")
      ->check(CLI::Range(0.0, 1.0));
  command->add_option("--seed", options->seed, "seed of the random test matrix (same seed = same result on any grid)")
      ->capture_default_str();
  add_common_options(*command, options->common);
  command->add_flag("--out-of-core", options->out_of_core.requested,
                    "stream A from the file in panels (chosen automatically when A does not fit in memory)");
  command->add_option("--panel-mb", options->out_of_core.panel_mb, "out of core: panel buffer per rank, MiB")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 30))
      ->capture_default_str();
  command->add_option("--passes", options->out_of_core.passes, "out of core: passes over the file (0 = 2Q + 2)")
      ->check(CLI::NonNegativeNumber);
  return {command, [options](MPI_Comm comm) { return run_svd(comm, *options); }};
}

}  // namespace jf::app
