#include "jointfact/io/value_bounds.hpp"

#include <algorithm>
#include <cmath>

#include "jointfact/core/error.hpp"
#include "jointfact/core/log.hpp"
#include "jointfact/distributed/norms.hpp"
#include "jointfact/io/matrix_io.hpp"

namespace jf {

double largest_safe_entry(int64_t rows, int64_t cols) {
  return 1e150 / static_cast<double>(std::max<int64_t>({rows, cols, 1}));
}

void require_finite_and_bounded(const DistMatrix& a, const std::string& what) {
  const ValueSummary summary = summarize_values(a);  // collective: every rank gets the same verdict
  if (summary.non_finite > 0) require_finite(a, what);
  const double largest = std::max(std::fabs(summary.min), std::fabs(summary.max));
  const double bound = largest_safe_entry(a.rows(), a.cols());
  if (largest <= bound) return;
  throw InputError(what + " has entries up to " + format_number("%.3g", largest) + " in magnitude; sums of squares " +
                   "of a " + std::to_string(a.rows()) + " x " + std::to_string(a.cols()) + " matrix overflow beyond " +
                   format_number("%.3g", bound) + ": scale the data down");
}

}  // namespace jf
