#pragma once
// Where each entry of a block-cyclic DistMatrix lives, tabulated per global index, so that the
// sparse drivers' exchanges can ask "who holds A(i, j)" and "what is it" in O(1). Private to the
// sparse module.

#include <mpi.h>

#include <cstdint>
#include <vector>

#include "jointfact/distributed/dist_matrix.hpp"

namespace jf::sparse::detail {

// Comm rank of each process (prow, pcol) of the grid, indexed prow * pcols + pcol (collective).
inline std::vector<int> ranks_of_processes(const Grid& grid) {
  const int coords[2] = {grid.myrow(), grid.mycol()};
  std::vector<int> all(2 * static_cast<std::size_t>(grid.size()));
  MPI_Allgather(coords, 2, MPI_INT, all.data(), 2, MPI_INT, grid.comm());
  std::vector<int> rank_at(static_cast<std::size_t>(grid.prows() * grid.pcols()), -1);
  for (int r = 0; r < grid.size(); ++r)
    if (all[2 * r] >= 0) rank_at[all[2 * r] * grid.pcols() + all[2 * r + 1]] = r;
  return rank_at;
}

class BlockCyclicEntries {
 public:
  // Collective. `a` must outlive this object.
  explicit BlockCyclicEntries(const DistMatrix& a)
      : rank_at_(ranks_of_processes(a.grid())),
        pcols_(a.grid().pcols()),
        myrow_(a.grid().myrow()),
        mycol_(a.grid().mycol()),
        data_(a.data()),
        lld_(a.lld()) {
    tabulate(a.row_map(), row_owner_, row_lc_);
    tabulate(a.col_map(), col_owner_, col_lc_);
  }

  bool row_here(std::int64_t i_gl) const { return row_owner_[i_gl] == myrow_; }
  bool col_here(std::int64_t j_gl) const { return col_owner_[j_gl] == mycol_; }
  int holder(std::int64_t i_gl, std::int64_t j_gl) const {
    return rank_at_[row_owner_[i_gl] * pcols_ + col_owner_[j_gl]];
  }
  // Precondition: row_here(i_gl) && col_here(j_gl).
  double value(std::int64_t i_gl, std::int64_t j_gl) const { return data_[row_lc_[i_gl] + col_lc_[j_gl] * lld_]; }

 private:
  static void tabulate(const BlockCyclicMap& map, std::vector<int>& owner, std::vector<std::int64_t>& local) {
    owner.resize(static_cast<std::size_t>(map.global_size()));
    local.resize(static_cast<std::size_t>(map.global_size()));
    for (std::int64_t i_gl = 0; i_gl < map.global_size(); ++i_gl) {
      owner[i_gl] = map.owner(i_gl);
      local[i_gl] = map.global_to_local(i_gl);
    }
  }

  std::vector<int> rank_at_;
  int pcols_, myrow_, mycol_;
  const double* data_;
  std::int64_t lld_;
  std::vector<int> row_owner_, col_owner_;
  std::vector<std::int64_t> row_lc_, col_lc_;
};

}  // namespace jf::sparse::detail
