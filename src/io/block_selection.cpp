#include "jointfact/io/block_selection.hpp"

#include <vector>

namespace jf::h5 {
namespace {

// A regular run of owned indices: `count` blocks of `block` indices, `stride` apart, from `start`.
struct Run {
  hsize_t start, stride, count, block;
};

// The owned indices of one dimension as at most two regular runs: the full blocks, then the trailing
// partial block when this process owns it.
std::vector<Run> owned_runs(const BlockCyclicMap& map, int proc) {
  std::vector<Run> runs;
  if (proc < 0) return runs;
  const int64_t nb = map.block_size(), n = map.global_size(), p = map.nprocs();
  const int64_t full_blocks = n / nb;
  const int64_t first = map.first_block(proc);
  if (first < full_blocks) {
    const int64_t count = (full_blocks - 1 - first) / p + 1;
    runs.push_back({hsize_t(first * nb), hsize_t(p * nb), hsize_t(count), hsize_t(nb)});
  }
  const int64_t tail = n % nb;
  if (tail > 0 && full_blocks >= first && (full_blocks - first) % p == 0) {
    runs.push_back({hsize_t(full_blocks * nb), 1, 1, hsize_t(tail)});
  }
  return runs;
}

}  // namespace

void select_local_part(hid_t file_space, const DistMatrix& a, bool file_is_1d) {
  H5Sselect_none(file_space);
  if (a.local_rows() == 0 || a.local_cols() == 0) return;
  const auto row_runs = owned_runs(a.row_map(), a.grid().myrow());
  if (file_is_1d) {
    for (const Run& r : row_runs) H5Sselect_hyperslab(file_space, H5S_SELECT_OR, &r.start, &r.stride, &r.count, &r.block);
    return;
  }
  const auto col_runs = owned_runs(a.col_map(), a.grid().mycol());
  for (const Run& r : row_runs) {
    for (const Run& c : col_runs) {
      const hsize_t start[2] = {r.start, c.start}, stride[2] = {r.stride, c.stride};
      const hsize_t count[2] = {r.count, c.count}, block[2] = {r.block, c.block};
      H5Sselect_hyperslab(file_space, H5S_SELECT_OR, start, stride, count, block);
    }
  }
}

void local_to_row_major(const DistMatrix& a, double* buffer) {
  const auto local = a.local();
  for (int64_t i = 0; i < a.local_rows(); ++i)
    for (int64_t j = 0; j < a.local_cols(); ++j) buffer[i * a.local_cols() + j] = local(i, j);
}

void row_major_to_local(const double* buffer, DistMatrix& a) {
  auto local = a.local();
  for (int64_t j = 0; j < a.local_cols(); ++j)
    for (int64_t i = 0; i < a.local_rows(); ++i) local(i, j) = buffer[i * a.local_cols() + j];
}

}  // namespace jf::h5
