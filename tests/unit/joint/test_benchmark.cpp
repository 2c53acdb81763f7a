// Hidden benchmark (run by hand: test_joint "[benchmark]"): the time of one joint iteration against the
// two thin GEMMs W R and W^T L it cannot avoid, measured in the same run, and the peak memory a solve
// adds on top of W (it must stay far below W's share: no m x n temporaries). Size via JF_BENCH_M/N/K.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "distributed/counter_random.hpp"
#include "joint/gradient_objective.hpp"
#include "joint/rowsum_objective.hpp"
#include "joint/thin_algebra.hpp"
#include "joint_test_support.hpp"
#include "jointfact/distributed/pblas.hpp"

using namespace jf;
using namespace jf::joint;

namespace {

int64_t env_or(const char* name, int64_t fallback) {
  const char* value = std::getenv(name);
  return value ? std::atoll(value) : fallback;
}

double peak_rss_mib() {  // VmHWM of this rank
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::atof(line.c_str() + 6) / 1024.0;
  return 0;
}

double max_over_ranks(double value) {
  MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return value;
}

template <class F>
double seconds(F&& f) {
  MPI_Barrier(MPI_COMM_WORLD);
  const auto start = std::chrono::steady_clock::now();
  f();
  MPI_Barrier(MPI_COMM_WORLD);
  return max_over_ranks(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

// Seconds per iteration: the difference between solves of `iterations + 1` and 1 iterations.
double seconds_per_iteration(const AlternatingSolver& solver, const Factors& start, double lambda, int iterations) {
  PenaltyOptions options;
  options.lambda = lambda;
  options.tol = 0;
  options.stall_tolerance = 1e300;  // timing only
  options.max_iterations = 1;
  const double one = seconds([&] { solver.solve(start, options); });
  options.max_iterations = iterations + 1;
  const double many = seconds([&] { solver.solve(start, options); });
  return (many - one) / iterations;
}

}  // namespace

TEST_CASE("benchmark: joint iteration time vs the two thin GEMMs, and peak memory", "[.][benchmark]") {
  const int64_t m = env_or("JF_BENCH_M", 4000), n = env_or("JF_BENCH_N", 3000), k = env_or("JF_BENCH_K", 50);
  auto grid = make_grid(MPI_COMM_WORLD);
  const LowRankProblem data = make_lowrank(grid, m, n, 20, 0.5, 1);
  Factors start{DistMatrix(grid, m, k), DistMatrix(grid, n, k)};
  fill_normal(start.l, 2, kStreamUser + 30);
  fill_normal(start.r, 2, kStreamUser + 31);
  const double w_norm_squared = squared_norm(data.w);
  const double rss_with_w = max_over_ranks(peak_rss_mib());

  DistMatrix w_r = start.l.like(), w_t_l = start.r.like();
  const int repeats = 5;
  const double gemms = seconds([&] {
                         for (int i = 0; i < repeats; ++i) {
                           gemm(Op::None, Op::None, 1.0, data.w, start.r, 0.0, w_r);
                           gemm(Op::Trans, Op::None, 1.0, data.w, start.l, 0.0, w_t_l);
                         }
                       }) /
                       repeats;
  const double gemm_gflops = 2.0 * 2.0 * m * n * k / gemms / 1e9;
  const double rss_after_gemms = max_over_ranks(peak_rss_mib());

  const RowsumObjective rowsum(data.targets, m, n);
  const AlternatingSolver rowsum_solver(JointProblem{data.w, rowsum, w_norm_squared});
  const double rowsum_iteration = seconds_per_iteration(rowsum_solver, start, 1.0, 4);
  const double rss_after_rowsum = max_over_ranks(peak_rss_mib());

  const AlternatingSolver smooth_solver(JointProblem{data.w, rowsum, w_norm_squared, 1.0, 1.0, true});
  const Factors nonneg_start{filled_like(start.l, 0.1), filled_like(start.r, 0.1)};
  const double smooth_nonneg_iteration = seconds_per_iteration(smooth_solver, nonneg_start, 1.0, 2);

  DistMatrix g = data.w.like();
  fill_normal(g, 3, kStreamUser + 32);
  const GradientObjective gradient(data.w, std::move(g), std::nullopt);
  const AlternatingSolver gradient_solver(JointProblem{data.w, gradient, w_norm_squared});
  const double gradient_iteration = seconds_per_iteration(gradient_solver, start, 1.0, 4);

  if (test::world_rank() == 0) {
    const double w_share_mib = 8.0 * m * n / test::world_size() / 1048576.0;
    std::printf("benchmark %lld x %lld, k = %lld, %d ranks (grid %s)\n", static_cast<long long>(m),
                static_cast<long long>(n), static_cast<long long>(k), test::world_size(), grid->describe().c_str());
    std::printf("  W R + W^T L (two thin GEMMs):         %.4f s  (%.2f GFLOP/s)\n", gemms, gemm_gflops);
    std::printf("  rowsum iteration:                     %.4f s  = %.2f x the two GEMMs\n", rowsum_iteration,
                rowsum_iteration / gemms);
    std::printf("  rowsum + smoothness + nonneg:         %.4f s  = %.2f x\n", smooth_nonneg_iteration,
                smooth_nonneg_iteration / gemms);
    std::printf("  gradient (G R, G^T L too) iteration:  %.4f s  = %.2f x\n", gradient_iteration,
                gradient_iteration / gemms);
    std::printf(
        "  peak RSS/rank: %.1f MiB with W (W's share %.1f MiB), %.1f after the GEMMs alone, %.1f after the"
        " rowsum solves (+%.1f over the GEMMs)\n",
        rss_with_w, w_share_mib, rss_after_gemms, rss_after_rowsum, rss_after_rowsum - rss_after_gemms);
  }
  CHECK(rowsum_iteration > 0);
}
