// The default grid follows the matrix's shape: a tall matrix gets a tall grid, a wide one a wide grid, a
// square one the near-square grid of before, and every process row and column owns a block when it can.
#include <catch2/catch.hpp>

#include "jointfact/distributed/grid.hpp"

using jf::GridShape;

namespace {
bool same(GridShape a, GridShape b) { return a.prows == b.prows && a.pcols == b.pcols; }
}  // namespace

TEST_CASE("the default grid follows the matrix's aspect ratio", "[dist][grid]") {
  REQUIRE(same(GridShape::for_matrix(4, 2000000, 50, 64), {4, 1}));
  REQUIRE(same(GridShape::for_matrix(4, 50, 2000000, 64), {1, 4}));
  REQUIRE(same(GridShape::for_matrix(4, 4000, 3000, 64), {2, 2}));
  REQUIRE(same(GridShape::for_matrix(8, 100000, 1000, 64), {8, 1}));
  REQUIRE(same(GridShape::for_matrix(16, 60000, 3000, 64), {16, 1}));
  REQUIRE(same(GridShape::for_matrix(16, 12000, 3000, 64), {8, 2}));
  // Square matrices keep the near-square grid, ties going to the taller one.
  for (int p : {1, 2, 3, 4, 6, 8, 12, 16}) {
    const GridShape square = GridShape::for_matrix(p, 5000, 5000, 64), near = GridShape::near_square(p);
    INFO(p << " ranks");
    REQUIRE(same(square, near));
  }
  // 100 x 2 is two row blocks and one column block: no grid of 4 gives every rank data, so the shape decides.
  REQUIRE(same(GridShape::for_matrix(4, 100, 2, 64), {4, 1}));
  // 130 x 130000 (3 row blocks): 1x4, every rank holds column blocks.
  REQUIRE(same(GridShape::for_matrix(4, 130, 130000, 64), {1, 4}));
  REQUIRE(same(GridShape::for_matrix(4, 1000, 1, 64), {4, 1}));
  REQUIRE(same(GridShape::for_matrix(3, 10, 10, 1), {3, 1}));
}

TEST_CASE("block sizes that cripple reads and BLAS are named", "[dist][grid]") {
  REQUIRE(jf::small_block_warning(1).find("block size 1") != std::string::npos);
  REQUIRE(!jf::small_block_warning(7).empty());
  REQUIRE(jf::small_block_warning(8).empty());
  REQUIRE(jf::small_block_warning(64).empty());
}
