#pragma once
#include <mpi.h>

namespace jf::app {

// Parses the command line and runs the subcommand on every rank of comm. Returns the exit code
// (0, 1, 2 or 75; see core/error.hpp). Errors are printed once, by rank 0, as "jointfact: error: ...".
int run_cli(int argc, char** argv, MPI_Comm comm);

}  // namespace jf::app
