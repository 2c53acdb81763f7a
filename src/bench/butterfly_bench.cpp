#include "bench/butterfly_bench.hpp"

#include "jointfact/core/log.hpp"
#include "jointfact/distributed/norms.hpp"
#include "jointfact/distributed/synthetic.hpp"
#include "jointfact/sparse/butterfly_tree.hpp"
#include "jointfact/sparse/distributed_butterfly.hpp"

namespace jf::bench {

void run_butterfly_bench(const GridPtr& grid, const MatrixSize& size, const BenchSettings& settings,
                         BenchPrinter& out) {
  sparse::require_butterfly_shape(size.rows, size.cols, "bench butterfly size " + size.str());
  const sparse::ButterflyTree tree = sparse::parse_butterfly_tree(settings.tree);
  MPI_Comm comm = grid->comm();
  int levels = 0;
  is_power_of_two(size.rows, levels);
  log_progress(comm, "bench butterfly: generating a " + size.str() + " product of " + std::to_string(levels) +
                         " random butterfly factors");
  const DistMatrix a = make_butterfly_product(grid, size.rows, settings.seed, settings.block);

  // One pass over the matrix: a distributed Frobenius norm (every local entry read once, one allreduce).
  double sink = 0;
  const Measurement pass = measure(comm, settings.reps, [&] { sink += frobenius_norm(a); });
  Record pass_record = make_record("butterfly", "pass", a, pass);
  out.row(pass_record);

  log_progress(comm, "bench butterfly: factorizing, tree " + settings.tree);
  double rel_error = 0;
  const Measurement measurement =
      measure(comm, settings.reps, [&] { rel_error = sparse::butterfly_factorize_distributed(a, tree).rel_error; });
  Record record = make_record("butterfly", settings.tree, a, measurement);
  record["levels"] = levels;
  record["rel_error"] = rel_error;
  // The floor here is "one pass over the matrix per level" (docs/performance.md): J passes.
  const double floor = levels * pass.best();
  record["floor_seconds"] = floor;
  record["floor_ratio"] = floor > 0 ? measurement.best() / floor : 0.0;
  out.row(record);
  (void)sink;
}

}  // namespace jf::bench
