#pragma once
// The best rank-one approximation of a support class's residual block, A[I, J] minus the terms of the
// earlier classes that overlap it, computed where A lies: each rank keeps only its own entries of the
// block (O(|I| |J| / P) memory, no rank holds the whole block) and best_rank_one's power iteration runs
// on them, one allreduce of an |I| or |J| vector per product, from the same start. The result equals
// best_rank_one on the gathered block up to rounding. Private to the sparse module.
#include <cstddef>
#include <optional>
#include <vector>

#include "fsmf_local_factors.hpp"
#include "jointfact/distributed/dist_matrix.hpp"
#include "jointfact/sparse/fsmf.hpp"
#include "jointfact/sparse/low_rank_block.hpp"
#include "jointfact/sparse/support_classes.hpp"

namespace jf::sparse::detail {

// Collective over a.grid().comm(); factors held like A (fsmf_local_factors.hpp). nullopt (on every rank) where
// best_rank_one would not iterate: a short side <= kDenseMaxShortSide, or no convergence within power_iteration_cap;
// the caller then solves the class another way.
// `mine`: the class (whole index sets); `subtract`: the members of the earlier classes overlapping it.
std::optional<RankOneFactors> rank_one_distributed(const DistMatrix& a, const SupportClass& mine,
                                                   const std::vector<std::int64_t>& subtract,
                                                   const LocalFactors& factors);

}  // namespace jf::sparse::detail
