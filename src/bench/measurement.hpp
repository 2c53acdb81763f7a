#pragma once
// Timing one benchmark subject the same way everywhere: every repetition starts and ends with a barrier,
// its time is the slowest rank's, and the subject's own traffic (bytes this rank handed to MPI) and the
// peak memory over all repetitions are recorded per rank, then summarised over the ranks.
#include <mpi.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "app/mpi_traffic.hpp"
#include "core/resource_usage.hpp"

namespace jf::bench {

struct Measurement {
  std::vector<double> seconds;  // one per repetition, max over ranks
  RankSpread peak_rss_bytes;    // VmHWM over the repetitions (the peak is restarted before the first)
  RankSpread bytes_sent;        // MPI payload bytes sent in one repetition (the first)
  double best() const;
  double median() const;
};

// Collective over comm. `body` runs `reps` times (at least once) on every rank.
Measurement measure(MPI_Comm comm, int reps, const std::function<void()>& body);

// Max over the ranks of comm (PMPI, so the bench's own bookkeeping is not counted as traffic).
double max_over_ranks(MPI_Comm comm, double value);

}  // namespace jf::bench
