#include <catch2/catch.hpp>

#include "distributed/scalapack_prototypes.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/distributed/grid.hpp"
#include "jointfact/distributed/index_map.hpp"

using jf::BlockCyclicMap;

TEST_CASE("BlockCyclicMap local sizes agree with ScaLAPACK's numroc", "[dist][index]") {
  for (int n : {0, 1, 7, 64, 65, 301, 1000})
    for (int nb : {1, 2, 3, 7, 64})
      for (int nprocs : {1, 2, 3, 4})
        for (int src = 0; src < nprocs; ++src) {
          int64_t total = 0;
          for (int p = 0; p < nprocs; ++p) {
            const BlockCyclicMap map(n, nb, nprocs, src, p);
            const int expected = numroc_(&n, &nb, &p, &src, &nprocs);
            INFO("n=" << n << " nb=" << nb << " P=" << nprocs << " src=" << src << " p=" << p);
            REQUIRE(map.local_size() == expected);
            total += map.local_size();
          }
          REQUIRE(total == n);
        }
}

TEST_CASE("global <-> local index maps are inverse and honour the source offset", "[dist][index]") {
  for (int n : {1, 13, 301})
    for (int nb : {1, 3, 7, 64})
      for (int nprocs : {1, 2, 3})
        for (int src = 0; src < nprocs; ++src) {
          std::vector<int64_t> seen(n, 0);
          for (int p = 0; p < nprocs; ++p) {
            const BlockCyclicMap map(n, nb, nprocs, src, p);
            int64_t previous = -1;
            for (int64_t i_lc = 0; i_lc < map.local_size(); ++i_lc) {
              const int64_t i_gl = map.local_to_global(i_lc);
              REQUIRE(i_gl > previous);  // local order follows global order
              previous = i_gl;
              REQUIRE(map.owner(i_gl) == p);
              REQUIRE(map.global_to_local(i_gl) == i_lc);
              ++seen[i_gl];
            }
          }
          for (int64_t count : seen) REQUIRE(count == 1);  // every index owned exactly once
          REQUIRE(BlockCyclicMap(n, nb, nprocs, src, 0).owner(0) == src);
        }
}

TEST_CASE("rank outside the grid owns nothing", "[dist][index]") {
  REQUIRE(BlockCyclicMap(100, 8, 2, 0, -1).local_size() == 0);
}

TEST_CASE("grid shapes: parse, near-square default, refusal of too many ranks", "[dist][grid]") {
  REQUIRE(jf::GridShape::parse("2x3").prows == 2);
  REQUIRE(jf::GridShape::parse("2X3").pcols == 3);
  REQUIRE_THROWS_AS(jf::GridShape::parse("2by3"), jf::InputError);
  REQUIRE_THROWS_AS(jf::GridShape::parse("0x3"), jf::InputError);
  REQUIRE(jf::GridShape::near_square(4).prows == 2);
  REQUIRE(jf::GridShape::near_square(6).prows == 3);
  REQUIRE(jf::GridShape::near_square(6).pcols == 2);
  REQUIRE(jf::GridShape::near_square(2).prows == 2);
  REQUIRE(jf::GridShape::near_square(7).pcols == 1);
  REQUIRE(jf::GridShape::near_square(1).pcols == 1);

  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  REQUIRE_THROWS_AS(jf::Grid(MPI_COMM_WORLD, {size + 1, 1}), jf::InputError);
  const jf::Grid grid(MPI_COMM_WORLD);
  REQUIRE(grid.prows() * grid.pcols() == size);
  REQUIRE(grid.in_grid());
  // A 1x1 grid on several ranks: only rank 0 is inside.
  const jf::Grid single(MPI_COMM_WORLD, {1, 1});
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  REQUIRE(single.in_grid() == (rank == 0));
}
