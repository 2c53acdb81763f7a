#pragma once
// Progress lines from rank 0 (stdout, flushed, so Slurm logs show them as they happen); --quiet mutes.
#include <mpi.h>

#include <string>

namespace jf {

void set_quiet(bool quiet);
bool is_quiet();
// Prints "[jointfact HH:MM:SS] message" on rank 0 of comm unless quiet.
void log_progress(MPI_Comm comm, const std::string& message);
// Prints the line as is on rank 0 of comm (results; not muted by --quiet).
void print_result(MPI_Comm comm, const std::string& line);
// One number printf-formatted for such lines: format_number("%.3e", 0.00123) == "1.230e-03".
std::string format_number(const char* pattern, double value);

}  // namespace jf
