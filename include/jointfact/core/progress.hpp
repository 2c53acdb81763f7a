#pragma once
// How every stage of the library reports progress: through a ProgressFn in its options, one plain line at a
// time (fit for Slurm logs). The library never prints; the caller decides where lines go (the jointfact
// binary logs them from rank 0). Long loops throttle their lines with a ProgressMeter.
#include <chrono>
#include <functional>
#include <string>

namespace jf {

// Receives one progress line. Called on every rank of the stage's communicator; may be empty (no lines).
using ProgressFn = std::function<void(const std::string& line)>;

// Periodic lines for a long loop: "WHAT DONE/TOTAL  DETAIL  elapsed 3.2s  eta 10.1s", the first update and
// forced ones always, otherwise at most one every `interval_s` seconds. TOTAL and eta only when total > 0.
// Not collective: ranks may differ in which updates pass the interval.
class ProgressMeter {
 public:
  ProgressMeter(ProgressFn report, std::string what, long total = 0, double interval_s = 2.0);

  // Reports step `done` with a free-form detail ("F=1.2e3 task=4.5e-2") if the interval has passed or
  // `force` is set. Nothing when the meter has no ProgressFn.
  void update(long done, const std::string& detail, bool force = false);

  double elapsed_s() const;

 private:
  ProgressFn report_;
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
