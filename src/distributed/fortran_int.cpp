#include "distributed/fortran_int.hpp"

#include <algorithm>
#include <climits>
#include <cmath>

#include "jointfact/core/error.hpp"

namespace jf {

int to_fortran_int(int64_t value, const char* what) {
  if (value < INT_MIN || value > INT_MAX) {
    throw LibraryError(std::string(what) + " = " + std::to_string(value) +
                       " does not fit ScaLAPACK's 32-bit integer; use more ranks or a smaller block");
  }
  return static_cast<int>(value);
}

int64_t workspace_size(double queried) {
  // Some ScaLAPACK routines under-report by a few elements; round up and add a little headroom.
  return static_cast<int64_t>(std::ceil(queried)) + 16;
}

int64_t checked_workspace(double queried, const char* routine) {
  // A query computed in 32-bit arithmetic inside ScaLAPACK comes back negative, or as a count the LWORK
  // argument cannot carry: refuse before any allocation.
  if (!std::isfinite(queried) || queried < 0 || queried > static_cast<double>(INT_MAX - 16)) {
    const std::string asked = std::isfinite(queried) ? std::to_string(static_cast<long long>(queried)) : "non-finite";
    throw InputError(std::string(routine) + " asked for a workspace of " + asked +
                     " elements on one rank (the query overflowed or exceeds ScaLAPACK's 32-bit limit of " +
                     std::to_string(INT_MAX) +
                     "): spread the larger dimension over more process rows (a taller "
                     "grid) so each rank holds fewer of its entries, or use the randomized method");
  }
  return std::max<int64_t>(1, workspace_size(queried));
}

}  // namespace jf
