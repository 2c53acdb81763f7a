#pragma once
// Progress messages of library code. The library prints nothing itself: log_progress hands each message to
// the sink the program installed (the jointfact binary's prints timestamped lines from rank 0, see
// src/app/console.hpp); without a sink, messages are dropped.
#include <mpi.h>

#include <functional>
#include <string>

namespace jf {

// Called on every rank that reports, with the communicator the message concerns.
using ProgressSink = std::function<void(MPI_Comm comm, const std::string& message)>;
// Installs the sink (an empty one drops messages). Not thread-safe: install before the work starts.
void set_progress_sink(ProgressSink sink);

// Reports a progress message through the installed sink. Not collective.
void log_progress(MPI_Comm comm, const std::string& message);
// One number printf-formatted for such lines: format_number("%.3e", 0.00123) == "1.230e-03".
std::string format_number(const char* pattern, double value);

}  // namespace jf
