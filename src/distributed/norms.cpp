#include "jointfact/distributed/norms.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace jf {

double frobenius_norm(const DistMatrix& a) {
  const double local_norm = a.local_rows() * a.local_cols() > 0 ? a.local().stableNorm() : 0.0;
  std::vector<double> norms(static_cast<size_t>(a.grid().size()));
  MPI_Allgather(&local_norm, 1, MPI_DOUBLE, norms.data(), 1, MPI_DOUBLE, a.grid().comm());
  const double scale = *std::max_element(norms.begin(), norms.end());
  if (scale == 0.0 || !std::isfinite(scale)) return scale;
  double sum = 0;
  for (double n : norms) sum += (n / scale) * (n / scale);  // same order on every rank: identical result
  return scale * std::sqrt(sum);
}

ValueSummary summarize_values(const DistMatrix& a) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  long long bad_count = 0;
  long long first_bad = std::numeric_limits<long long>::max();  // row-major linear index
  a.for_each_local([&](int64_t i_gl, int64_t j_gl, double value) {
    if (std::isfinite(value)) {
      lo = std::min(lo, value);
      hi = std::max(hi, value);
    } else {
      ++bad_count;
      first_bad = std::min<long long>(first_bad, i_gl * a.cols() + j_gl);
    }
  });
  MPI_Comm comm = a.grid().comm();
  MPI_Allreduce(MPI_IN_PLACE, &lo, 1, MPI_DOUBLE, MPI_MIN, comm);
  MPI_Allreduce(MPI_IN_PLACE, &hi, 1, MPI_DOUBLE, MPI_MAX, comm);
  MPI_Allreduce(MPI_IN_PLACE, &bad_count, 1, MPI_LONG_LONG, MPI_SUM, comm);
  MPI_Allreduce(MPI_IN_PLACE, &first_bad, 1, MPI_LONG_LONG, MPI_MIN, comm);
  ValueSummary summary;
  summary.non_finite = bad_count;
  if (std::isfinite(lo)) {
    summary.min = lo;
    summary.max = hi;
  }
  if (bad_count > 0) {
    summary.first_bad_row = first_bad / a.cols();
    summary.first_bad_col = first_bad % a.cols();
    // The owner of that entry broadcasts its value (NaN vs Inf matters to the user).
    const int owner_row = a.row_map().owner(summary.first_bad_row);
    const int owner_col = a.col_map().owner(summary.first_bad_col);
    const int owner_rank = owner_row * a.grid().pcols() + owner_col;
    double value = 0;
    if (a.grid().myrow() == owner_row && a.grid().mycol() == owner_col) {
      value = a.local()(a.row_map().global_to_local(summary.first_bad_row),
                        a.col_map().global_to_local(summary.first_bad_col));
    }
    MPI_Bcast(&value, 1, MPI_DOUBLE, owner_rank, comm);
    summary.first_bad_value = value;
  }
  return summary;
}

}  // namespace jf
