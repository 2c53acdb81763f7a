#pragma once
// Layouts in which a rank owns whole columns or whole rows of a thin factor (N x k), for the solves that
// need them: banded smoothness systems run down a whole column; non-negative least squares works on
// whole rows. Both grids span every rank of the communicator; data moves with pdgemr2d.
#include "jointfact/distributed/dist_matrix.hpp"

namespace jf::joint {

class FactorLayouts {
 public:
  explicit FactorLayouts(MPI_Comm comm);

  // A copy of z on a 1 x P grid with column block 1: column j lives, whole, on rank j mod P.
  DistMatrix whole_columns(const DistMatrix& z) const;
  // A copy of z on a P x 1 grid (z's row block): each rank owns whole rows.
  DistMatrix whole_rows(const DistMatrix& z) const;

 private:
  GridPtr column_grid_, row_grid_;
};

// ||D2 Z||_F^2 summed over the columns of a distributed factor.
double smoothness_energy(const DistMatrix& z, const FactorLayouts& layouts);

}  // namespace jf::joint
