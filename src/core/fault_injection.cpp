#include "core/fault_injection.hpp"

#include <chrono>
#include <cstdlib>
#include <thread>

#include "jointfact/core/collective.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/core/stop_signal.hpp"

namespace jf {

void pause_point(const std::string& label) {
  const char* at = std::getenv("JOINTFACT_TEST_PAUSE_AT");
  if (at == nullptr || *at == '\0' || label.find(at) == std::string::npos) return;
  // Up to 120 s, ended early by a stop signal so that a signal test can also hold the run at a point.
  for (int step = 0; step < 2400 && received_stop_signal() == 0; ++step) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void fault_point(MPI_Comm comm, const std::string& label) {
  const char* at = std::getenv("JOINTFACT_TEST_FAIL_AT");
  if (at == nullptr || *at == '\0' || label.find(at) == std::string::npos) return;
  const char* rank_text = std::getenv("JOINTFACT_TEST_FAIL_RANK");
  if (comm_rank(comm) != (rank_text ? std::atoi(rank_text) : 0)) return;
  const char* exit_text = std::getenv("JOINTFACT_TEST_FAIL_EXIT");
  const std::string message = "injected test fault at '" + label + "' on rank " + std::to_string(comm_rank(comm));
  if (exit_text && std::atoi(exit_text) == kExitBadInput) throw InputError(message);
  throw LibraryError(message);
}

}  // namespace jf
