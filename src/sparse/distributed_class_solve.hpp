#pragma once
// A support class too big for one rank, solved on the whole grid (distributed_fsmf.cpp). A rank-one
// class runs best_rank_one's power iteration on each rank's own entries (distributed_rank_one.hpp);
// otherwise (or where that iteration does not settle) its residual block (A[I, J] minus the terms of earlier
// overlapping classes, subtracted where A lies) is moved straight from A's layout into a block-cyclic
// |I| x |J| matrix on A's grid (one all-to-all, O(|I| |J| / P) per rank), and the best rank-|P| approximation comes
// from the exact distributed SVD (svd/bidiagonal_svd.hpp). Private to the sparse module.
#include <cstddef>
#include <vector>

#include "fsmf_local_factors.hpp"
#include "jointfact/distributed/dist_matrix.hpp"
#include "jointfact/sparse/fsmf.hpp"
#include "jointfact/sparse/low_rank_block.hpp"
#include "jointfact/sparse/support_classes.hpp"

namespace jf::sparse::detail {

// Collective over a.grid().comm(). Returns on every rank u (|I| x |P|) and v (|J| x |P|) with
// u v^T the best rank-|P| approximation of A[I, J] minus the earlier overlapping classes' terms (taken
// from the factors held like A, subtracted by each holder on its own entries), split as best_rank_k splits it
// (sqrt(s) on each side). The solution (|I| + |J|) |P| is returned whole; the caller keeps its own rows.
// `mine`: the class (whole index sets); `subtract`: the members of the earlier classes overlapping it.
LowRankFactors solve_class_distributed(const DistMatrix& a, const SupportClass& mine,
                                       const std::vector<std::int64_t>& subtract, const LocalFactors& factors);

}  // namespace jf::sparse::detail
