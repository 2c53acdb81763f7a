#pragma once
// The machine's achievable rate on these ranks: a square distributed pdgemm C = A B (n x n), measured in
// the same run as the subject, so that "time / (flops / DGEMM rate)" compares like with like on a noisy
// machine. This is the "DGEMM floor" of docs/performance.md.
#include <cstdint>
#include <string>

#include "bench/bench_record.hpp"
#include "bench/measurement.hpp"
#include "jointfact/distributed/grid.hpp"

namespace jf::bench {

struct DgemmRate {
  int64_t size = 0;    // n
  double seconds = 0;  // best of the repetitions
  double gflops = 0;   // 2 n^3 / seconds / 1e9
  Measurement measurement;
  // The same work as P simultaneous local dgemm calls (one per rank, size n / P^(1/3), no communication):
  // what the cores do without PBLAS, i.e. how much of the machine the pdgemm reference itself reaches.
  double local_gflops = 0;
  std::string grid;
  int64_t block = 0;
};

// Collective over grid->comm(); n >= 1.
DgemmRate measure_dgemm_rate(const GridPtr& grid, int64_t n, int64_t block, int reps);

// The rate as a table row of benchmark `bench` (collective).
Record dgemm_record(MPI_Comm comm, const std::string& bench, const DgemmRate& rate);

}  // namespace jf::bench
