#pragma once
// Reading FSMF supports (0/1 masks, m x r and n x r) for `jointfact fsmf` and the pipeline.
// Each rank reads and keeps its block-cyclic part of a mask; none holds a whole one.

#include "jointfact/distributed/dist_matrix.hpp"
#include "jointfact/distributed/grid.hpp"
#include "jointfact/io/dataset_path.hpp"
#include "jointfact/sparse/support_classes.hpp"

#include <cstdint>
#include <string>

namespace jf::sparse {

// Before anything is read: InputError (same on every rank) unless S_X is m x r and S_Y is n x r
// with the same r >= 1. `option_x` / `option_y` name the arguments in the message.
void require_support_shapes(std::int64_t m, std::int64_t n, const DatasetInfo& support_x, const DatasetInfo& support_y,
                            const std::string& option_x = "support_x", const std::string& option_y = "support_y");

// Collective: reads an integer, bool or float mask (block size `block`) as 0.0 / 1.0 on `grid`. InputError
// on every rank naming the first entry (row-major) that is not 0 or 1.
DistMatrix read_support(const GridPtr& grid, const DatasetInfo& info, const std::string& option,
                        std::int64_t block = DistMatrix::kDefaultBlock);

}  // namespace jf::sparse
