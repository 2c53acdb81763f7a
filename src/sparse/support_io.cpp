#include "sparse/support_io.hpp"

#include <mpi.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

#include "jointfact/core/error.hpp"
#include "jointfact/io/matrix_io.hpp"

namespace jf::sparse {

namespace {

std::string described(const DatasetInfo& info) { return info.file + ":" + info.dataset; }

std::string shape_of(const DatasetInfo& info) {
  std::string text;
  for (std::int64_t d : info.shape) text += (text.empty() ? "" : " x ") + std::to_string(d);
  return text;
}

}  // namespace

void require_support_shapes(std::int64_t m, std::int64_t n, const DatasetInfo& support_x, const DatasetInfo& support_y,
                            const std::string& option_x, const std::string& option_y) {
  for (const auto* info : {&support_x, &support_y})
    if (info->shape.size() != 2)
      throw InputError((info == &support_x ? option_x : option_y) + " " + described(*info) + " is " + shape_of(*info) +
                       "; expected a 2-D 0/1 mask");
  if (support_x.shape[0] != m)
    throw InputError(option_x + " " + described(support_x) + " is " + shape_of(support_x) + " but the input has " +
                     std::to_string(m) + " rows");
  if (support_y.shape[0] != n)
    throw InputError(option_y + " " + described(support_y) + " is " + shape_of(support_y) + " but the input has " +
                     std::to_string(n) + " columns");
  if (support_x.shape[1] != support_y.shape[1])
    throw InputError(option_x + " has " + std::to_string(support_x.shape[1]) + " columns but " + option_y + " has " +
                     std::to_string(support_y.shape[1]) + "; both must have r (the number of factor columns)");
  if (support_x.shape[1] < 1) throw InputError(option_x + " " + described(support_x) + " has no columns");
}

DistMatrix read_support(const GridPtr& grid, const DatasetInfo& info, const std::string& option, std::int64_t block) {
  ReadOptions read;
  read.allow_integer = true;
  read.block = block;
  DistMatrix mask = read_matrix(grid, info, read);
  // This rank's first entry (row-major, so that "first" means what h5py shows first) that is not 0 or 1,
  // then the first over the ranks.
  double first[2] = {std::numeric_limits<double>::infinity(), 0.0};  // linear index, value
  mask.for_each_local([&](std::int64_t i_gl, std::int64_t j_gl, double value) {
    const double at = static_cast<double>(i_gl) * static_cast<double>(mask.cols()) + static_cast<double>(j_gl);
    if (value != 0.0 && value != 1.0 && at < first[0]) first[0] = at, first[1] = value;
  });
  std::vector<double> all(2 * static_cast<std::size_t>(grid->size()));
  MPI_Allgather(first, 2, MPI_DOUBLE, all.data(), 2, MPI_DOUBLE, grid->comm());
  std::size_t worst = 0;
  for (std::size_t r = 1; r < all.size() / 2; ++r)
    if (all[2 * r] < all[2 * worst]) worst = r;
  if (std::isfinite(all[2 * worst])) {
    const auto at = static_cast<std::int64_t>(all[2 * worst]);
    char value[32];
    std::snprintf(value, sizeof value, "%g", all[2 * worst + 1]);
    throw InputError(option + " " + described(info) + " has the value " + value + " at (" +
                     std::to_string(at / mask.cols()) + ", " + std::to_string(at % mask.cols()) +
                     "); a support mask holds only 0 and 1");
  }
  return mask;
}

}  // namespace jf::sparse
