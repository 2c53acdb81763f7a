#pragma once
// What a rank used: peak resident memory (VmHWM from /proc/self/status) and the bytes it handed to MPI
// for sending (counted by PMPI wrappers around MPI's send and collective calls, see
// src/core/mpi_byte_counter.cpp). Reported by `run` and used by the benchmarks.
#include <mpi.h>

#include <cstdint>

namespace jf {

// Peak resident set size of this process in bytes (0 where /proc is unavailable).
int64_t peak_rss_bytes();
// Current resident set size in bytes (VmRSS; 0 where /proc is unavailable).
int64_t current_rss_bytes();
// Restarts the peak at the current RSS (Linux: "5" to /proc/self/clear_refs), so a later peak_rss_bytes()
// is the peak of what ran in between. Returns false where that is not possible. Also lowers what
// getrusage()/time(1) report as the process maximum, so only benchmarks call it.
bool reset_peak_rss();

struct MpiTraffic {
  int64_t bytes_sent = 0;  // payload bytes this rank passed to send / collective calls
  int64_t calls = 0;
};

MpiTraffic mpi_traffic();
void reset_mpi_traffic();

// Both at once, for reports that take a reading at stage boundaries.
struct UsageSnapshot {
  int64_t peak_rss_bytes = 0;
  int64_t bytes_sent = 0;
  int64_t calls = 0;
};
UsageSnapshot usage_now();

// Max and sum over the ranks of comm, for reports (collective).
struct RankSpread {
  double max = 0, mean = 0;
};
RankSpread spread_over_ranks(MPI_Comm comm, double value);

}  // namespace jf
