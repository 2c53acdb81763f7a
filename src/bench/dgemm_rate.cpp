#include "bench/dgemm_rate.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "bench/flop_model.hpp"
#include "distributed/counter_random.hpp"
#include "distributed/scalapack_typed.hpp"
#include "jointfact/distributed/pblas.hpp"

namespace jf::bench {
namespace {

// Aggregate GFLOP/s of one local s x s x s dgemm per rank, all at once (s = n / P^(1/3)).
double local_dgemm_gflops(MPI_Comm comm, int64_t n, int reps) {
  int ranks = 1;
  MPI_Comm_size(comm, &ranks);
  const int s = std::max(1, static_cast<int>(std::lround(static_cast<double>(n) / std::cbrt(ranks))));
  std::vector<double> a(static_cast<size_t>(s) * s, 1.0), b(a.size(), 0.5), c(a.size(), 0.0);
  const Measurement local = measure(
      comm, reps, [&] { scalapack::local_gemm('N', 'N', s, s, s, 1.0, a.data(), s, b.data(), s, 0.0, c.data(), s); });
  return local.best() > 0 ? ranks * gemm_flops(s, s, s) / local.best() / 1e9 : 0.0;
}

}  // namespace

DgemmRate measure_dgemm_rate(const GridPtr& grid, int64_t n, int64_t block, int reps) {
  DistMatrix a(grid, n, n, block, block);
  DistMatrix b = a.like(), c = a.like();
  fill_normal(a, 1, kStreamUser + 101);
  fill_normal(b, 1, kStreamUser + 102);
  DgemmRate rate;
  rate.size = n;
  rate.grid = grid->describe();
  rate.block = block;
  rate.measurement = measure(grid->comm(), reps, [&] { gemm(Op::None, Op::None, 1.0, a, b, 0.0, c); });
  rate.seconds = rate.measurement.best();
  rate.gflops = rate.seconds > 0 ? gemm_flops(n, n, n) / rate.seconds / 1e9 : 0.0;
  rate.local_gflops = local_dgemm_gflops(grid->comm(), n, reps);
  return rate;
}

Record dgemm_record(MPI_Comm comm, const std::string& bench, const DgemmRate& rate) {
  const int64_t local_bytes = 0;  // three n x n matrices; the share column is about the subject's input
  Record record =
      make_record(comm, bench, "dgemm", rate.size, rate.size, rate.grid, rate.block, local_bytes, rate.measurement);
  add_floor(record, gemm_flops(rate.size, rate.size, rate.size), rate.gflops, rate.local_gflops);
  return record;
}

}  // namespace jf::bench
