#include "jointfact/core/stop_signal.hpp"

#include <csignal>

namespace jf {
namespace {

volatile std::sig_atomic_t g_stop_signal = 0;

extern "C" void record_stop_signal(int signal_number) { g_stop_signal = signal_number; }

}  // namespace

void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = record_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // do not break MPI or HDF5 calls in progress
  for (int signal_number : {SIGTERM, SIGUSR1, SIGINT}) sigaction(signal_number, &action, nullptr);
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
