#pragma once
// Collective error agreement: a check that fails on any rank throws on every rank, so no rank is left
// waiting in a collective while another has given up.
#include <mpi.h>

#include <string>

namespace jf {

// Every rank passes its own verdict. If any rank failed, all ranks throw InputError carrying the
// message of the lowest failing rank.
void agree_or_throw(MPI_Comm comm, bool ok_here, const std::string& message_if_failed);

// Same, for an error type with exit code `exit_code` (LibraryError: 1, InputError: 2).
void agree_or_throw(MPI_Comm comm, bool ok_here, const std::string& message_if_failed, int exit_code);

// Broadcast a string from `root` to every rank.
std::string broadcast_string(MPI_Comm comm, const std::string& text, int root = 0);

// The single agreement point for errors that were not raised through agree_or_throw. Call
// prepare_failure_agreement once on every rank at start-up (collective). After catching an error, a rank
// calls failed_on_every_rank: true when every rank of that communicator reached the same call within
// `wait_seconds` (the error was collective: report once, return); false when some rank did not come (it
// waits in another collective: the caller must abort the job, or it would hang). Several calls on a rank
// pair up with the same calls on the others; after one false, later calls return false at once.
void prepare_failure_agreement(MPI_Comm comm);
bool failed_on_every_rank(double wait_seconds);

int comm_rank(MPI_Comm comm);
int comm_size(MPI_Comm comm);

}  // namespace jf
