#include "out_of_core_progress.hpp"

#include "jointfact/core/log.hpp"
#include "jointfact/core/progress.hpp"

namespace jf::svd {

PassReporter::PassReporter(const SvdOptions& options, const PanelStream& stream, int64_t passes, int64_t first_pass)
    : options_(options),
      passes_(passes),
      first_pass_(first_pass),
      file_bytes_(stream.rows() * stream.cols() * stream.layout().element_bytes),
      start_(Clock::now()),
      last_line_(start_),
      pass_start_(start_) {}

void PassReporter::round_done(int64_t pass, const PassProgress& progress) {
  if (!options_.progress || progress.rounds_done == progress.rounds || seconds_since(last_line_) < kIntervalS) return;
  last_line_ = Clock::now();
  const double fraction = static_cast<double>(progress.rounds_done) / static_cast<double>(progress.rounds);
  report(pass, fraction,
         " (" + std::to_string(progress.rounds_done) + "/" + std::to_string(progress.rounds) + " rounds)");
}

void PassReporter::pass_done(int64_t pass, const std::string& what) {
  const double seconds = seconds_since(pass_start_);
  pass_start_ = last_line_ = Clock::now();
  report(pass, 1.0, ": " + what + " in " + format_number("%.2f", seconds) + " s");
}

void PassReporter::report(int64_t pass, double fraction_of_pass, const std::string& detail) {
  if (!options_.progress) return;
  const double passes_run = static_cast<double>(pass - first_pass_) + fraction_of_pass;
  const double gb = passes_run * static_cast<double>(file_bytes_) / 1e9;
  const double seconds = seconds_since(start_);
  const double rate = seconds > 0 ? gb / seconds : 0;
  std::string line = "pass " + std::to_string(pass) + (passes_ > 0 ? " of " + std::to_string(passes_) : "") + detail +
                     ", " + format_number("%.2f", gb) + " GB read, " + format_number("%.2f", rate) + " GB/s";
  if (passes_ > 0) {
    const double left = static_cast<double>(passes_ - first_pass_ + 1) - passes_run;
    line += ", ETA " + format_duration(passes_run > 0 ? seconds / passes_run * left : 0);
  }
  options_.progress(line);
}

}  // namespace jf::svd
