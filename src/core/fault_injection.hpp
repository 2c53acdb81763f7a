#pragma once
// Test hook: makes one rank fail on its own at a named point, to check that such a failure ends every
// rank with one error line instead of a hang. Inert unless JOINTFACT_TEST_FAIL_AT is set in the
// environment; never set it outside tests.
//   JOINTFACT_TEST_FAIL_AT    a text; the first fault point whose label contains it fails
//   JOINTFACT_TEST_FAIL_RANK  the rank that fails (default 0)
//   JOINTFACT_TEST_FAIL_EXIT  2: the failure is an InputError (bad input), otherwise a LibraryError (1)
//   JOINTFACT_TEST_PAUSE_AT   a text; every rank that logs a matching point sleeps there (120 s, or until a stop
//                             signal arrives), so that a
//                             kill test finds the run inside the point's stage however fast the stage is
#include <mpi.h>

#include <string>

namespace jf {

// Local, not collective: throws on the chosen rank only when the hook matches `label`.
void fault_point(MPI_Comm comm, const std::string& label);

// Local: sleeps when JOINTFACT_TEST_PAUSE_AT matches `label`. Called after the point's line is logged,
// so that a kill test sees the line and kills the run while it is still inside the stage.
void pause_point(const std::string& label);

}  // namespace jf
