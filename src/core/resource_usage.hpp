#pragma once
// What a rank used: peak resident memory (VmHWM from /proc/self/status), and a max/mean over ranks for
// reports. The MPI bytes a rank sent are counted by the application only (src/app/mpi_traffic.hpp):
// the library defines no MPI entry points.
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

// Max and sum over the ranks of comm, for reports (collective).
struct RankSpread {
  double max = 0, mean = 0;
};
RankSpread spread_over_ranks(MPI_Comm comm, double value);

}  // namespace jf
