#include "app/console.hpp"

#include <cstdio>
#include <ctime>

#include "jointfact/core/collective.hpp"

namespace jf {
namespace {
bool g_quiet = false;
}

void set_quiet(bool quiet) { g_quiet = quiet; }

void install_console_progress() {
  set_progress_sink([](MPI_Comm comm, const std::string& message) {
    if (g_quiet || comm_rank(comm) != 0) return;
    const std::time_t now = std::time(nullptr);
    char stamp[16];
    std::strftime(stamp, sizeof stamp, "%H:%M:%S", std::localtime(&now));
    std::printf("[jointfact %s] %s\n", stamp, message.c_str());
    std::fflush(stdout);
  });
}

void print_result(MPI_Comm comm, const std::string& line) {
  if (comm_rank(comm) != 0) return;
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

}  // namespace jf
