#include "jointfact/core/log.hpp"

#include <cstdio>
#include <ctime>

#include "jointfact/core/collective.hpp"
#include "jointfact/core/fault_injection.hpp"

namespace jf {
namespace {
bool g_quiet = false;
}

void set_quiet(bool quiet) { g_quiet = quiet; }
bool is_quiet() { return g_quiet; }

void log_progress(MPI_Comm comm, const std::string& message) {
  fault_point(comm, message);  // every stage's progress lines double as the test hook's points
  if (g_quiet || comm_rank(comm) != 0) return;
  const std::time_t now = std::time(nullptr);
  char stamp[16];
  std::strftime(stamp, sizeof stamp, "%H:%M:%S", std::localtime(&now));
  std::printf("[jointfact %s] %s\n", stamp, message.c_str());
  std::fflush(stdout);
}

void print_result(MPI_Comm comm, const std::string& line) {
  if (comm_rank(comm) != 0) return;
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

std::string format_number(const char* pattern, double value) {
  char text[64];
  std::snprintf(text, sizeof text, pattern, value);
  return text;
}

}  // namespace jf
