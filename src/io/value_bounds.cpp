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

constexpr int kLanes = 4;

}  // namespace

template <class T>
void ValueScan::add(const T* values, int64_t count) {
  // Four lanes so that the loop keeps up with memory.
  double lane_lo[kLanes], lane_hi[kLanes], lane_sum[kLanes] = {0, 0, 0, 0};
  std::fill(lane_lo, lane_lo + kLanes, lo);
  std::fill(lane_hi, lane_hi + kLanes, hi);
  const int64_t whole = count / kLanes * kLanes;
  for (int64_t i = 0; i < whole; i += kLanes) {
    for (int lane = 0; lane < kLanes; ++lane) {
      const double value = static_cast<double>(values[i + lane]);
      lane_lo[lane] = std::min(lane_lo[lane], value);
      lane_hi[lane] = std::max(lane_hi[lane], value);
      lane_sum[lane] += value * value;
    }
  }
  for (int64_t i = whole; i < count; ++i) {
    const double value = static_cast<double>(values[i]);
    lane_lo[0] = std::min(lane_lo[0], value);
    lane_hi[0] = std::max(lane_hi[0], value);
    lane_sum[0] += value * value;
  }
  for (int lane = 0; lane < kLanes; ++lane) add(ValueScan{lane_lo[lane], lane_hi[lane], lane_sum[lane]});
}

template void ValueScan::add<double>(const double*, int64_t);
template void ValueScan::add<float>(const float*, int64_t);

ValueScan scan_local_part(const DistMatrix& a) {
  ValueScan scan;
  for (int64_t j_lc = 0; j_lc < a.local_cols(); ++j_lc) scan.add(a.data() + j_lc * a.lld(), a.local_rows());
  return scan;
}

double largest_safe_entry(int64_t rows, int64_t cols) {
  return 1e150 / static_cast<double>(std::max<int64_t>({rows, cols, 1}));
}

ValuesAndNorm finish_scan(const DistMatrix& a, const ValueScan& local) {
  double extremes[2] = {-local.lo, local.hi}, sum_squares = local.sum_squares;
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

ValuesAndNorm scan_values(const DistMatrix& a) { return finish_scan(a, scan_local_part(a)); }

void require_finite_and_bounded(const DistMatrix& a, const std::string& what) {
  require_finite_and_bounded(a, what, scan_values(a));
}

void require_finite_and_bounded(const DistMatrix& a, const std::string& what, const ValuesAndNorm& scanned) {
  const ValueSummary& summary = scanned.values;  // every rank has the same: the same verdict
  if (summary.non_finite > 0) require_finite(a, what);
  const double largest = std::max(std::fabs(summary.min), std::fabs(summary.max));
  const double bound = largest_safe_entry(a.rows(), a.cols());
  if (largest <= bound) return;
  throw InputError(what + " has entries up to " + format_number("%.3g", largest) + " in magnitude; sums of squares " +
                   "of a " + std::to_string(a.rows()) + " x " + std::to_string(a.cols()) + " matrix overflow beyond " +
                   format_number("%.3g", bound) + ": scale the data down");
}

}  // namespace jf
