#include "jointfact/core/log.hpp"

#include <cstdio>
#include <utility>

namespace jf {
namespace {

ProgressSink& installed_sink() {
  static ProgressSink sink;
  return sink;
}

}  // namespace

void set_progress_sink(ProgressSink sink) { installed_sink() = std::move(sink); }

void log_progress(MPI_Comm comm, const std::string& message) {
  if (installed_sink()) installed_sink()(comm, message);
}

std::string format_number(const char* pattern, double value) {
  char text[64];
  std::snprintf(text, sizeof text, pattern, value);
  return text;
}

}  // namespace jf
