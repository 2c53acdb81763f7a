#include "jointfact/dist/fortran_int.hpp"

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

}  // namespace jf
