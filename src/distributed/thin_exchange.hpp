#pragma once
// The data movement of the thin products for an n x l operand that keeps all l columns in one block on
// one process column, its rows block-cyclic over the process rows (the SVDs' row-space bases): one
// all-to-all over the grid moves whole rows between that layout and A's column distribution. It takes
// the place of a pdtran to l x n plus a broadcast (or a reduce plus a pdtran back), so each row crosses
// the network once, straight to the ranks that use it.
#include <vector>

#include "jointfact/distributed/dist_matrix.hpp"

namespace jf::detail {

// True when t's columns form one block (so they all live on process column t.col_map().source()).
bool has_single_column_block(const DistMatrix& t);

// X's rows where A's columns are: on every rank of the grid, an l x n_loc column-major array whose
// column j_lc is X(j, :) for A's local column j_lc (n_loc = a.local_cols()). Collective over A's
// communicator. Precondition: has_single_column_block(x), x.rows() == a.cols(), same grid.
std::vector<double> gather_rows_for_local_columns(const DistMatrix& a, const DistMatrix& x);

// z = the sum over A's process rows of every rank's `partial` (l x n_loc column-major, column j_lc a
// partial row of z for A's local column j_lc), each row summed where z keeps it: a reduce-scatter within
// each process column, then each summed row goes once to its rank of z. Collective over A's communicator.
// Each rank receives O(l n / (PR PC)) in the first step and a rank of z O(l n / PR) in the second.
// Precondition: has_single_column_block(z), z.rows() == a.cols(), same grid.
void sum_local_columns_into_rows(const DistMatrix& a, const std::vector<double>& partial, DistMatrix& z);

}  // namespace jf::detail
