#include "jointfact/joint/factor_layouts.hpp"

#include <algorithm>

#include "joint/second_difference.hpp"
#include "jointfact/core/collective.hpp"
#include "jointfact/distributed/pblas.hpp"

namespace jf::joint {

FactorLayouts::FactorLayouts(MPI_Comm comm)
    : column_grid_(make_grid(comm, GridShape{1, comm_size(comm)})),
      row_grid_(make_grid(comm, GridShape{comm_size(comm), 1})) {}

DistMatrix FactorLayouts::whole_columns(const DistMatrix& z) const {
  DistMatrix columns(column_grid_, z.rows(), z.cols(), std::max<int64_t>(z.rows(), 1), 1);
  redistribute(z, columns);
  return columns;
}

DistMatrix FactorLayouts::whole_rows(const DistMatrix& z) const {
  DistMatrix rows(row_grid_, z.rows(), z.cols(), z.row_block(), std::max<int64_t>(z.cols(), 1));
  redistribute(z, rows);
  return rows;
}

double smoothness_energy(const DistMatrix& z, const FactorLayouts& layouts) {
  const DistMatrix columns = layouts.whole_columns(z);
  double local = 0;
  const auto local_columns = columns.local();
  for (int64_t j = 0; j < columns.local_cols(); ++j) local += SecondDifferenceGram::energy(local_columns.col(j));
  double total = 0;
  MPI_Allreduce(&local, &total, 1, MPI_DOUBLE, MPI_SUM, z.grid().comm());
  return total;
}

}  // namespace jf::joint
