#pragma once
// The bytes a rank handed to MPI for sending, as `run` and the benchmarks report them. They are counted by
// PMPI wrappers (src/app/mpi_byte_counter.cpp, the opt-in CMake target jointfact_mpi_byte_counter) that
// register themselves here when an executable links them; without them every count reads 0 and
// mpi_traffic_counted() is false. The library itself never redefines MPI entry points.
#include <cstdint>

namespace jf {

struct MpiTraffic {
  int64_t bytes_sent = 0;  // payload bytes this rank passed to send / collective calls
  int64_t calls = 0;
};

// The counter's two entry points; installed once, by the counter's static initializer.
struct MpiTrafficCounter {
  MpiTraffic (*read)() = nullptr;
  void (*reset)() = nullptr;
};
void install_mpi_traffic_counter(MpiTrafficCounter counter);

bool mpi_traffic_counted();
MpiTraffic mpi_traffic();
void reset_mpi_traffic();

// Peak memory and traffic at once, for reports that take a reading at stage boundaries.
struct UsageSnapshot {
  int64_t peak_rss_bytes = 0;
  int64_t bytes_sent = 0;
  int64_t calls = 0;
};
UsageSnapshot usage_now();

}  // namespace jf
