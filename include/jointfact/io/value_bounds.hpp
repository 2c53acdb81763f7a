#pragma once
// Input values the computations can take: finite, and small enough that sums of squares, Gram matrices
// and norms of the matrix cannot overflow (entries near 1e308 would turn the factors into NaN).
#include <algorithm>
#include <limits>
#include <string>

#include "jointfact/distributed/dist_matrix.hpp"
#include "jointfact/distributed/norms.hpp"

namespace jf {

// The largest entry magnitude accepted for an m x n matrix: 1e150 / max(m, n, 1), so that
// max(m, n) * max|a|^2 stays below 1e300.
double largest_safe_entry(int64_t rows, int64_t cols);

// Running min, max and sum of squares of values (a rank's local part, or the pieces of a file it read). A NaN
// leaves min and max alone; a NaN, an infinity or an overflow makes the sum non-finite.
struct ValueScan {
  double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();
  double sum_squares = 0;
  // T is double or float. O(count), one pass.
  template <class T>
  void add(const T* values, int64_t count);
  // One value.
  void add(double value) {
    lo = std::min(lo, value);
    hi = std::max(hi, value);
    sum_squares += value * value;
  }
  // The values another scan took in.
  void add(const ValueScan& other) {
    lo = std::min(lo, other.lo);
    hi = std::max(hi, other.hi);
    sum_squares += other.sum_squares;
  }
};

// The scan of a's local part: one pass over its contiguous columns.
ValueScan scan_local_part(const DistMatrix& a);

struct ValuesAndNorm {
  ValueSummary values;
  double frobenius = 0;
};

// Collective over a.grid().comm(): summarize_values(a) and frobenius_norm(a) from every rank's scan, where
// the ranks' scans together cover each entry of `a` once (local parts, or the pieces each rank read). When
// a value is not finite or the sum of squares overflows or underflows, from those exact (slower) functions
// instead. Every rank gets the same result.
ValuesAndNorm finish_scan(const DistMatrix& a, const ValueScan& local);

// finish_scan(a, scan_local_part(a)).
ValuesAndNorm scan_values(const DistMatrix& a);

// Collective: InputError on every rank when `a` has a non-finite entry (naming the first) or an entry
// larger in magnitude than largest_safe_entry (naming the bound); `what` names the data in the message.
void require_finite_and_bounded(const DistMatrix& a, const std::string& what);
// The same with a's scan already done (finish_scan or scan_values; every rank passes the same result).
void require_finite_and_bounded(const DistMatrix& a, const std::string& what, const ValuesAndNorm& scanned);

}  // namespace jf
