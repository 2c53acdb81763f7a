#pragma once
// A check before a large allocation whose size follows from the user's numbers (a generated shape): a
// problem that cannot fit is bad input with a message, not std::bad_alloc in the middle of the work.
#include <mpi.h>

#include <cstdint>
#include <string>

namespace jf {

// Collective: InputError on every rank when `bytes_per_rank` times the number of ranks sharing a node
// exceeds the memory available on any node (MemAvailable), or when the byte count itself overflows
// (bytes_per_rank < 0). `what` names the data ("a 1000000 x 1000000 matrix").
void require_memory_for(MPI_Comm comm, int64_t bytes_per_rank, const std::string& what);

// rows * cols * 8 / ranks, or -1 when rows * cols * 8 does not fit in 64 bits.
int64_t dense_bytes_per_rank(int64_t rows, int64_t cols, int ranks);

}  // namespace jf
