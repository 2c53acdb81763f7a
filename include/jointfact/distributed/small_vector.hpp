#pragma once
// Replicating short distributed vectors (k singular values, a k x 1 coefficient vector) on every rank.
// Only for vectors whose length is a rank k or similar: never for an m- or n-long vector in a stage.
#include <vector>

#include "jointfact/distributed/dist_matrix.hpp"

namespace jf {

// Collective. v must have one column.
std::vector<double> replicate_small_vector(const DistMatrix& v);

}  // namespace jf
