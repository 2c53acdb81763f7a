#pragma once
// Layer 3 of the Cholesky wrappers: a distributed symmetric positive definite matrix factored once
// (pdpotrf, lower triangle) and then used to solve for many right-hand sides (pdpotrs).
// Preconditions: A square with square blocks (row block == column block); B on the same grid with the
// same row block. A non-positive-definite A is a LibraryError naming the failing column.
#include "jointfact/distributed/dist_matrix.hpp"

namespace jf {

// Overwrites the lower triangle of A with its Cholesky factor L (A = L L^T).
void potrf(DistMatrix& a);

// B := A^-1 B, with `factor` from potrf.
void potrs(const DistMatrix& factor, DistMatrix& b);

}  // namespace jf
