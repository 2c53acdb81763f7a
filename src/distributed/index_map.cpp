#include "jointfact/distributed/index_map.hpp"

#include <stdexcept>

namespace jf {

BlockCyclicMap::BlockCyclicMap(int64_t n_gl, int64_t nb, int nprocs, int src, int myproc)
    : n_gl_(n_gl), nb_(nb), nprocs_(nprocs), src_(src), myproc_(myproc) {
  if (n_gl < 0 || nb < 1 || nprocs < 1 || src < 0 || src >= nprocs || myproc >= nprocs) {
    throw std::invalid_argument("BlockCyclicMap: invalid n, block size, process count or source");
  }
}

int64_t BlockCyclicMap::local_size(int p) const {
  const int64_t full_blocks = n_gl_ / nb_;
  const int64_t my_dist = first_block(p);
  int64_t size = (full_blocks / nprocs_) * nb_;
  const int64_t extra_blocks = full_blocks % nprocs_;
  if (my_dist < extra_blocks) {
    size += nb_;
  } else if (my_dist == extra_blocks) {
    size += n_gl_ % nb_;  // the trailing partial block
  }
  return size;
}

int64_t BlockCyclicMap::local_to_global(int64_t i_lc, int p) const {
  const int64_t ib_lc = i_lc / nb_;
  const int64_t ib = ib_lc * nprocs_ + first_block(p);
  return ib * nb_ + i_lc % nb_;
}

}  // namespace jf
