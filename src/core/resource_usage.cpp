#include "core/resource_usage.hpp"

#include <fstream>
#include <string>

namespace jf {

namespace {

// A "Name:   1234 kB" line of /proc/self/status, in bytes.
int64_t status_kib_field(const std::string& name) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(name, 0) == 0) return std::stoll(line.substr(name.size())) * 1024;  // reported in kB
  }
  return 0;
}

}  // namespace

int64_t peak_rss_bytes() { return status_kib_field("VmHWM:"); }

int64_t current_rss_bytes() { return status_kib_field("VmRSS:"); }

bool reset_peak_rss() {
  std::ofstream clear_refs("/proc/self/clear_refs");
  clear_refs << "5";
  clear_refs.close();
  return clear_refs.good();
}

RankSpread spread_over_ranks(MPI_Comm comm, double value) {
  int size = 1;
  MPI_Comm_size(comm, &size);
  RankSpread spread;
  PMPI_Allreduce(&value, &spread.max, 1, MPI_DOUBLE, MPI_MAX, comm);
  PMPI_Allreduce(&value, &spread.mean, 1, MPI_DOUBLE, MPI_SUM, comm);
  spread.mean /= size;
  return spread;
}

}  // namespace jf
