#include "bench/joint_bench.hpp"

#include <algorithm>

#include "bench/bench_matrix.hpp"
#include "bench/dgemm_rate.hpp"
#include "bench/flop_model.hpp"
#include "joint/rowsum_objective.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/core/log.hpp"
#include "jointfact/distributed/norms.hpp"
#include "jointfact/distributed/synthetic.hpp"
#include "jointfact/joint/alternating_solver.hpp"

namespace jf::bench {

void run_joint_bench(const GridPtr& grid, const MatrixSize& size, const BenchSettings& settings, BenchPrinter& out) {
  const int64_t m = size.rows, n = size.cols, k = settings.rank;
  MPI_Comm comm = grid->comm();
  log_progress(comm, "bench joint: generating a " + size.str() + " low-rank + noise matrix and its row-sum task");
  LowRankProblem problem = make_bench_problem(grid, size, settings, "bench joint");
  const DistMatrix& w = problem.w;
  const joint::RowsumObjective objective(problem.targets, m, n);
  const double norm = frobenius_norm(w);
  // The start the stage uses (randomized SVD, untimed): the iterations then do real work.
  svd::SvdOptions svd_options;
  svd_options.rank = k;
  svd_options.seed = settings.seed;
  const joint::InitialFactors start = joint::factors_from_svd(w, svd::truncated_svd(w, svd_options), k, norm * norm);
  const joint::JointProblem joint_problem{w, objective, norm * norm};
  const joint::AlternatingSolver solver(joint_problem);
  joint::PenaltyOptions options;
  options.lambda = settings.lambda;
  options.max_iterations = settings.iterations;
  options.tol = 0;              // run every iteration
  options.closed_form = false;  // the bench times the alternating iteration, not the one-SVD closed form

  log_progress(comm, "bench joint: DGEMM rate (" + std::to_string(settings.dgemm_size) + "^3 pdgemm)");
  const DgemmRate rate = measure_dgemm_rate(grid, settings.dgemm_size, settings.block, settings.reps);
  out.row(dgemm_record(comm, "joint", rate));

  log_progress(comm,
               "bench joint: " + std::to_string(settings.iterations) + " rowsum iterations, rank " + std::to_string(k));
  int iterations = 0;
  const Measurement measurement =
      measure(comm, settings.reps, [&] { iterations = solver.solve(start.factors, options).iterations; });
  Record record = make_record("joint", "rowsum", w, measurement);
  record["k"] = k;
  record["lambda"] = settings.lambda;
  record["iterations"] = iterations;
  record["seconds_per_iteration"] = iterations > 0 ? measurement.best() / iterations : 0.0;
  add_floor(record, joint_solve_flops(m, n, k, iterations), rate.gflops, rate.local_gflops);
  out.row(record);
}

}  // namespace jf::bench
