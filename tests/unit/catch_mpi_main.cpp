// Catch2 main for MPI tests: every rank runs the same test cases (they are collective), each rank's
// report goes to its own file, failures are agreed on with MPI_Allreduce(MAX) and each failing rank's
// report is printed tagged with its rank, so a failure on rank 3 alone still fails the test everywhere.
#define CATCH_CONFIG_RUNNER
#include <mpi.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);

  Catch::Session session;
  int status = session.applyCommandLine(argc, argv);
  if (status != 0) {
    MPI_Finalize();
    return status;
  }
  const std::string report_path = "/tmp/jf-catch-" + std::to_string(getpid()) + "-rank" + std::to_string(rank) + ".txt";
  if (session.configData().outputFilename.empty()) session.configData().outputFilename = report_path;
  session.configData().useColour = Catch::UseColour::No;  // reports go through files, not a terminal

  const int failed_here = session.run();
  int failed_anywhere = 0;
  MPI_Allreduce(&failed_here, &failed_anywhere, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);

  // Print reports in rank order: rank 0's always (the summary), others only when they failed.
  for (int r = 0; r < size; ++r) {
    if (r == rank && (rank == 0 || failed_here > 0)) {
      std::ifstream report(report_path);
      std::stringstream text;
      text << report.rdbuf();
      std::string line;
      while (std::getline(text, line)) std::cout << "[rank " << rank << "/" << size << "] " << line << "\n";
      std::cout.flush();
    }
    MPI_Barrier(MPI_COMM_WORLD);
  }
  std::remove(report_path.c_str());
  if (rank == 0) {
    std::cout << (failed_anywhere ? "MPI test FAILED" : "MPI test passed") << " on " << size << " rank(s)" << std::endl;
  }
  MPI_Finalize();
  return failed_anywhere > 0 ? 1 : 0;
}
