#pragma once
// One dimension of a 2-D block-cyclic distribution: n_gl indices in blocks of nb, dealt round-robin to
// nprocs processes starting at process src. Suffixes: _gl global index, _lc local index, ib block index.
#include <cstdint>

namespace jf {

class BlockCyclicMap {
 public:
  BlockCyclicMap() = default;
  // myproc < 0 means "this rank is outside the grid": it owns nothing.
  BlockCyclicMap(int64_t n_gl, int64_t nb, int nprocs, int src, int myproc);

  int64_t global_size() const { return n_gl_; }
  int64_t block_size() const { return nb_; }
  int nprocs() const { return nprocs_; }
  int source() const { return src_; }

  // Number of indices owned by process p (ScaLAPACK's NUMROC).
  int64_t local_size(int p) const;
  int64_t local_size() const { return myproc_ < 0 ? 0 : local_size(myproc_); }

  int owner(int64_t i_gl) const { return static_cast<int>((src_ + i_gl / nb_) % nprocs_); }
  // Precondition: owner(i_gl) is the process whose local index is wanted.
  int64_t global_to_local(int64_t i_gl) const { return (i_gl / nb_ / nprocs_) * nb_ + i_gl % nb_; }
  int64_t local_to_global(int64_t i_lc) const { return local_to_global(i_lc, myproc_); }
  int64_t local_to_global(int64_t i_lc, int p) const;

  // First global block owned by process p (blocks p's local storage starts with).
  int64_t first_block(int p) const { return (p - src_ + nprocs_) % nprocs_; }

 private:
  int64_t n_gl_ = 0;
  int64_t nb_ = 1;
  int nprocs_ = 1;
  int src_ = 0;
  int myproc_ = -1;
};

}  // namespace jf
