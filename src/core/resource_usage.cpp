#include "jointfact/core/resource_usage.hpp"

#include <fstream>
#include <string>

namespace jf {

int64_t peak_rss_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6)) * 1024;  // reported in kB
  }
  return 0;
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
