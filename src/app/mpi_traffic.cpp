#include "app/mpi_traffic.hpp"

#include "core/resource_usage.hpp"

namespace jf {

namespace {

// Constant-initialized, so a counter that registers during static initialization is never overwritten.
MpiTrafficCounter g_counter;

}  // namespace

void install_mpi_traffic_counter(MpiTrafficCounter counter) { g_counter = counter; }

bool mpi_traffic_counted() { return g_counter.read != nullptr; }

MpiTraffic mpi_traffic() { return g_counter.read ? g_counter.read() : MpiTraffic{}; }

void reset_mpi_traffic() {
  if (g_counter.reset) g_counter.reset();
}

UsageSnapshot usage_now() {
  const MpiTraffic traffic = mpi_traffic();
  return {peak_rss_bytes(), traffic.bytes_sent, traffic.calls};
}

}  // namespace jf
