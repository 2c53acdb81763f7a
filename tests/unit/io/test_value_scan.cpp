// scan_values (the one-pass range and norm of `info` and of the input check) against summarize_values and
// frobenius_norm on gathered matrices: finite data on every grid and block size with ragged edges, and the
// cases that take the exact path (NaN, infinities, entries whose squares overflow or underflow); the same
// summary gathered by read_matrix while it reads.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <limits>

#include "../test_support.hpp"
#include "distributed/counter_random.hpp"
#include "jointfact/io/matrix_io.hpp"
#include "jointfact/io/output_file.hpp"
#include "jointfact/io/value_bounds.hpp"

using namespace jf;

namespace {

// The gathered matrix's min and max over finite entries, and its norm (Eigen's stableNorm).
void require_matches_gathered(const DistMatrix& a) {
  const Eigen::MatrixXd full = test::gather(a);
  const ValuesAndNorm scanned = scan_values(a);
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  int64_t bad = 0;
  for (int64_t j = 0; j < full.cols(); ++j)
    for (int64_t i = 0; i < full.rows(); ++i) {
      if (std::isfinite(full(i, j))) {
        lo = std::min(lo, full(i, j));
        hi = std::max(hi, full(i, j));
      } else {
        ++bad;
      }
    }
  REQUIRE(scanned.values.non_finite == bad);
  if (bad < full.size()) {
    REQUIRE(scanned.values.min == lo);
    REQUIRE(scanned.values.max == hi);
  }
  const ValueSummary exact = summarize_values(a);
  REQUIRE(scanned.values.first_bad_row == exact.first_bad_row);
  REQUIRE(scanned.values.first_bad_col == exact.first_bad_col);
  const double norm = frobenius_norm(a);
  if (std::isfinite(norm)) {
    REQUIRE(std::abs(scanned.frobenius - norm) <= 8 * test::kEps * full.size() * norm);
  } else {
    REQUIRE(std::isnan(scanned.frobenius) == std::isnan(norm));
  }
}

}  // namespace

TEST_CASE("scan_values: range and norm of finite data on every grid and block size", "[io]") {
  for (const GridShape& shape : test::grids_fitting(test::world_size())) {
    GridPtr grid = make_grid(MPI_COMM_WORLD, shape);
    for (int64_t block : test::block_sizes()) {
      for (auto [m, n] : {std::pair<int64_t, int64_t>{13, 7}, {1, 9}, {9, 1}, {66, 5}}) {
        DistMatrix a(grid, m, n, block, block);
        a.for_each_local([&](int64_t i, int64_t j, double& v) { v = counter_normal(5, 0, i, j); });
        require_matches_gathered(a);
      }
    }
  }
}

TEST_CASE("scan_values: non-finite, huge and tiny entries take the exact path", "[io]") {
  GridPtr grid = make_grid(MPI_COMM_WORLD, test::grids_fitting(test::world_size()).back());
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  for (double special : {nan, inf, -inf, 1e200, -1e-200, 0.0}) {
    DistMatrix a(grid, 11, 6, 2, 3);
    a.for_each_local([&](int64_t i, int64_t j, double& v) {
      v = special == 0.0 ? 0.0 : (i == 7 && j >= 4 ? special : counter_normal(9, 0, i, j));
      if (std::abs(special) < 1e-100 && special != 0.0) v *= special;  // every entry tiny
    });
    require_matches_gathered(a);
  }
}

TEST_CASE("read_matrix gathers scan_values while it reads", "[io]") {
  long long id = getpid();
  MPI_Bcast(&id, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
  const std::string path = "/tmp/jf-test-" + std::to_string(id) + "-scan.h5";
  for (const GridShape& shape : test::grids_fitting(test::world_size())) {
    GridPtr grid = make_grid(MPI_COMM_WORLD, shape);
    for (int64_t block : {int64_t{3}, int64_t{64}}) {
      DistMatrix original(grid, 37, 11, block, block);
      original.for_each_local([&](int64_t i, int64_t j, double& v) { v = counter_normal(4, 0, i, j); });
      {
        OutputFile out(MPI_COMM_WORLD, path);
        out.write_matrix("/A", original);
        out.commit();
      }
      ReadOptions options;
      options.block = block;
      ValuesAndNorm read_values;
      const DistMatrix a = read_matrix(grid, inspect_dataset(MPI_COMM_WORLD, {path, "/A"}, 2), options, read_values);
      const ValuesAndNorm scanned = scan_values(a);
      REQUIRE(read_values.values.min == scanned.values.min);
      REQUIRE(read_values.values.max == scanned.values.max);
      REQUIRE(std::abs(read_values.frobenius - scanned.frobenius) <= 64 * test::kEps * scanned.frobenius);
      require_matches_gathered(a);
    }
  }
  MPI_Barrier(MPI_COMM_WORLD);
  if (test::world_rank() == 0) std::remove(path.c_str());
}
