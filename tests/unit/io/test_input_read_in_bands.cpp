// The svd stage's input is read in bands of global rows (src/io/matrix_io.cpp) so that the transfer
// buffer is not a second copy of the local matrix (the memory target). A matrix larger than one band
// (8 MiB of file per collective read) must come back exactly on every grid and block size, including
// bands that end inside a block. (An io test; it lives here because the svd work changed the reader.)
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>

#include "../test_support.hpp"
#include "jointfact/io/matrix_io.hpp"
#include "jointfact/io/output_file.hpp"

using namespace jf;

TEST_CASE("a matrix spanning several read bands is read back exactly on every layout", "[io][svd]") {
  long long id = getpid();
  MPI_Bcast(&id, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
  const std::string path = "/tmp/jf-test-" + std::to_string(id) + "-bands.h5";
  // 701 x 3001 doubles = 16.8 MB: bands of 349 rows, so three reads (349, 349, 3 rows).
  const int64_t m = 701, n = 3001;
  // Distinct, exactly representable values that name their position: cheap to check on every rank.
  auto expected = [n](int64_t i_gl, int64_t j_gl) { return static_cast<double>(i_gl * n + j_gl) + 0.5; };
  {
    DistMatrix written(make_grid(MPI_COMM_WORLD), m, n, 64, 64);
    written.for_each_local([&](int64_t i_gl, int64_t j_gl, double& value) { value = expected(i_gl, j_gl); });
    OutputFile out(MPI_COMM_WORLD, path);
    out.write_matrix("/A", written);
    out.commit();
  }
  for (const GridShape shape : test::grids_fitting(test::world_size())) {
    auto grid = make_grid(MPI_COMM_WORLD, shape);
    for (int64_t nb : {int64_t{5}, int64_t{64}}) {
      ReadOptions options;
      options.block = nb;
      const DistMatrix back = read_matrix(grid, DatasetPath{path, "/A"}, options);
      // Each rank checks its own entries: no gather of a 17 MB matrix.
      long long wrong = 0;
      back.for_each_local([&](int64_t i_gl, int64_t j_gl, double value) {
        if (value != expected(i_gl, j_gl)) ++wrong;
      });
      MPI_Allreduce(MPI_IN_PLACE, &wrong, 1, MPI_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
      INFO("grid " << shape.prows << "x" << shape.pcols << " nb " << nb);
      REQUIRE(wrong == 0);
    }
  }
  MPI_Barrier(MPI_COMM_WORLD);
  if (test::world_rank() == 0) std::remove(path.c_str());
}
