#pragma once
// Periodic progress lines for long loops: at most one line every `interval_s` seconds (plus the first
// and the last), from rank 0, with an ETA when the total is known. Plain lines, fit for Slurm logs.
#include <mpi.h>

#include <chrono>
#include <string>

namespace jf {

class ProgressMeter {
 public:
  ProgressMeter(MPI_Comm comm, std::string what, long total = 0, double interval_s = 2.0);

  // Reports step `done` of `total` with a free-form detail ("F=1.2e3 task=4.5e-2"); prints only if
  // the interval has passed, or force is set. Not collective.
  void update(long done, const std::string& detail, bool force = false);

  double elapsed_s() const;

 private:
  MPI_Comm comm_;
  std::string what_;
  long total_;
  double interval_s_;
  std::chrono::steady_clock::time_point start_, last_print_;
  bool printed_once_ = false;
};

// "1m05s", "3.2s".
std::string format_duration(double seconds);
// Wall-clock seconds from `start` until now.
double seconds_since(std::chrono::steady_clock::time_point start);

}  // namespace jf
