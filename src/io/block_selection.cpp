#include "io/block_selection.hpp"

#include <algorithm>
#include <vector>

namespace jf::h5 {
namespace {

// A regular run of owned indices: `count` pieces of `block` indices, `stride` apart, from `start`.
struct Run {
  hsize_t start, stride, count, block;
};

// The indices in [begin, end) that process proc owns, as few regular runs as possible: the owned
// pieces (whole blocks, or partial ones at the range ends and the matrix end) in increasing order,
// with consecutive pieces of equal length and equal spacing merged into one run.
std::vector<Run> owned_runs(const BlockCyclicMap& map, int proc, int64_t begin, int64_t end) {
  std::vector<Run> runs;
  if (proc < 0 || begin >= end) return runs;
  const int64_t nb = map.block_size(), p = map.nprocs();
  // First block at or after begin's block that proc owns; then every p-th block.
  int64_t ib = begin / nb;
  ib += (map.first_block(proc) - ib % p + p) % p;
  for (; ib * nb < end; ib += p) {
    const int64_t piece_begin = std::max(begin, ib * nb), piece_end = std::min(end, (ib + 1) * nb);
    const hsize_t start = hsize_t(piece_begin), length = hsize_t(piece_end - piece_begin);
    if (!runs.empty()) {
      Run& last = runs.back();
      const hsize_t next_start = last.start + last.count * last.stride;
      const bool same_spacing = last.count == 1 ? start > last.start : start == next_start;
      if (last.block == length && same_spacing) {
        if (last.count == 1) last.stride = start - last.start;
        ++last.count;
        continue;
      }
    }
    runs.push_back({start, 1, 1, length});
  }
  return runs;
}

}  // namespace

void select_local_rows(hid_t file_space, const DistMatrix& a, bool file_is_1d, int64_t row_begin, int64_t row_end) {
  H5Sselect_none(file_space);
  if (a.local_rows() == 0 || a.local_cols() == 0) return;
  const auto row_runs = owned_runs(a.row_map(), a.grid().myrow(), row_begin, std::min(row_end, a.rows()));
  if (file_is_1d) {
    for (const Run& r : row_runs)
      H5Sselect_hyperslab(file_space, H5S_SELECT_OR, &r.start, &r.stride, &r.count, &r.block);
    return;
  }
  const auto col_runs = owned_runs(a.col_map(), a.grid().mycol(), 0, a.cols());
  for (const Run& r : row_runs) {
    for (const Run& c : col_runs) {
      const hsize_t start[2] = {r.start, c.start}, stride[2] = {r.stride, c.stride};
      const hsize_t count[2] = {r.count, c.count}, block[2] = {r.block, c.block};
      H5Sselect_hyperslab(file_space, H5S_SELECT_OR, start, stride, count, block);
    }
  }
}

void select_local_part(hid_t file_space, const DistMatrix& a, bool file_is_1d) {
  select_local_rows(file_space, a, file_is_1d, 0, a.rows());
}

void local_to_row_major(const DistMatrix& a, double* buffer) {
  const auto local = a.local();
  for (int64_t i = 0; i < a.local_rows(); ++i)
    for (int64_t j = 0; j < a.local_cols(); ++j) buffer[i * a.local_cols() + j] = local(i, j);
}

void row_major_to_local(const double* buffer, DistMatrix& a) { row_major_rows_to_local(buffer, a, 0, a.local_rows()); }

void row_major_rows_to_local(const double* buffer, DistMatrix& a, int64_t i_lc_begin, int64_t i_lc_end) {
  auto local = a.local();
  const int64_t cols = a.local_cols();
  for (int64_t j = 0; j < cols; ++j)
    for (int64_t i = i_lc_begin; i < i_lc_end; ++i) local(i, j) = buffer[(i - i_lc_begin) * cols + j];
}

}  // namespace jf::h5
