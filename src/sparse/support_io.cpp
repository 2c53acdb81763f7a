#include "sparse/support_io.hpp"

#include <mpi.h>

#include <cstdio>

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

SupportMatrix read_support(const GridPtr& grid, const DatasetInfo& info, const std::string& option) {
  ReadOptions read;
  read.allow_integer = true;
  const DistMatrix mask = read_matrix(grid, info, read);
  Eigen::MatrixXd full = Eigen::MatrixXd::Zero(mask.rows(), mask.cols());
  mask.for_each_local([&](std::int64_t i_gl, std::int64_t j_gl, double value) { full(i_gl, j_gl) = value; });
  MPI_Allreduce(MPI_IN_PLACE, full.data(), static_cast<int>(full.size()), MPI_DOUBLE, MPI_SUM, grid->comm());
  // Row-major scan so that "first" means what h5py shows first.
  for (Eigen::Index i = 0; i < full.rows(); ++i)
    for (Eigen::Index j = 0; j < full.cols(); ++j)
      if (full(i, j) != 0.0 && full(i, j) != 1.0) {
        char value[32];
        std::snprintf(value, sizeof value, "%g", full(i, j));
        throw InputError(option + " " + described(info) + " has the value " + value + " at (" + std::to_string(i) +
                         ", " + std::to_string(j) + "); a support mask holds only 0 and 1");
      }
  return full.array() != 0.0;
}

}  // namespace jf::sparse
