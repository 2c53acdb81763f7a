#pragma once
// Error types and their exit codes (2 bad usage or input, 75 checkpointed stop, 1 other).
#include <stdexcept>
#include <string>

namespace jf {

enum ExitCode : int { kExitOk = 0, kExitFailure = 1, kExitBadInput = 2, kExitCheckpointed = 75 };

// Base of the errors jointfact reports itself. Thrown on every rank at once (see collective.hpp), so
// the driver can print one line from rank 0 and return the exit code without aborting MPI.
class Error : public std::runtime_error {
 public:
  Error(const std::string& what, int exit_code) : std::runtime_error(what), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

// Bad command line, bad configuration, or bad input data: exit code 2.
class InputError : public Error {
 public:
  explicit InputError(const std::string& what) : Error(what, kExitBadInput) {}
};

// A checkpoint that belongs to another run (stage, input or settings): bad input, exit code 2. A program
// tells its user how to start over (the jointfact binary: --no-resume).
class CheckpointMismatch : public InputError {
 public:
  explicit CheckpointMismatch(const std::string& what) : InputError(what) {}
};

// A stage stopped on a signal after writing a checkpoint: exit code 75.
class Interrupted : public Error {
 public:
  explicit Interrupted(const std::string& what) : Error(what, kExitCheckpointed) {}
};

// A numerical library call failed (ScaLAPACK info != 0, HDF5 write failure): exit code 1.
class LibraryError : public Error {
 public:
  explicit LibraryError(const std::string& what) : Error(what, kExitFailure) {}
};

}  // namespace jf
