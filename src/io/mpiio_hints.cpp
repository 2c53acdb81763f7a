#include "io/mpiio_hints.hpp"

#include <algorithm>
#include <cstdlib>

#include "jointfact/core/error.hpp"

namespace jf {
namespace {

// Collective buffering decides per request (whole-row slabs need none), 16 MiB aggregation buffers
// instead of ROMIO's 4 MiB, and no data-sieving writes (they lock file ranges, which Lustre and GPFS
// serialise). Striping is left to the file system unless asked for.
const MpiioHints kDefaultHints = {
    {"romio_cb_read", "automatic"},
    {"romio_cb_write", "automatic"},
    {"cb_buffer_size", "16777216"},
    {"romio_ds_write", "disable"},
};

// Bounds of the collective buffer sized from a rank's share (collective_buffer_bytes), and its granule.
constexpr int64_t kMinCollectiveBuffer = int64_t{1} << 20, kMaxCollectiveBuffer = int64_t{16} << 20;
constexpr int64_t kBufferGrain = int64_t{64} << 10;

MpiioHints& configured_hints() {
  static MpiioHints hints;
  return hints;
}

std::string trimmed(const std::string& text) {
  const size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  return text.substr(begin, text.find_last_not_of(" \t") - begin + 1);
}

void merge(MpiioHints& into, const MpiioHints& from) {
  for (const auto& hint : from) {
    auto same = std::find_if(into.begin(), into.end(), [&](const auto& h) { return h.first == hint.first; });
    if (same == into.end()) {
      into.push_back(hint);
    } else {
      same->second = hint.second;
    }
  }
}

}  // namespace

MpiioHints parse_mpiio_hints(const std::string& text, const std::string& source) {
  MpiioHints hints;
  size_t begin = 0;
  while (begin <= text.size()) {
    const size_t comma = std::min(text.find(',', begin), text.size());
    const std::string item = trimmed(text.substr(begin, comma - begin));
    begin = comma + 1;
    if (item.empty()) continue;
    const size_t equals = item.find('=');
    const std::string key = equals == std::string::npos ? "" : trimmed(item.substr(0, equals));
    const std::string value = equals == std::string::npos ? "" : trimmed(item.substr(equals + 1));
    if (key.empty() || value.empty()) {
      throw InputError(source + ": '" + item + "' is not of the form key=value (e.g. cb_nodes=8)");
    }
    hints.emplace_back(key, value);
  }
  return hints;
}

void set_mpiio_hints(const std::string& text) { configured_hints() = parse_mpiio_hints(text, "MPI-IO hints"); }

int64_t collective_buffer_bytes(int64_t rank_share_bytes) {
  const int64_t eighth = rank_share_bytes / 8 / kBufferGrain * kBufferGrain;
  return std::clamp(eighth, kMinCollectiveBuffer, kMaxCollectiveBuffer);
}

MpiioHints effective_mpiio_hints(int64_t rank_share_bytes) {
  MpiioHints hints = kDefaultHints;
  if (rank_share_bytes > 0)
    merge(hints, {{"cb_buffer_size", std::to_string(collective_buffer_bytes(rank_share_bytes))}});
  merge(hints, configured_hints());
  if (const char* env = std::getenv("JOINTFACT_MPIIO_HINTS")) {
    merge(hints, parse_mpiio_hints(env, "JOINTFACT_MPIIO_HINTS"));
  }
  return hints;
}

MpiioInfo::MpiioInfo(int64_t rank_share_bytes) {
  MPI_Info_create(&info_);
  for (const auto& [key, value] : effective_mpiio_hints(rank_share_bytes)) {
    MPI_Info_set(info_, key.c_str(), value.c_str());
  }
}

MpiioInfo::~MpiioInfo() {
  if (info_ != MPI_INFO_NULL) MPI_Info_free(&info_);
}

}  // namespace jf
