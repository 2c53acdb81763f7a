#include "jointfact/core/progress.hpp"

#include <cstdio>
#include <utility>

namespace jf {

std::string format_duration(double seconds) {
  char text[32];
  if (seconds < 60) {
    std::snprintf(text, sizeof text, "%.1fs", seconds);
  } else {
    std::snprintf(text, sizeof text, "%ldm%02lds", static_cast<long>(seconds) / 60, static_cast<long>(seconds) % 60);
  }
  return text;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

ProgressMeter::ProgressMeter(ProgressFn report, std::string what, long total, double interval_s)
    : report_(std::move(report)),
      what_(std::move(what)),
      total_(total),
      interval_s_(interval_s),
      start_(std::chrono::steady_clock::now()),
      last_print_(start_) {}

double ProgressMeter::elapsed_s() const { return seconds_since(start_); }

void ProgressMeter::update(long done, const std::string& detail, bool force) {
  if (!report_) return;
  const auto now = std::chrono::steady_clock::now();
  const bool due = std::chrono::duration<double>(now - last_print_).count() >= interval_s_;
  if (!force && printed_once_ && !due) return;
  printed_once_ = true;
  last_print_ = now;
  std::string line = what_ + " " + std::to_string(done);
  if (total_ > 0) line += "/" + std::to_string(total_);
  if (!detail.empty()) line += "  " + detail;
  line += "  elapsed " + format_duration(elapsed_s());
  if (total_ > 0 && done > 0 && done < total_) {
    line += "  eta " + format_duration(elapsed_s() / done * (total_ - done));
  }
  report_(line);
}

}  // namespace jf
