#pragma once
// A content fingerprint of a distributed matrix that does not depend on the grid, block size or rank
// count: a sum (mod 2^64) of per-entry hashes of (i, j, bits of the value). Checkpoints carry it, so a
// resume against a different input is refused.
#include <mpi.h>

#include <string>
#include <vector>

#include "jointfact/distributed/dist_matrix.hpp"

namespace jf {

// Collective. "m x n:hexhash".
std::string matrix_fingerprint(const DistMatrix& a);

// Collective: a hash of the bytes of every file in `files` (read once by rank 0; a missing file hashes
// as empty), as hex. An auxiliary input edited in place changes it; its modification time does not.
std::string files_fingerprint(MPI_Comm comm, const std::vector<std::string>& files);

}  // namespace jf
