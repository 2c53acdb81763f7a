#include "bench/measurement.hpp"

#include <algorithm>

namespace jf::bench {

double Measurement::best() const { return seconds.empty() ? 0.0 : *std::min_element(seconds.begin(), seconds.end()); }

double Measurement::median() const {
  if (seconds.empty()) return 0.0;
  std::vector<double> sorted = seconds;
  std::sort(sorted.begin(), sorted.end());
  const size_t half = sorted.size() / 2;
  return sorted.size() % 2 ? sorted[half] : 0.5 * (sorted[half - 1] + sorted[half]);
}

double max_over_ranks(MPI_Comm comm, double value) {
  double result = value;
  PMPI_Allreduce(&value, &result, 1, MPI_DOUBLE, MPI_MAX, comm);
  return result;
}

Measurement measure(MPI_Comm comm, int reps, const std::function<void()>& body) {
  Measurement result;
  reset_peak_rss();
  double sent_in_first = 0;
  for (int rep = 0; rep < std::max(reps, 1); ++rep) {
    PMPI_Barrier(comm);
    const int64_t sent_before = mpi_traffic().bytes_sent;
    const double start = MPI_Wtime();
    body();
    const int64_t sent_after = mpi_traffic().bytes_sent;
    PMPI_Barrier(comm);  // the repetition ends when the slowest rank is done
    const double elapsed = MPI_Wtime() - start;
    if (rep == 0) sent_in_first = static_cast<double>(sent_after - sent_before);
    result.seconds.push_back(max_over_ranks(comm, elapsed));
  }
  result.peak_rss_bytes = spread_over_ranks(comm, static_cast<double>(peak_rss_bytes()));
  result.bytes_sent = spread_over_ranks(comm, sent_in_first);
  return result;
}

}  // namespace jf::bench
