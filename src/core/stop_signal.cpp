#include "jointfact/core/stop_signal.hpp"

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>

namespace jf {
namespace {

volatile std::sig_atomic_t g_stop_signal = 0;

extern "C" void record_stop_signal(int signal_number) { g_stop_signal = signal_number; }

// Written outside the handler, read inside it: a fixed buffer, no allocation.
char g_partial_output[4096] = {0};
volatile std::sig_atomic_t g_reporter = 0;

// Only async-signal-safe calls (unlink, write, _exit).
extern "C" void terminate_on_stop_signal(int signal_number) {
  if (g_partial_output[0] != '\0') unlink(g_partial_output);
  // SIGTERM stays silent: it is also how mpirun ends the other ranks after one rank failed and reported.
  if (g_reporter && signal_number != SIGTERM) {
    const char* name = signal_number == SIGUSR1 ? "SIGUSR1" : "SIGINT";
    const char* parts[] = {"jointfact: stopped by ", name, " before the result was complete; nothing was written\n"};
    for (const char* part : parts) {
      if (write(STDERR_FILENO, part, std::strlen(part)) < 0) break;
    }
  }
  _exit(128 + signal_number);
}

}  // namespace

void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = record_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // do not break MPI or HDF5 calls in progress
  for (int signal_number : {SIGTERM, SIGUSR1, SIGINT}) sigaction(signal_number, &action, nullptr);
}

void install_terminating_stop_handlers(bool reporter) {
  g_reporter = reporter ? 1 : 0;
  struct sigaction action {};
  action.sa_handler = terminate_on_stop_signal;
  sigemptyset(&action.sa_mask);
  for (int signal_number : {SIGTERM, SIGUSR1, SIGINT}) sigaddset(&action.sa_mask, signal_number);
  for (int signal_number : {SIGTERM, SIGUSR1, SIGINT}) sigaction(signal_number, &action, nullptr);
}

void set_partial_output(const std::string& path) {
  g_partial_output[0] = '\0';  // the handler never sees a half-copied name: the first byte goes in last
  if (path.empty()) return;
  const size_t length = std::min(path.size(), sizeof g_partial_output - 1);
  std::memcpy(g_partial_output + 1, path.data() + 1, length - 1);
  g_partial_output[length] = '\0';
  g_partial_output[0] = path[0];
}

int received_stop_signal() { return g_stop_signal; }

void simulate_stop_signal(int signal_number) { g_stop_signal = signal_number; }

bool stop_requested(MPI_Comm comm) {
  int any = g_stop_signal != 0 ? 1 : 0;
  MPI_Allreduce(MPI_IN_PLACE, &any, 1, MPI_INT, MPI_MAX, comm);
  return any != 0;
}

SafePointDecision poll_safe_point(MPI_Comm comm, bool checkpoint_due_on_rank0) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  int flags = (g_stop_signal != 0 ? 1 : 0) | (rank == 0 && checkpoint_due_on_rank0 ? 2 : 0);
  MPI_Allreduce(MPI_IN_PLACE, &flags, 1, MPI_INT, MPI_BOR, comm);
  SafePointDecision decision;
  decision.stop = (flags & 1) != 0;
  decision.checkpoint = decision.stop || (flags & 2) != 0;
  return decision;
}

}  // namespace jf
