#pragma once
// How the distributed sparse drivers report progress without depending on the CLI: the command
// (or the pipeline) plugs in log_progress / ProgressMeter; tests leave both empty.

#include <functional>
#include <string>

namespace jf::sparse {

struct SparseProgress {
  std::function<void(const std::string&)> message;                      // milestones
  std::function<void(long done, long total, const std::string&)> step;  // loops (rounds, sweeps)

  void say(const std::string& text) const {
    if (message) message(text);
  }
  void advance(long done, long total, const std::string& detail) const {
    if (step) step(done, total, detail);
  }
};

}  // namespace jf::sparse
