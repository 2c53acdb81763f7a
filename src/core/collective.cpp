#include "jointfact/core/collective.hpp"

#include <chrono>
#include <climits>
#include <thread>

#include "jointfact/core/error.hpp"

namespace jf {

int comm_rank(MPI_Comm comm) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  return rank;
}

int comm_size(MPI_Comm comm) {
  int size = 0;
  MPI_Comm_size(comm, &size);
  return size;
}

std::string broadcast_string(MPI_Comm comm, const std::string& text, int root) {
  long long length = static_cast<long long>(text.size());
  MPI_Bcast(&length, 1, MPI_LONG_LONG, root, comm);
  std::string result = comm_rank(comm) == root ? text : std::string(static_cast<size_t>(length), '\0');
  if (length > 0) MPI_Bcast(result.data(), static_cast<int>(length), MPI_CHAR, root, comm);
  return result;
}

void agree_or_throw(MPI_Comm comm, bool ok_here, const std::string& message_if_failed, int exit_code) {
  int first_failing = ok_here ? INT_MAX : comm_rank(comm);
  MPI_Allreduce(MPI_IN_PLACE, &first_failing, 1, MPI_INT, MPI_MIN, comm);
  if (first_failing == INT_MAX) return;
  const std::string message = broadcast_string(comm, message_if_failed, first_failing);
  if (exit_code == kExitBadInput) throw InputError(message);
  throw Error(message, exit_code);
}

void agree_or_throw(MPI_Comm comm, bool ok_here, const std::string& message_if_failed) {
  agree_or_throw(comm, ok_here, message_if_failed, kExitBadInput);
}

namespace {
// A private duplicate: its barrier cannot match a collective the rest of the program is waiting in.
MPI_Comm g_failure_comm = MPI_COMM_NULL;
bool g_failed_alone = false;  // once a rank knows, it does not wait a second time
}  // namespace

void prepare_failure_agreement(MPI_Comm comm) {
  if (g_failure_comm == MPI_COMM_NULL) MPI_Comm_dup(comm, &g_failure_comm);
}

bool failed_on_every_rank(double wait_seconds) {
  if (g_failure_comm == MPI_COMM_NULL || g_failed_alone) return false;
  MPI_Request request = MPI_REQUEST_NULL;
  MPI_Ibarrier(g_failure_comm, &request);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(wait_seconds);
  int done = 0;
  while (true) {
    MPI_Test(&request, &done, MPI_STATUS_IGNORE);
    if (done) return true;
    if (std::chrono::steady_clock::now() > deadline) {
      g_failed_alone = true;  // the pending request dies with the MPI_Abort that must follow
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

}  // namespace jf
