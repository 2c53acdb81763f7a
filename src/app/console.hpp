#pragma once
// What the jointfact binary prints on stdout (flushed, so Slurm logs show lines as they happen): results,
// and the library's progress messages as "[jointfact HH:MM:SS] message" from rank 0; --quiet mutes progress.
#include <mpi.h>

#include <string>

#include "jointfact/core/log.hpp"

namespace jf {

// Makes log_progress print (rank 0 of the message's communicator, unless quiet).
void install_console_progress();
void set_quiet(bool quiet);
// Prints the line as is on rank 0 of comm (results; not muted by --quiet).
void print_result(MPI_Comm comm, const std::string& line);

}  // namespace jf
