#pragma once
// MPI-IO hints for every parallel HDF5 file jointfact opens (collective buffering nodes and buffer size,
// ROMIO's collective read/write switches, Lustre striping). Defaults suit a parallel file system; a
// setting from the configuration (set_mpiio_hints) or the environment JOINTFACT_MPIIO_HINTS
// ("key=value,key=value"; wins over the configuration) replaces or adds single keys.
#include <mpi.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace jf {

using MpiioHints = std::vector<std::pair<std::string, std::string>>;

// "cb_nodes=8,cb_buffer_size=16777216" -> pairs; throws InputError naming `source` on a malformed item.
MpiioHints parse_mpiio_hints(const std::string& text, const std::string& source);

// Sets the process-wide hints from configuration text (same syntax); every rank must pass the same text.
void set_mpiio_hints(const std::string& text);

// The collective buffer (cb_buffer_size) for a rank holding rank_share_bytes of the data: an eighth of
// the share, within [1 MiB, 16 MiB]. ROMIO's aggregators fill a buffer of that size in each collective
// call, which at many ranks would otherwise rival the rank's share itself.
int64_t collective_buffer_bytes(int64_t rank_share_bytes);

// Defaults, then cb_buffer_size = collective_buffer_bytes(rank_share_bytes) when rank_share_bytes > 0
// (else 16 MiB), then the configuration's keys, then JOINTFACT_MPIIO_HINTS's keys (so a cb_buffer_size
// set by the user always wins).
MpiioHints effective_mpiio_hints(int64_t rank_share_bytes = 0);

// An MPI_Info holding effective_mpiio_hints(rank_share_bytes), freed on destruction; pass get() to
// H5Pset_fapl_mpio.
class MpiioInfo {
 public:
  explicit MpiioInfo(int64_t rank_share_bytes = 0);
  ~MpiioInfo();
  MpiioInfo(const MpiioInfo&) = delete;
  MpiioInfo& operator=(const MpiioInfo&) = delete;
  MPI_Info get() const { return info_; }

 private:
  MPI_Info info_ = MPI_INFO_NULL;
};

}  // namespace jf
