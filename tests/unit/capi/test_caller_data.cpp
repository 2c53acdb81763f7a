// The caller's own data: DistMatrix views over a block-cyclic array and descriptor made by "caller" code
// (its own BLACS grid, row- or column-major, padded lld, submatrix offsets), and the C API's SVDs on it
// against LAPACK (Eigen's SVD of the gathered matrix).
#include <catch2/catch.hpp>

#include <Eigen/SVD>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "../test_support.hpp"
#include "distributed/scalapack_prototypes.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/distributed/grid.hpp"
#include "jointfact/jointfact.h"

using namespace jf;

namespace {

// What a ScaLAPACK program holds: its BLACS context, and one array with its descriptor.
struct CallerGrid {
  int context = -1, nprow = 0, npcol = 0, myrow = -1, mycol = -1;
  CallerGrid(int prows, int pcols, const char* order) {
    Cblacs_get(-1, 0, &context);
    Cblacs_gridinit(&context, order, prows, pcols);
    Cblacs_gridinfo(context, &nprow, &npcol, &myrow, &mycol);
  }
  ~CallerGrid() { Cblacs_gridexit(context); }
};

struct CallerArray {
  std::array<int, 9> desc{};
  std::vector<double> local;
  BlockCyclicMap rows, cols;
  // m x n in mb x nb blocks with `padding` extra rows in the local leading dimension.
  CallerArray(const CallerGrid& g, int m, int n, int mb, int nb, int padding)
      : rows(m, mb, g.nprow, 0, g.myrow), cols(n, nb, g.npcol, 0, g.mycol) {
    const int lld = static_cast<int>(rows.local_size()) + padding;
    desc = {1, g.context, m, n, mb, nb, 0, 0, std::max(1, lld)};
    local.assign(static_cast<size_t>(desc[8] * std::max<int64_t>(1, cols.local_size())), -1.0);
  }
  template <class F>
  void fill(F&& value_of) {
    for (int64_t j = 0; j < cols.local_size(); ++j)
      for (int64_t i = 0; i < rows.local_size(); ++i)
        local[i + j * desc[8]] = value_of(rows.local_to_global(i), cols.local_to_global(j));
  }
};

double entry(int64_t i, int64_t j) { return std::sin(1.0 + 0.37 * i + 1.91 * j * j) + (i == j ? 3.0 : 0.0); }

}  // namespace

TEST_CASE("a view reads and writes the caller's array in place, on row- and column-major grids", "[capi][view]") {
  const int size = test::world_size();
  for (const GridShape shape : test::grids_fitting(size)) {
    if (shape.prows * shape.pcols != size) continue;  // every rank of the communicator must be in the grid
    for (const char* order : {"Row", "Col"}) {
      CallerGrid caller(shape.prows, shape.pcols, order);
      CallerArray array(caller, 19, 13, 3, 2, 2);
      array.fill([](int64_t i, int64_t j) { return 100.0 * i + j; });
      const std::vector<double> before = array.local;
      {
        const GridPtr grid = Grid::from_blacs_context(caller.context);
        REQUIRE(grid->prows() == shape.prows);
        REQUIRE(grid->myrow() == caller.myrow);
        REQUIRE(grid->mycol() == caller.mycol);
        // sub(A) = A(4:15, 3:11): starts on a block boundary in both dimensions.
        DistMatrix view = DistMatrix::view(grid, 12, 9, array.local.data(), 4, 3, array.desc.data());
        REQUIRE(view.is_view());
        const Eigen::MatrixXd seen = test::gather(view);
        for (int64_t i = 0; i < 12; ++i)
          for (int64_t j = 0; j < 9; ++j) REQUIRE(seen(i, j) == 100.0 * (i + 3) + (j + 2));

        DistMatrix copy = view;  // a copy owns its storage
        REQUIRE_FALSE(copy.is_view());
        copy.local().setZero();
        REQUIRE(array.local == before);

        view.local() *= 2.0;  // lands in the caller's array, nowhere else
        for (int64_t j = 0; j < array.cols.local_size(); ++j)
          for (int64_t i = 0; i < array.rows.local_size(); ++i) {
            const int64_t i_gl = array.rows.local_to_global(i), j_gl = array.cols.local_to_global(j);
            const bool inside = i_gl >= 3 && i_gl < 15 && j_gl >= 2 && j_gl < 11;
            REQUIRE(array.local[i + j * array.desc[8]] == (inside ? 2.0 : 1.0) * (100.0 * i_gl + j_gl));
          }
        for (size_t p = 0; p < array.local.size(); ++p)  // the padding rows stay untouched
          if (p % array.desc[8] >= static_cast<size_t>(array.rows.local_size())) REQUIRE(array.local[p] == -1.0);

        REQUIRE_THROWS_AS(DistMatrix::view(grid, 12, 9, array.local.data(), 5, 3, array.desc.data()), InputError);
        REQUIRE_THROWS_AS(DistMatrix::view(grid, 19, 13, array.local.data(), 2, 1, array.desc.data()), InputError);
      }
    }
  }
}

TEST_CASE("the C API's SVDs write the caller's S, U, VT and agree with LAPACK", "[capi][svd]") {
  const int size = test::world_size();
  const int m = 37, n = 23, k = 5;
  for (const GridShape shape : test::grids_fitting(size)) {
    if (shape.prows * shape.pcols != size) continue;
    for (const int nb : {1, 4, 64}) {
      CallerGrid caller(shape.prows, shape.pcols, "Row");
      CallerArray a(caller, m, n, nb, nb, 1), u(caller, m, k, nb, nb, 0), vt(caller, k, n, nb, nb, 3);
      a.fill(entry);
      const std::vector<double> a_before = a.local;
      Eigen::MatrixXd full(m, n);
      for (int i = 0; i < m; ++i)
        for (int j = 0; j < n; ++j) full(i, j) = entry(i, j);
      const Eigen::VectorXd s_lapack = Eigen::BDCSVD<Eigen::MatrixXd>(full).singularValues();

      for (const bool randomized : {false, true}) {
        std::vector<double> s(k, 0.0);
        int info = -99;
        if (randomized) {
          jointfact_svd_options options;
          jointfact_svd_options_init(&options);
          options.oversample = n;  // the basis spans A's whole range: the randomized result is exact too
          jointfact_pdgesvd_randomized(m, n, k, a.local.data(), 1, 1, a.desc.data(), s.data(), u.local.data(), 1, 1,
                                       u.desc.data(), vt.local.data(), 1, 1, vt.desc.data(), &options, &info);
        } else {
          jointfact_pdgesvd_exact(m, n, k, a.local.data(), 1, 1, a.desc.data(), s.data(), u.local.data(), 1, 1,
                                  u.desc.data(), vt.local.data(), 1, 1, vt.desc.data(), &info);
        }
        INFO("grid " << shape.prows << "x" << shape.pcols << ", nb " << nb << (randomized ? ", randomized" : ""));
        REQUIRE(info == 0);
        REQUIRE(a.local == a_before);  // A is read, never written
        const GridPtr grid = Grid::from_blacs_context(caller.context);
        const Eigen::MatrixXd u_full = test::gather(DistMatrix::view(grid, m, k, u.local.data(), 1, 1, u.desc.data()));
        const Eigen::MatrixXd vt_full =
            test::gather(DistMatrix::view(grid, k, n, vt.local.data(), 1, 1, vt.desc.data()));
        const double tolerance = 1e-12;
        for (int j = 0; j < k; ++j) REQUIRE(std::abs(s[j] - s_lapack(j)) <= tolerance * s_lapack(0));
        const Eigen::VectorXd s_vec = Eigen::Map<const Eigen::VectorXd>(s.data(), k);
        const double residual = (full * vt_full.transpose() - u_full * s_vec.asDiagonal()).norm();
        REQUIRE(test::scaled_residual(residual, full.norm(), m, n) < 10.0);
        const double orthogonality = (u_full.transpose() * u_full - Eigen::MatrixXd::Identity(k, k)).norm();
        REQUIRE(test::scaled_residual(orthogonality, 1.0, m, k) < 10.0);
      }
    }
  }
}

TEST_CASE("the C API reports bad arguments by position without a collective", "[capi][errors]") {
  const int size = test::world_size();
  CallerGrid caller(size, 1, "Row");
  CallerArray a(caller, 10, 6, 2, 2, 0), u(caller, 10, 3, 2, 2, 0), vt(caller, 3, 6, 2, 2, 0);
  a.fill(entry);
  std::vector<double> s(6);
  int info = 0;
  jointfact_pdgesvd_exact(10, 6, 7, a.local.data(), 1, 1, a.desc.data(), s.data(), u.local.data(), 1, 1, u.desc.data(),
                          vt.local.data(), 1, 1, vt.desc.data(), &info);
  REQUIRE(info == -3);
  REQUIRE(std::string(jointfact_last_error()).find("k must be in [1, min(m, n)]") != std::string::npos);
  std::array<int, 9> bad = a.desc;
  bad[0] = 2;
  jointfact_pdgesvd_randomized(10, 6, 3, a.local.data(), 1, 1, bad.data(), s.data(), u.local.data(), 1, 1,
                               u.desc.data(), vt.local.data(), 1, 1, vt.desc.data(), nullptr, &info);
  REQUIRE(info == -7);
  jointfact_pdgesvd_randomized(10, 6, 3, a.local.data(), 1, 1, a.desc.data(), s.data(), u.local.data(), 1, 1,
                               u.desc.data(), vt.local.data(), 1, 1, vt.desc.data(), nullptr, &info);
  REQUIRE(info == 0);
  REQUIRE(std::string(jointfact_last_error()).empty());
}
