// The one-pass out-of-core sketch: its rank-k error stays within the bound of Tropp, Yurtsever, Udell and
// Cevher for the sketch sizes used, its a-posteriori estimate tracks the true error, and the result is the
// same on every grid for one seed.
#include <hdf5.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>

#include "jointfact/io/h5_handle.hpp"
#include "svd/out_of_core_one_pass.hpp"
#include "svd_test_support.hpp"

using namespace jf;
using jf::test::gather;

namespace {

DatasetInfo write_row_major(const std::string& path, const Eigen::MatrixXd& a) {
  if (test::world_rank() == 0) {
    const hsize_t dims[2] = {static_cast<hsize_t>(a.rows()), static_cast<hsize_t>(a.cols())};
    h5::Handle file = h5::file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
    h5::Handle space = h5::dataspace(H5Screate_simple(2, dims, nullptr));
    h5::Handle dset =
        h5::dataset(H5Dcreate2(file.get(), "/A", H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> row_major = a;
    H5Dwrite(dset.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, row_major.data());
  }
  MPI_Barrier(MPI_COMM_WORLD);
  return inspect_dataset(MPI_COMM_WORLD, DatasetPath{path, "/A"}, 2);
}

// tau_{r+1}^2 = sum_{i > r} sigma_i^2.
double tail_sq(const Eigen::VectorXd& sigma, int64_t r) { return sigma.tail(sigma.size() - r).squaredNorm(); }

}  // namespace

TEST_CASE("one-pass sketch: error within the TYUC bound, estimate near the true error, same on any grid",
          "[svd][out_of_core]") {
  const int64_t m = 310, n = 127, k = 8, p = 6;
  const Eigen::MatrixXd a = svd_test::matrix_with_spectrum(m, n, svd_test::geometric_spectrum(n, 0.8), 60);
  long long id = getpid();
  MPI_Bcast(&id, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
  const std::string path = "/tmp/jf-test-" + std::to_string(id) + "-one-pass.h5";
  const DatasetInfo info = write_row_major(path, a);
  const Eigen::VectorXd sigma = Eigen::BDCSVD<Eigen::MatrixXd>(a).singularValues();
  svd::SvdOptions options;
  options.rank = k;
  options.oversample = p;
  options.seed = 9;
  svd::OutOfCoreOptions ooc;
  ooc.panel_bytes = 8 * 11 * n;  // many small panels
  Eigen::MatrixXd first_u;
  for (const GridShape shape : test::grids_fitting(test::world_size())) {
    const GridPtr grid = make_grid(MPI_COMM_WORLD, shape);
    const svd::OnePassSvd result = svd::out_of_core_one_pass_svd(grid, info, 8, options, ooc);
    const int64_t l = result.range_columns, s = result.co_range_rows;
    REQUIRE(l == k + p);
    REQUIRE(s == 2 * l + 1);
    const Eigen::MatrixXd u = gather(result.svd.u), v = gather(result.svd.v);
    const double error = (a - u * svd_test::singular_values(result.svd).asDiagonal() * v.transpose()).norm();
    // E||A - Q X||_F^2 <= (1 + l/(s-l-1)) min_{r<l-1} (1 + r/(l-r-1)) tau_{r+1}^2, and
    // ||A - [[Q X]]_k||_F <= tau_{k+1} + 2 ||A - Q X||_F.
    double inner = tail_sq(sigma, 0);
    for (int64_t r = 0; r < l - 1; ++r) {
      inner = std::min(inner, (1 + double(r) / double(l - r - 1)) * tail_sq(sigma, r));
    }
    const double bound = std::sqrt(tail_sq(sigma, k)) + 2 * std::sqrt((1 + double(l) / double(s - l - 1)) * inner);
    INFO("grid " << shape.prows << "x" << shape.pcols << ": error " << error << ", bound " << bound << ", optimal "
                 << std::sqrt(tail_sq(sigma, k)) << ", estimate " << result.error_estimate * a.norm());
    CHECK(error <= bound);
    CHECK(error >= std::sqrt(tail_sq(sigma, k)) * (1 - 1e-12));
    const double estimate = result.error_estimate * a.norm();
    CHECK(estimate > error / 3);
    CHECK(estimate < error * 3);
    CHECK(result.svd.quality.orthogonality_u < 1e-12);
    // Per-triplet residual estimates from the test sketch against the true ||A v_i - s_i u_i|| / s_1.
    REQUIRE(result.svd.residuals.size() == static_cast<size_t>(k));
    const Eigen::MatrixXd residual = a * v - u * svd_test::singular_values(result.svd).asDiagonal();
    for (int64_t i = 0; i < k; ++i) {
      const double truth = residual.col(i).norm() / result.svd.s[0];
      INFO("triplet " << i << ": estimate " << result.svd.residuals[i] << ", true " << truth);
      CHECK(result.svd.residuals[i] > truth / 3);
      CHECK(result.svd.residuals[i] < truth * 3);
    }
    if (first_u.size() == 0) first_u = u;
    CHECK((u - first_u).cwiseAbs().maxCoeff() < 1e-10);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  if (test::world_rank() == 0) std::remove(path.c_str());
}
