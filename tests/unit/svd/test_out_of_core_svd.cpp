// The out-of-core randomized SVD streams A from its file and must give the in-core method's factors to
// rounding: ragged shapes, small panels (many rounds, a short last panel), contiguous float64 and chunked
// gzip float32 files, every grid that fits; and a run resumed from the state after pass 3 on another grid
// gives the same factors as an uninterrupted run.
#include <hdf5.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <tuple>

#include "distributed/scalapack_prototypes.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/io/h5_handle.hpp"
#include "jointfact/svd/out_of_core_svd.hpp"
#include "svd/out_of_core_fixed_accuracy.hpp"
#include "svd_test_support.hpp"

using namespace jf;
using jf::test::gather;

namespace {

struct Factors {
  Eigen::MatrixXd u, v;
  Eigen::VectorXd s;
};

Factors gathered(const svd::TruncatedSvd& result) {
  return {gather(result.u), gather(result.v), svd_test::singular_values(result)};
}

double largest_difference(const Factors& a, const Factors& b) {
  return std::max({(a.u - b.u).cwiseAbs().maxCoeff(), (a.v - b.v).cwiseAbs().maxCoeff(),
                   ((a.s - b.s).array() / b.s.array()).abs().maxCoeff()});
}

svd::SvdOptions randomized(int64_t k, int64_t p, int64_t q) {
  svd::SvdOptions options;
  options.rank = k;
  options.oversample = p;
  options.power_iters = q;
  options.seed = 5;
  return options;
}

std::string temp_path(const std::string& stem) {
  long long id = getpid();
  MPI_Bcast(&id, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
  return "/tmp/jf-test-" + std::to_string(id) + "-" + stem + ".h5";
}

// Writes `a` row-major as /A on rank 0: float64 contiguous, or float32 in gzip-compressed chunks.
DatasetInfo write_matrix_file(const std::string& path, const Eigen::MatrixXd& a, bool chunked_float32) {
  if (test::world_rank() == 0) {
    const hsize_t dims[2] = {static_cast<hsize_t>(a.rows()), static_cast<hsize_t>(a.cols())};
    h5::Handle file = h5::file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
    h5::Handle space = h5::dataspace(H5Screate_simple(2, dims, nullptr));
    h5::Handle create = h5::plist(H5Pcreate(H5P_DATASET_CREATE));
    if (chunked_float32) {
      const hsize_t chunk[2] = {10, 16};
      H5Pset_chunk(create.get(), 2, chunk);
      H5Pset_deflate(create.get(), 4);
    }
    const hid_t type = chunked_float32 ? H5T_IEEE_F32LE : H5T_IEEE_F64LE;
    h5::Handle dset =
        h5::dataset(H5Dcreate2(file.get(), "/A", type, space.get(), H5P_DEFAULT, create.get(), H5P_DEFAULT));
    const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> row_major = a;
    H5Dwrite(dset.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, row_major.data());
  }
  MPI_Barrier(MPI_COMM_WORLD);
  return inspect_dataset(MPI_COMM_WORLD, DatasetPath{path, "/A"}, 2);
}

// PBLAS's process-wide row and column broadcast topologies on this rank, e.g. "  " (both MPI_Bcast).
std::string broadcast_topologies() {
  const int context = 0;  // not looked at by the getter
  char row = '?', column = '?';
  pb_topget_(&context, "B", "R", &row);
  pb_topget_(&context, "B", "C", &column);
  return {row, column};
}

// True when every rank has rank 0's broadcast topologies (else their next pdgemm on a shared grid hangs).
bool broadcast_topologies_agree() {
  const std::string mine = broadcast_topologies();
  std::string root = mine;
  MPI_Bcast(root.data(), 2, MPI_CHAR, 0, MPI_COMM_WORLD);
  int agree = root == mine ? 1 : 0;
  MPI_Allreduce(MPI_IN_PLACE, &agree, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  return agree == 1;
}

void remove_on_root(const std::string& path) {
  MPI_Barrier(MPI_COMM_WORLD);
  if (test::world_rank() == 0) std::remove(path.c_str());
}

}  // namespace

TEST_CASE("out-of-core SVD == in-core randomized SVD to rounding on ragged matrices, files and grids",
          "[svd][out_of_core]") {
  const int64_t m = 97, n = 61, k = 8, p = 5, q = 2, nb = 16;
  const Eigen::MatrixXd exact = svd_test::matrix_with_spectrum(m, n, svd_test::geometric_spectrum(n, 0.8), 40);
  for (const bool chunked_float32 : {false, true}) {
    const std::string path = temp_path(chunked_float32 ? "ooc-chunked" : "ooc-contiguous");
    const DatasetInfo info = write_matrix_file(path, exact, chunked_float32);
    // The in-core reference sees what the file holds (float32-rounded values for the chunked file).
    const Eigen::MatrixXd a_full = chunked_float32 ? Eigen::MatrixXd(exact.cast<float>().cast<double>()) : exact;
    const Factors in_core = gathered(
        svd::truncated_svd(svd_test::distribute(a_full, make_grid(MPI_COMM_WORLD, {1, 1}), nb), randomized(k, p, q)));
    for (const GridShape shape : test::grids_fitting(test::world_size())) {
      auto grid = make_grid(MPI_COMM_WORLD, shape);
      for (const int64_t panel_bytes : {int64_t{8 * 7 * 61}, int64_t{1} << 20}) {
        svd::OutOfCoreOptions ooc;
        ooc.panel_bytes = panel_bytes;
        int64_t passes_seen = 0;
        svd::OutOfCoreHooks hooks;
        hooks.after_pass = [&](const svd::OutOfCoreState& state) { passes_seen = state.passes_done; };
        const svd::TruncatedSvd result = svd::out_of_core_svd(grid, info, nb, randomized(k, p, q), ooc, hooks);
        INFO("grid " << shape.prows << "x" << shape.pcols << ", panel bytes " << panel_bytes
                     << (chunked_float32 ? ", chunked float32" : ", contiguous float64"));
        CHECK(passes_seen == 2 * q + 2);  // after_pass is not called after the residual pass
        REQUIRE(result.s.size() == static_cast<size_t>(k));
        CHECK(result.basis_columns == k + p);
        CHECK(largest_difference(gathered(result), in_core) < 1e-12);
      }
    }
    remove_on_root(path);
  }
}

TEST_CASE("out-of-core SVD resumed after pass 3 on another grid == an uninterrupted run", "[svd][out_of_core]") {
  const int64_t m = 83, n = 45, k = 6, p = 4, q = 2, nb = 8;
  const Eigen::MatrixXd a_full = svd_test::matrix_with_spectrum(m, n, svd_test::geometric_spectrum(n, 0.75), 50);
  const std::string path = temp_path("ooc-resume");
  const DatasetInfo info = write_matrix_file(path, a_full, false);
  svd::OutOfCoreOptions ooc;
  ooc.panel_bytes = 8 * 5 * 45;
  const std::vector<GridShape> grids = test::grids_fitting(test::world_size());
  // First run on the largest grid; keep the state after pass 3 (gathered, as a checkpoint holds it).
  auto first_grid = make_grid(MPI_COMM_WORLD, grids.back());
  Eigen::MatrixXd saved_m, saved_n;
  svd::OutOfCoreHooks record;
  record.after_pass = [&](const svd::OutOfCoreState& state) {
    if (state.passes_done == 3) {
      saved_m = gather(state.range_m);
      saved_n = gather(state.range_n);
    }
  };
  const Factors uninterrupted = gathered(svd::out_of_core_svd(first_grid, info, nb, randomized(k, p, q), ooc, record));
  for (const GridShape shape : grids) {
    auto grid = make_grid(MPI_COMM_WORLD, shape);
    svd::OutOfCoreState resume;
    resume.passes_done = 3;
    resume.range_m = svd::out_of_core_thin_matrix(grid, m, k + p, 3);
    resume.range_n = svd::out_of_core_thin_matrix(grid, n, k + p, 3);
    test::scatter(saved_m, resume.range_m);
    test::scatter(saved_n, resume.range_n);
    int64_t first_pass_run = 0;
    svd::OutOfCoreHooks hooks;
    hooks.resume = &resume;
    hooks.after_pass = [&](const svd::OutOfCoreState& state) {
      if (first_pass_run == 0) first_pass_run = state.passes_done;
    };
    const Factors resumed = gathered(svd::out_of_core_svd(grid, info, nb, randomized(k, p, q), ooc, hooks));
    INFO("resumed on grid " << shape.prows << "x" << shape.pcols);
    CHECK(first_pass_run == 4);
    CHECK(largest_difference(resumed, uninterrupted) < 1e-12);
  }
  remove_on_root(path);
}

TEST_CASE("out-of-core residual pass == the in-core per-triplet residuals", "[svd][out_of_core]") {
  const int64_t m = 71, n = 53, k = 7, p = 4, q = 1, nb = 6;
  const Eigen::MatrixXd a_full = svd_test::matrix_with_spectrum(m, n, svd_test::geometric_spectrum(n, 0.7), 60);
  const std::string path = temp_path("ooc-residuals");
  const DatasetInfo info = write_matrix_file(path, a_full, false);
  const svd::TruncatedSvd in_core =
      svd::truncated_svd(svd_test::distribute(a_full, make_grid(MPI_COMM_WORLD, {1, 1}), nb), randomized(k, p, q));
  for (const GridShape shape : test::grids_fitting(test::world_size())) {
    auto grid = make_grid(MPI_COMM_WORLD, shape);
    svd::OutOfCoreOptions ooc;
    ooc.panel_bytes = 8 * 9 * n;
    const svd::TruncatedSvd result = svd::out_of_core_svd(grid, info, nb, randomized(k, p, q), ooc);
    INFO("grid " << shape.prows << "x" << shape.pcols);
    REQUIRE(result.residuals.size() == static_cast<size_t>(k));
    for (int64_t i = 0; i < k; ++i) {
      CHECK(result.residuals[i] > 0);  // measured, not the -1 of "not measured"
      CHECK(std::abs(result.residuals[i] - in_core.residuals[i]) <= 1e-12);
    }
    CHECK(std::abs(result.quality.residual - in_core.quality.residual) <= 1e-12);
    CHECK(std::abs(result.quality.tail_energy - in_core.quality.tail_energy) <= 1e-12);
    // Without the residual pass: marked as not measured.
    ooc.residual_pass = false;
    const svd::TruncatedSvd unmeasured = svd::out_of_core_svd(grid, info, nb, randomized(k, p, q), ooc);
    CHECK(unmeasured.quality.residual == -1);
    CHECK(unmeasured.residuals == std::vector<double>(static_cast<size_t>(k), -1.0));
  }
  remove_on_root(path);
}

// Runs after the other out-of-core tests in one process: at 2 ranks their 1 x 1 grids run pdorgqr on rank 0
// only, which once left PBLAS's broadcast topology changed there and hung the next 1 x 2 pdgemm (see orgqr in
// distributed/scalapack_typed.hpp).
TEST_CASE("out-of-core fixed accuracy == in-core fixed accuracy (same k, factors to rounding)",
          "[svd][out_of_core][out_of_core_tol]") {
  const int64_t m = 90, n = 64;
  const Eigen::MatrixXd a_full = svd_test::matrix_with_spectrum(m, n, svd_test::geometric_spectrum(n, 0.8), 70);
  const Eigen::VectorXd s_full = Eigen::JacobiSVD<Eigen::MatrixXd>(a_full).singularValues();
  const std::string path = temp_path("ooc-tol");
  const DatasetInfo info = write_matrix_file(path, a_full, false);
  // (tol, q, nb): nb = 3 makes a block of 8 basis columns span blocks of the factors.
  for (const auto& [tol, q, nb] : {std::tuple<double, int64_t, int64_t>{1e-2, 1, 3}, {1e-4, 0, 16}}) {
    svd::SvdOptions options = randomized(0, 0, q);
    options.tol = tol;
    const svd::TruncatedSvd in_core =
        svd::truncated_svd(svd_test::distribute(a_full, make_grid(MPI_COMM_WORLD, {1, 1}), nb), options);
    const Factors expected = gathered(in_core);
    for (const GridShape shape : test::grids_fitting(test::world_size())) {
      auto grid = make_grid(MPI_COMM_WORLD, shape);
      svd::OutOfCoreOptions ooc;
      ooc.panel_bytes = 8 * 31 * n;
      int64_t passes = 0;
      svd::FixedAccuracyHooks hooks;
      hooks.after_pass = [&](const svd::FixedAccuracyState& state) { passes = state.passes_done; };
      const svd::TruncatedSvd result = svd::out_of_core_fixed_accuracy_svd(grid, info, nb, options, ooc, hooks);
      INFO("tol " << tol << ", q " << q << ", nb " << nb << ", grid " << shape.prows << "x" << shape.pcols);
      REQUIRE(result.s.size() == in_core.s.size());
      CHECK(result.basis_columns == in_core.basis_columns);
      const int64_t blocks = (result.basis_columns + 7) / 8;  // automatic block: max(4, 64 / 8) = 8 columns
      CHECK(passes == blocks * (2 * q + 1) + 1);
      CHECK(largest_difference(gathered(result), expected) < 1e-10);
      // Meets the tolerance on the true error, measured against A.
      const Eigen::MatrixXd approx = expected.u * expected.s.asDiagonal() * expected.v.transpose();
      CHECK((a_full - approx).norm() <= tol * a_full.norm() * (1 + 1e-8));
      CHECK(result.s.size() <= static_cast<size_t>(s_full.size()));
      for (size_t i = 0; i < result.s.size(); ++i) {
        CHECK(std::abs(result.residuals[i] - in_core.residuals[i]) <= 1e-12);
      }
      // Householder QRs ran on rank 0 alone (1 x 1 grids): they must not leave it broadcasting differently.
      CHECK(broadcast_topologies_agree());
    }
  }
  remove_on_root(path);
}

TEST_CASE("out-of-core fixed accuracy resumed after any pass on another grid == an uninterrupted run",
          "[svd][out_of_core][out_of_core_tol]") {
  const int64_t m = 75, n = 52, nb = 5;
  const Eigen::MatrixXd a_full = svd_test::matrix_with_spectrum(m, n, svd_test::geometric_spectrum(n, 0.8), 80);
  const std::string path = temp_path("ooc-tol-resume");
  const DatasetInfo info = write_matrix_file(path, a_full, false);
  svd::SvdOptions options = randomized(0, 0, 1);
  options.tol = 1e-3;
  options.block_columns = 6;  // 3 passes a block: resume points at a block's start, inside and after its iterations
  svd::OutOfCoreOptions ooc;
  ooc.panel_bytes = 8 * 11 * n;
  const std::vector<GridShape> grids = test::grids_fitting(test::world_size());
  // The uninterrupted run on the largest grid, keeping every pass's state gathered (as a checkpoint holds it).
  struct Saved {
    int64_t passes_done;
    double frobenius_sq, error_squared;
    Eigen::MatrixXd q, b_t, y, omega;
  };
  std::vector<Saved> saved;
  svd::FixedAccuracyHooks record;
  record.after_pass = [&](const svd::FixedAccuracyState& state) {
    saved.push_back({state.passes_done, state.frobenius_sq, state.error_squared, gather(state.q), gather(state.b_t),
                     gather(state.y), gather(state.omega)});
  };
  auto first_grid = make_grid(MPI_COMM_WORLD, grids.back());
  const svd::TruncatedSvd reference = svd::out_of_core_fixed_accuracy_svd(first_grid, info, nb, options, ooc, record);
  const Factors uninterrupted = gathered(reference);
  const int64_t total = static_cast<int64_t>(saved.size());
  REQUIRE(total >= 7);  // at least two blocks, so some resume points have a basis already
  CHECK(reference.basis_columns == 6 * ((total - 1) / 3));
  for (const GridShape shape : grids) {
    auto grid = make_grid(MPI_COMM_WORLD, shape);
    for (const Saved& point : saved) {
      // On another grid and block size, as a checkpoint read back would be.
      svd::FixedAccuracyState resume;
      resume.passes_done = point.passes_done;
      resume.frobenius_sq = point.frobenius_sq;
      resume.error_squared = point.error_squared;
      resume.q = DistMatrix(grid, m, point.q.cols(), 3, 3);
      resume.b_t = DistMatrix(grid, n, point.b_t.cols(), 3, 3);
      resume.y = DistMatrix(grid, m, point.y.cols(), 3, 3);
      resume.omega = DistMatrix(grid, n, point.omega.cols(), 3, 3);
      if (point.q.cols() > 0) {
        test::scatter(point.q, resume.q);
        test::scatter(point.b_t, resume.b_t);
      }
      test::scatter(point.y, resume.y);
      test::scatter(point.omega, resume.omega);
      int64_t first_pass_run = 0, last_pass = point.passes_done;
      svd::FixedAccuracyHooks hooks;
      hooks.resume = &resume;
      hooks.after_pass = [&](const svd::FixedAccuracyState& state) {
        if (first_pass_run == 0) first_pass_run = state.passes_done;
        last_pass = state.passes_done;
      };
      const svd::TruncatedSvd resumed = svd::out_of_core_fixed_accuracy_svd(grid, info, nb, options, ooc, hooks);
      INFO("resumed after pass " << point.passes_done << " of " << total << " on grid " << shape.prows << "x"
                                 << shape.pcols);
      CHECK(first_pass_run == (point.passes_done < total ? point.passes_done + 1 : 0));  // none repeated
      CHECK(last_pass == total);
      REQUIRE(resumed.s.size() == reference.s.size());
      CHECK(resumed.basis_columns == reference.basis_columns);
      CHECK(largest_difference(gathered(resumed), uninterrupted) < 1e-12);
    }
  }
  // A state of another schedule is refused.
  svd::FixedAccuracyState wrong;
  wrong.passes_done = 4;  // block 1 done: the basis must have 6 columns
  wrong.q = DistMatrix(first_grid, m, 0, nb, nb);
  wrong.b_t = DistMatrix(first_grid, n, 0, nb, nb);
  wrong.y = DistMatrix(first_grid, m, 6, nb, nb);
  wrong.omega = DistMatrix(first_grid, n, 6, nb, nb);
  svd::FixedAccuracyHooks bad;
  bad.resume = &wrong;
  CHECK_THROWS_AS(svd::out_of_core_fixed_accuracy_svd(first_grid, info, nb, options, ooc, bad), InputError);
  remove_on_root(path);
}
