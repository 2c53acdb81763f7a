#pragma once
// Layer 3 of the wrappers takes sizes as int64; ScaLAPACK takes Fortran INTEGER (32 bit here). This is
// the one place that narrows, and it refuses instead of wrapping around.
#include <cstdint>
#include <string>

namespace jf {

// Returns `value` as int, or throws LibraryError naming `what` when it does not fit.
int to_fortran_int(int64_t value, const char* what);

// Rounds a LAPACK workspace query result up to an integer count (queries return it as a double).
int64_t workspace_size(double queried);

// workspace_size for an allocation, checked first: throws InputError (exit 2), naming `routine` and what
// would help, when the query is negative, not finite or beyond what a 32-bit LWORK can carry (a query
// that overflowed inside ScaLAPACK). The result is at least 1 and fits int.
int64_t checked_workspace(double queried, const char* routine);

}  // namespace jf
