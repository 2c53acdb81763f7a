#include "jointfact/core/log.hpp"

#include <cstdio>
#include <utility>

#include "core/fault_injection.hpp"

namespace jf {
namespace {

ProgressSink& installed_sink() {
  static ProgressSink sink;
  return sink;
}

}  // namespace

void set_progress_sink(ProgressSink sink) { installed_sink() = std::move(sink); }

void log_progress(MPI_Comm comm, const std::string& message) {
  fault_point(comm, message);  // every stage's progress lines double as the test hook's points
  if (installed_sink()) installed_sink()(comm, message);
  pause_point(message);
}

std::string format_number(const char* pattern, double value) {
  char text[64];
  std::snprintf(text, sizeof text, pattern, value);
  return text;
}

}  // namespace jf
