#pragma once
// Input values the computations can take: finite, and small enough that sums of squares, Gram matrices
// and norms of the matrix cannot overflow (entries near 1e308 would turn the factors into NaN).
#include <string>

#include "jointfact/distributed/dist_matrix.hpp"
#include "jointfact/distributed/norms.hpp"

namespace jf {

// The largest entry magnitude accepted for an m x n matrix: 1e150 / max(m, n, 1), so that
// max(m, n) * max|a|^2 stays below 1e300.
double largest_safe_entry(int64_t rows, int64_t cols);

struct ValuesAndNorm {
  ValueSummary values;
  double frobenius = 0;
};

// Collective: summarize_values(a) and frobenius_norm(a). One pass over the local part (min, max and sum of
// squares of contiguous columns) when every value is finite and the sum of squares neither overflows nor
// underflows, the usual case; otherwise those exact (slower) functions. Every rank gets the same result.
ValuesAndNorm scan_values(const DistMatrix& a);

// Collective: InputError on every rank when `a` has a non-finite entry (naming the first) or an entry
// larger in magnitude than largest_safe_entry (naming the bound); `what` names the data in the message.
void require_finite_and_bounded(const DistMatrix& a, const std::string& what);

}  // namespace jf
