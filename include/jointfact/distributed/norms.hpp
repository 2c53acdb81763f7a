#pragma once
// Reductions over a whole DistMatrix; every rank of the communicator gets the same value.
#include <cstdint>

#include "jointfact/distributed/dist_matrix.hpp"

namespace jf {

// ||A||_F without overflow or underflow (local scaled norms combined like LAPACK's dlassq).
double frobenius_norm(const DistMatrix& a);

struct ValueSummary {
  double min = 0, max = 0;  // over finite entries (0 when there are none)
  int64_t non_finite = 0;   // NaN and +-Inf entries
  // First non-finite entry in row-major order (what h5py shows), or -1 when all are finite.
  int64_t first_bad_row = -1, first_bad_col = -1;
  double first_bad_value = 0;
};
ValueSummary summarize_values(const DistMatrix& a);

}  // namespace jf
