#include "jointfact/bench/dgemm_rate.hpp"

#include "jointfact/bench/flop_model.hpp"
#include "jointfact/dist/counter_random.hpp"
#include "jointfact/dist/pblas.hpp"

namespace jf::bench {

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
  return rate;
}

Record dgemm_record(MPI_Comm comm, const std::string& bench, const DgemmRate& rate) {
  const int64_t local_bytes = 0;  // three n x n matrices; the share column is about the subject's input
  Record record =
      make_record(comm, bench, "dgemm", rate.size, rate.size, rate.grid, rate.block, local_bytes, rate.measurement);
  add_floor(record, gemm_flops(rate.size, rate.size, rate.size), rate.gflops);
  return record;
}

}  // namespace jf::bench
