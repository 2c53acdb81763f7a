#include "bench/svd_bench.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "bench/bench_matrix.hpp"
#include "bench/dgemm_rate.hpp"
#include "bench/flop_model.hpp"
#include "bench/slepc_reference.hpp"
#include "distributed/fortran_int.hpp"
#include "distributed/scalapack_typed.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/core/log.hpp"
#include "jointfact/distributed/synthetic.hpp"
#include "jointfact/svd/converged_svd.hpp"
#include "jointfact/svd/truncated_svd.hpp"

namespace jf::bench {
namespace {

// max_i |s_i - reference_i| / reference_i (0 when there is no reference).
double singular_value_error(const std::vector<double>& s, const std::vector<double>& reference) {
  double error = 0;
  for (size_t i = 0; i < std::min(s.size(), reference.size()); ++i) {
    if (reference[i] > 0) error = std::max(error, std::abs(s[i] - reference[i]) / reference[i]);
  }
  return error;
}

// Times one SVD method and returns its record with the residual ||A V - U S||_F / ||A||_F of its result
// and, when an exact answer is known, the largest relative error of its singular values. `s_exact`
// receives this method's singular values when it was empty (the first exact method sets it).
template <class Method>
Record time_svd(const DistMatrix& a, const std::string& name, int reps, std::vector<double>& s_exact, Method&& method) {
  log_progress(a.grid().comm(), "bench svd: " + name + " " + std::to_string(a.rows()) + "x" + std::to_string(a.cols()));
  svd::TruncatedSvd result;
  const Measurement measurement = measure(a.grid().comm(), reps, [&] { result = method(); });
  svd::measure_quality(a, result);
  Record record = make_record("svd", name, a, measurement);
  record["k"] = static_cast<int64_t>(result.s.size());
  record["residual"] = result.quality.residual;
  if (!result.residuals.empty()) {  // per triplet, the time-to-accuracy table's measure
    record["worst_residual"] = *std::max_element(result.residuals.begin(), result.residuals.end());
  }
  if (!s_exact.empty()) record["sv_max_rel_error"] = singular_value_error(result.s, s_exact);
  if (s_exact.empty() && name != "randomized") s_exact = result.s;
  return record;
}

// The randomized SVD's 2q + 2 products with A as bare local dgemms, every rank at once on its own part of
// A (the shapes of src/distributed/thin_product.cpp: A_loc X^T, then Q^T A_loc), without communication, QRs or
// anything else: the time these cores need for the algorithm's flops. numpy's reference times the same
// products (jobs/bench_numpy_rsvd.py), so the two bound the randomized SVD's ratio against numpy.
Record time_thin_products(const DistMatrix& a, int64_t l, int64_t power_iters, int reps, const DgemmRate& rate) {
  const int m_loc = to_fortran_int(a.local_rows(), "m"), n_loc = to_fortran_int(a.local_cols(), "n");
  const int l_int = to_fortran_int(l, "l"), lld = to_fortran_int(a.lld(), "lld");
  const int64_t products = 2 * power_iters + 2;
  std::vector<double> row_space(static_cast<size_t>(l * n_loc), 1.0 / static_cast<double>(l));
  std::vector<double> column_space(static_cast<size_t>(m_loc) * l, 0.0);
  const Measurement measurement = measure(a.grid().comm(), reps, [&] {
    if (m_loc == 0 || n_loc == 0) return;
    for (int64_t product = 0; product < products; product += 2) {
      scalapack::local_gemm('N', 'T', m_loc, l_int, n_loc, 1.0, a.data(), lld, row_space.data(), l_int, 0.0,
                            column_space.data(), m_loc);
      scalapack::local_gemm('T', 'N', l_int, n_loc, m_loc, 1.0, column_space.data(), m_loc, a.data(), lld, 0.0,
                            row_space.data(), l_int);
    }
  });
  Record record = make_record("svd", "thin_products", a, measurement);
  record["l"] = l;
  record["products"] = products;
  add_floor(record, static_cast<double>(products) * gemm_flops(a.rows(), l, a.cols()), rate.gflops, rate.local_gflops);
  return record;
}

// The residual tolerances of the time-to-accuracy table, and the fixed-pass method's power iterations
// tried for them (doubling: the table shows the first that reaches each tolerance, or none).
constexpr double kAccuracyTolerances[] = {1e-2, 1e-6, 1e-10};
constexpr int64_t kPowerItersTried[] = {0, 1, 2, 4, 8, 16};

double worst_residual(const svd::TruncatedSvd& result) {
  return result.residuals.empty() ? 0.0 : *std::max_element(result.residuals.begin(), result.residuals.end());
}

// One row of the time-to-accuracy table: `method` reached (or not) worst residual <= tol in `seconds`.
Record accuracy_record(const DistMatrix& a, const std::string& method, double tol, const Measurement& measurement,
                       const svd::TruncatedSvd& result) {
  // The tolerance in the case name: the readable table has no column for it.
  Record record = make_record("svd", "to_" + format_number("%.0e", tol) + "_" + method, a, measurement);
  record["tol"] = tol;
  record["k"] = static_cast<int64_t>(result.s.size());
  record["worst_residual"] = worst_residual(result);
  record["reached"] = worst_residual(result) <= tol;
  record["basis"] = result.basis_columns;
  return record;
}

// SLEPc trlanczos asked for `tol` (its -svd_tol: its own residual measure, not ours; the row shows the worst
// residual it reached in ours) on the same matrix and number of ranks. Returns its solve time, 0 if it failed.
double slepc_row(const DistMatrix& a, SlepcReference& slepc, const BenchSettings& settings, double tol,
                 BenchPrinter& out) {
  const std::string name = "to_" + format_number("%.0e", tol) + "_slepc_trlanczos";
  const SlepcSolve solve = slepc.solve(a, settings.rank, tol, settings.reference_reps);
  if (!solve.ok) {
    out.note(name + ": " + solve.error);
    return 0.0;
  }
  Measurement measurement;
  measurement.seconds = {solve.seconds};
  measurement.peak_rss_bytes = solve.peak_rss_bytes;  // bytes_sent stays 0: not counted in SLEPc's processes
  Record record = make_record("svd", name, a, measurement);
  record["tol"] = tol;
  record["k"] = settings.rank;
  record["worst_residual"] = solve.worst_residual;
  record["reached"] = solve.worst_residual <= tol && solve.converged >= settings.rank;
  record["converged"] = solve.converged;
  out.row(record);
  return solve.seconds;
}

// For each tolerance: SLEPc trlanczos when slepc4py imports (slepc_reference.hpp; otherwise a note says
// "SLEPc: not installed"), the converged method asked for it (with speedup_vs_slepc), and the fixed-pass
// randomized method with the fewest power iterations (of kPowerItersTried) whose measured worst residual
// ||A v_i - s_i u_i|| / s_1 meets it. The exact method's time (when run) reaches every tolerance.
void time_to_accuracy(const DistMatrix& a, const BenchSettings& settings, BenchPrinter& out) {
  svd::SvdOptions options;
  options.rank = settings.rank;
  options.oversample = settings.oversample;
  options.seed = settings.seed;
  auto run = [&](const svd::SvdOptions& chosen, svd::TruncatedSvd& result) {
    return measure(a.grid().comm(), settings.reps, [&] {
      result =
          chosen.residual_tol > 0 ? svd::converged_truncated_svd(a, chosen) : svd::randomized_truncated_svd(a, chosen);
    });
  };
  // Worst residual of the fixed-pass method for each q tried (one untimed run each, measured).
  std::vector<double> fixed_pass_residual;
  for (int64_t q : kPowerItersTried) {
    svd::SvdOptions fixed = options;
    fixed.power_iters = q;
    svd::TruncatedSvd result = svd::randomized_truncated_svd(a, fixed);
    svd::measure_quality(a, result);
    fixed_pass_residual.push_back(worst_residual(result));
  }
  SlepcReference slepc(a.grid().comm(), settings.dir);
  if (!slepc.available()) out.note("SLEPc: " + slepc.reason());
  for (double tol : kAccuracyTolerances) {
    log_progress(a.grid().comm(), "bench svd: time to residual " + format_number("%.0e", tol));
    const double slepc_seconds = slepc.available() ? slepc_row(a, slepc, settings, tol, out) : 0.0;
    svd::SvdOptions target = options;
    target.residual_tol = tol;
    svd::TruncatedSvd result;
    Measurement measurement = run(target, result);
    svd::measure_quality(a, result);
    Record converged = accuracy_record(a, "converged", tol, measurement, result);
    if (slepc_seconds > 0) add_reference(converged, "slepc", slepc_seconds);
    out.row(converged);
    size_t first = 0;
    while (first < fixed_pass_residual.size() && fixed_pass_residual[first] > tol) ++first;
    svd::SvdOptions fixed = options;
    fixed.power_iters = kPowerItersTried[std::min(first, fixed_pass_residual.size() - 1)];
    measurement = run(fixed, result);
    svd::measure_quality(a, result);
    Record record = accuracy_record(a, "randomized_q" + std::to_string(fixed.power_iters), tol, measurement, result);
    record["q"] = fixed.power_iters;
    out.row(record);
    if (!record["reached"].get<bool>()) {
      out.note("to_" + format_number("%.0e", tol) +
               ": the fixed-pass method with q <= " + std::to_string(fixed.power_iters) + " stops at worst residual " +
               format_number("%.1e", record["worst_residual"].get<double>()));
    }
  }
}

}  // namespace

void run_svd_bench(const GridPtr& grid, const MatrixSize& size, const BenchSettings& settings, BenchPrinter& out) {
  const int64_t m = size.rows, n = size.cols, k = settings.rank;
  MPI_Comm comm = grid->comm();
  log_progress(comm, "bench svd: generating a " + size.str() + " low-rank + noise matrix");
  DistMatrix a = make_bench_problem(grid, size, settings, "bench svd").w;

  // The slow references first, so that the DGEMM rate and the randomized SVD are measured back to back.
  double pdgesvd_seconds = 0, exact_seconds = 0;
  std::vector<double> s_exact;  // from the first exact method that runs
  if (settings.pdgesvd_reference) {
    Record record =
        time_svd(a, "pdgesvd", settings.reference_reps, s_exact, [&] { return svd::pdgesvd_truncated_svd(a, k); });
    pdgesvd_seconds = record["seconds"].get<double>();
    out.row(record);
  }
  if (settings.exact) {
    Record record = time_svd(a, "exact", settings.reps, s_exact, [&] { return svd::exact_truncated_svd(a, k); });
    exact_seconds = record["seconds"].get<double>();
    if (pdgesvd_seconds > 0) add_reference(record, "pdgesvd", pdgesvd_seconds);
    out.row(record);
  }

  log_progress(comm, "bench svd: DGEMM rate (" + std::to_string(settings.dgemm_size) + "^3 pdgemm)");
  const DgemmRate rate = measure_dgemm_rate(grid, settings.dgemm_size, settings.block, settings.reps);
  out.row(dgemm_record(comm, "svd", rate));

  svd::SvdOptions options;
  options.rank = k;
  options.oversample = settings.oversample;
  options.power_iters = settings.power_iters;
  options.seed = settings.seed;
  Record record =
      time_svd(a, "randomized", settings.reps, s_exact, [&] { return svd::randomized_truncated_svd(a, options); });
  const int64_t l = std::min(k + settings.oversample, std::min(m, n));
  record["p"] = l - k;
  record["q"] = settings.power_iters;
  add_floor(record, randomized_svd_flops(m, n, k, l, settings.power_iters), rate.gflops, rate.local_gflops);
  if (pdgesvd_seconds > 0) add_reference(record, "pdgesvd", pdgesvd_seconds);
  if (exact_seconds > 0) add_reference(record, "exact", exact_seconds);
  out.row(record);

  Record products = time_thin_products(a, l, settings.power_iters, settings.reps, rate);
  products["share_of_randomized"] = products["seconds"].get<double>() / record["seconds"].get<double>();
  out.row(products);

  time_to_accuracy(a, settings, out);
}

}  // namespace jf::bench
