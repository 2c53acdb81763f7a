#pragma once
// A content fingerprint of a distributed matrix that does not depend on the grid, block size or rank
// count: a sum (mod 2^64) of per-entry hashes of (i, j, bits of the value). Checkpoints carry it, so a
// resume against a different input is refused.
#include <string>

#include "jointfact/dist/dist_matrix.hpp"

namespace jf {

// Collective. "m x n:hexhash".
std::string matrix_fingerprint(const DistMatrix& a);

}  // namespace jf
