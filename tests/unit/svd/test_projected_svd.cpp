// The projected SVD (B^T = Q_B R, R = U_r S V_r^T, U = Q V_r, V = Q_B U_r) by both routes against LAPACK on
// the gathered B: the replicated route (R's SVD on rank 0) and the distributed one (R block-cyclic, the
// distributed exact SVD), forced by the threshold, on every grid, block sizes 3, 16 and 64 and ragged shapes.
#include <catch2/catch.hpp>

#include "jointfact/core/error.hpp"
#include "svd/projected_svd.hpp"
#include "svd_test_support.hpp"

using namespace jf;
using jf::test::gather;

namespace {

Eigen::MatrixXd counter_matrix(int64_t rows, int64_t cols, uint64_t stream) {
  Eigen::MatrixXd x(rows, cols);
  for (int64_t j = 0; j < cols; ++j)
    for (int64_t i = 0; i < rows; ++i) x(i, j) = counter_normal(5, kStreamUser + stream, i, j);
  return x;
}

// The thin layout the randomized method hands over: all l columns in one block column.
DistMatrix thin(const Eigen::MatrixXd& full, const GridPtr& grid, int64_t nb) {
  DistMatrix a(grid, full.rows(), full.cols(), nb, std::max<int64_t>(nb, full.cols()));
  test::scatter(full, a);
  return a;
}

svd::TruncatedSvd projected_svd(const Eigen::MatrixXd& q, const Eigen::MatrixXd& b_t, const GridPtr& grid, int64_t nb,
                                int64_t k, bool distributed, std::vector<double>* s_all = nullptr) {
  svd::ProjectionOptions options;
  options.distributed_from = distributed ? 1 : 1000000;
  options.vectors = [k](const std::vector<double>&) { return k; };
  const svd::ProjectedSvd projected = svd::factor_projection(thin(b_t, grid, nb), options);
  CHECK(projected.route.distributed == (distributed && grid->prows() * grid->pcols() > 1));
  if (s_all) *s_all = projected.s;
  return svd::rotate_to_singular_vectors(thin(q, grid, nb), projected, k);
}

// Columns equal up to the sign of each (U, V) pair, relative to the gap-scaled rounding.
void check_vectors(const Eigen::MatrixXd& got, const Eigen::MatrixXd& reference, double tolerance) {
  REQUIRE(got.cols() <= reference.cols());
  for (Eigen::Index j = 0; j < got.cols(); ++j) {
    const double sign = got.col(j).dot(reference.col(j)) < 0 ? -1.0 : 1.0;
    CHECK((got.col(j) - sign * reference.col(j)).norm() / std::max(reference.col(j).norm(), 1e-300) < tolerance);
  }
}

}  // namespace

TEST_CASE("projected SVD: replicated and distributed routes match LAPACK on every grid and block", "[svd][projected]") {
  struct Case {
    int64_t m, n, l, k;
  };
  const std::vector<Case> cases = {{37, 29, 11, 11}, {40, 23, 17, 6}, {20, 70, 9, 1}};
  for (const GridShape shape : test::grids_fitting(test::world_size())) {
    auto grid = make_grid(MPI_COMM_WORLD, shape);
    for (int64_t nb : svd_test::svd_block_sizes()) {
      for (const Case& c : cases) {
        const Eigen::MatrixXd q = counter_matrix(c.m, c.l, 1), b_t = counter_matrix(c.n, c.l, 2);
        // A ~ Q B with B = b_t^T: U = Q W, V = X, where b_t = X S W^T.
        const Eigen::BDCSVD<Eigen::MatrixXd> reference(b_t, Eigen::ComputeThinU | Eigen::ComputeThinV);
        const Eigen::VectorXd s_ref = reference.singularValues();
        const double tolerance = 1e3 * c.n * test::kEps * s_ref(0) / std::max(s_ref(0) - s_ref(1), 1e-300) + 1e-10;
        for (bool distributed : {false, true}) {
          INFO("grid " << shape.prows << "x" << shape.pcols << " nb " << nb << " " << c.m << "x" << c.n << " l " << c.l
                       << " k " << c.k << (distributed ? " distributed" : " replicated"));
          std::vector<double> s_all;
          const svd::TruncatedSvd result = projected_svd(q, b_t, grid, nb, c.k, distributed, &s_all);
          REQUIRE(s_all.size() == static_cast<size_t>(c.l));
          const Eigen::VectorXd s = Eigen::Map<const Eigen::VectorXd>(s_all.data(), c.l);
          CHECK((s - s_ref).cwiseAbs().maxCoeff() / (s_ref(0) * c.n * test::kEps) < 10.0);
          REQUIRE(result.s.size() == static_cast<size_t>(c.k));
          const Eigen::MatrixXd u = gather(result.u), v = gather(result.v);
          check_vectors(v, reference.matrixU(), tolerance);
          check_vectors(u, q * reference.matrixV(), tolerance * q.norm());
          if (c.k == c.l) {  // all of Q B: U S V^T reproduces it to rounding
            const Eigen::MatrixXd qb = q * b_t.transpose();
            const Eigen::VectorXd s_k = svd_test::singular_values(result);
            CHECK((qb - u * s_k.asDiagonal() * v.transpose()).norm() / (qb.norm() * c.n * test::kEps) < 10.0);
          }
        }
      }
    }
  }
}
