#pragma once
// Progress lines of the out-of-core methods: pass i of N, data read, read rate, ETA. Round counts are the
// same on every rank, so every rank calls the callback equally often.
#include <chrono>
#include <cstdint>
#include <string>

#include "jointfact/svd/truncated_svd.hpp"
#include "svd/out_of_core_stream.hpp"

namespace jf::svd {

class PassReporter {
 public:
  // passes = 0: the total is not known in advance (fixed accuracy): no "of N", no ETA.
  PassReporter(const SvdOptions& options, const PanelStream& stream, int64_t passes, int64_t first_pass);

  // Inside a pass: at most one line per interval (log lines print on rank 0 only, so ranks may differ).
  void round_done(int64_t pass, const PassProgress& progress);
  // After a pass: "pass i of N: <what> in T s, ...".
  void pass_done(int64_t pass, const std::string& what);

 private:
  using Clock = std::chrono::steady_clock;
  void report(int64_t pass, double fraction_of_pass, const std::string& detail);

  static constexpr double kIntervalS = 10;
  const SvdOptions& options_;
  int64_t passes_, first_pass_, file_bytes_;
  Clock::time_point start_, last_line_, pass_start_;
};

}  // namespace jf::svd
