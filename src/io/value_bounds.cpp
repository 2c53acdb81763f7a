#include "jointfact/io/value_bounds.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "jointfact/core/error.hpp"
#include "jointfact/core/log.hpp"
#include "jointfact/distributed/norms.hpp"
#include "jointfact/io/matrix_io.hpp"

namespace jf {
namespace {

// Range and sum of squares of the local part in one pass over its contiguous columns, four lanes so that
// the loop keeps up with memory. A NaN leaves min and max alone; a NaN or an infinity (or an overflow)
// makes the sum non-finite, which sends the caller to the exact path.
struct LocalScan {
  double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();
  double sum_squares = 0;
};

LocalScan scan_local(const DistMatrix& a) {
  constexpr int kLanes = 4;
  double lo[kLanes], hi[kLanes], sum[kLanes] = {0, 0, 0, 0};
  std::fill(lo, lo + kLanes, std::numeric_limits<double>::infinity());
  std::fill(hi, hi + kLanes, -std::numeric_limits<double>::infinity());
  const int64_t rows = a.local_rows(), whole = rows / kLanes * kLanes;
  for (int64_t j_lc = 0; j_lc < a.local_cols(); ++j_lc) {
    const double* column = a.data() + j_lc * a.lld();
    for (int64_t i_lc = 0; i_lc < whole; i_lc += kLanes) {
      for (int lane = 0; lane < kLanes; ++lane) {
        const double value = column[i_lc + lane];
        lo[lane] = std::min(lo[lane], value);
        hi[lane] = std::max(hi[lane], value);
        sum[lane] += value * value;
      }
    }
    for (int64_t i_lc = whole; i_lc < rows; ++i_lc) {
      lo[0] = std::min(lo[0], column[i_lc]);
      hi[0] = std::max(hi[0], column[i_lc]);
      sum[0] += column[i_lc] * column[i_lc];
    }
  }
  LocalScan scan;
  for (int lane = 0; lane < kLanes; ++lane) {
    scan.lo = std::min(scan.lo, lo[lane]);
    scan.hi = std::max(scan.hi, hi[lane]);
    scan.sum_squares += sum[lane];
  }
  return scan;
}

}  // namespace

double largest_safe_entry(int64_t rows, int64_t cols) {
  return 1e150 / static_cast<double>(std::max<int64_t>({rows, cols, 1}));
}

ValuesAndNorm scan_values(const DistMatrix& a) {
  const LocalScan scan = scan_local(a);
  double extremes[2] = {-scan.lo, scan.hi}, sum_squares = scan.sum_squares;
  MPI_Comm comm = a.grid().comm();
  MPI_Allreduce(MPI_IN_PLACE, extremes, 2, MPI_DOUBLE, MPI_MAX, comm);
  MPI_Allreduce(MPI_IN_PLACE, &sum_squares, 1, MPI_DOUBLE, MPI_SUM, comm);
  const bool simple = std::isfinite(sum_squares) && sum_squares > 1e-280;  // also false for NaN
  ValuesAndNorm result;
  if (!simple) {
    result.values = summarize_values(a);
    result.frobenius = frobenius_norm(a);
    return result;
  }
  result.values.min = -extremes[0];
  result.values.max = extremes[1];
  result.frobenius = std::sqrt(sum_squares);
  return result;
}

void require_finite_and_bounded(const DistMatrix& a, const std::string& what) {
  const ValueSummary summary = scan_values(a).values;  // collective: every rank gets the same verdict
  if (summary.non_finite > 0) require_finite(a, what);
  const double largest = std::max(std::fabs(summary.min), std::fabs(summary.max));
  const double bound = largest_safe_entry(a.rows(), a.cols());
  if (largest <= bound) return;
  throw InputError(what + " has entries up to " + format_number("%.3g", largest) + " in magnitude; sums of squares " +
                   "of a " + std::to_string(a.rows()) + " x " + std::to_string(a.cols()) + " matrix overflow beyond " +
                   format_number("%.3g", bound) + ": scale the data down");
}

}  // namespace jf
