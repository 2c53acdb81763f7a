// jointfact: the executable is only MPI start-up and shutdown around the CLI (src/app/cli.cpp).
#include <mpi.h>

#include "app/cli.hpp"

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  const int exit_code = jf::app::run_cli(argc, argv, MPI_COMM_WORLD);
  MPI_Finalize();
  return exit_code;
}
