// Parallel HDF5 I/O: exact round trips for ragged shapes, block sizes and grids; the file is row-major
// as h5py shows it; float32 and 1-D inputs; errors agreed on by every rank.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>

#include "../test_support.hpp"
#include "distributed/counter_random.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/io/h5_handle.hpp"
#include "jointfact/io/matrix_io.hpp"
#include "jointfact/io/output_file.hpp"

using namespace jf;
using jf::test::gather;

namespace {

// One path per test process group, the same on every rank.
std::string temp_path(const std::string& stem) {
  long long id = getpid();
  MPI_Bcast(&id, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
  return "/tmp/jf-test-" + std::to_string(id) + "-" + stem + ".h5";
}

void remove_on_root(const std::string& path) {
  MPI_Barrier(MPI_COMM_WORLD);
  if (test::world_rank() == 0) std::remove(path.c_str());
}

// Writes a serial file on rank 0 with the plain HDF5 API (what h5py would write).
void write_serial(const std::string& path, const std::string& name, const std::vector<hsize_t>& dims, hid_t type,
                  const void* data) {
  if (test::world_rank() == 0) {
    h5::Handle file = h5::file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
    h5::Handle space = h5::dataspace(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr));
    h5::Handle dset =
        h5::dataset(H5Dcreate2(file.get(), name.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    H5Dwrite(dset.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
  }
  MPI_Barrier(MPI_COMM_WORLD);
}

}  // namespace

TEST_CASE("write then read is exact for ragged shapes, block sizes and grids", "[io]") {
  const auto shapes = test::grids_fitting(test::world_size());
  const std::string path = temp_path("roundtrip");
  for (auto dims : {std::pair<int64_t, int64_t>{301, 157}, {1, 1}, {7, 1000}, {1000, 7}}) {
    for (size_t w = 0; w < test::block_sizes().size(); ++w) {
      const int64_t write_block = test::block_sizes()[w];
      auto write_grid = make_grid(MPI_COMM_WORLD, shapes[w % shapes.size()]);
      DistMatrix original(write_grid, dims.first, dims.second, write_block, write_block);
      fill_normal(original, 11, kStreamUser);
      const Eigen::MatrixXd expected = gather(original);
      {
        OutputFile out(MPI_COMM_WORLD, path);
        out.write_matrix("/group/A", original);
        out.commit();
      }
      for (const GridShape shape : shapes) {
        auto grid = make_grid(MPI_COMM_WORLD, shape);
        ReadOptions options;
        options.block = test::block_sizes()[(w + 2) % test::block_sizes().size()];
        const DistMatrix back = read_matrix(grid, DatasetPath{path, "/group/A"}, options);
        INFO(dims.first << "x" << dims.second << " written nb " << write_block << ", read on " << shape.prows << "x"
                        << shape.pcols << " nb " << options.block);
        REQUIRE(back.rows() == dims.first);
        REQUIRE(back.cols() == dims.second);
        REQUIRE(gather(back) == expected);
      }
    }
  }
  remove_on_root(path);
}

TEST_CASE("files are row-major (m, n) as h5py shows them", "[io]") {
  const std::string path = temp_path("rowmajor");
  // A serial file with A[i][j] = 100 i + j.
  std::vector<double> values(5 * 3);
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 3; ++j) values[i * 3 + j] = 100 * i + j;
  write_serial(path, "/A", {5, 3}, H5T_NATIVE_DOUBLE, values.data());
  auto grid = make_grid(MPI_COMM_WORLD);
  ReadOptions options;
  options.block = 2;
  const Eigen::MatrixXd a = gather(read_matrix(grid, DatasetPath::parse(path), options));
  REQUIRE(a.rows() == 5);
  REQUIRE(a(4, 2) == 402.0);
  REQUIRE(a(1, 0) == 100.0);
  remove_on_root(path);
}

TEST_CASE("float32 input is converted; integer input only where allowed", "[io]") {
  const std::string path = temp_path("types");
  std::vector<float> values = {0.5f, 1.5f, 2.5f, 3.5f, 4.5f, 5.5f};
  write_serial(path, "/F", {2, 3}, H5T_NATIVE_FLOAT, values.data());
  auto grid = make_grid(MPI_COMM_WORLD);
  const Eigen::MatrixXd a = gather(read_matrix(grid, DatasetPath{path, "/F"}));
  REQUIRE(a(1, 2) == 5.5);
  const std::string int_path = temp_path("ints");
  std::vector<uint8_t> mask = {1, 0, 1, 1};
  write_serial(int_path, "/S", {2, 2}, H5T_NATIVE_UINT8, mask.data());
  REQUIRE_THROWS_AS(read_matrix(grid, DatasetPath{int_path, "/S"}), InputError);
  ReadOptions allow;
  allow.allow_integer = true;
  REQUIRE(gather(read_matrix(grid, DatasetPath{int_path, "/S"}, allow))(1, 0) == 1.0);
  remove_on_root(path);
  remove_on_root(int_path);
}

TEST_CASE("vectors: 1-D datasets round-trip as m x 1 matrices", "[io]") {
  const std::string path = temp_path("vector");
  for (const GridShape shape : test::grids_fitting(test::world_size())) {
    auto grid = make_grid(MPI_COMM_WORLD, shape);
    DistMatrix v(grid, 37, 1, 4, 4);
    fill_normal(v, 2, kStreamUser);
    {
      OutputFile out(MPI_COMM_WORLD, path);
      out.write_vector("/t", v);
      out.write_replicated("/s", std::vector<double>{3.0, 2.0, 1.0}, {3});
      out.set_attribute("/t", "label", std::string("targets"));
      out.commit();
    }
    ReadOptions options;
    options.block = 3;
    REQUIRE(gather(read_vector(grid, DatasetPath{path, "/t"}, options)) == gather(v));
    REQUIRE(gather(read_vector(grid, DatasetPath{path, "/s"}))(0, 0) == 3.0);
  }
  remove_on_root(path);
}

TEST_CASE("bad inputs raise the same InputError on every rank", "[io][errors]") {
  auto grid = make_grid(MPI_COMM_WORLD);
  const std::string path = temp_path("bad");
  std::vector<double> values = {1.0, 2.0, std::nan(""), 4.0, 5.0, 6.0};
  write_serial(path, "/A", {3, 2}, H5T_NATIVE_DOUBLE, values.data());
  const double vec[3] = {1, 2, 3};
  if (test::world_rank() == 0) {
    h5::Handle file = h5::file(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
    const hsize_t dims[1] = {3};
    h5::Handle space = h5::dataspace(H5Screate_simple(1, dims, nullptr));
    h5::Handle dset = h5::dataset(
        H5Dcreate2(file.get(), "/v", H5T_NATIVE_DOUBLE, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    H5Dwrite(dset.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, vec);
  }
  MPI_Barrier(MPI_COMM_WORLD);

  auto message_of = [&](auto&& action) -> std::string {
    try {
      action();
    } catch (const InputError& e) {
      return e.what();
    }
    return "no error";
  };
  const std::string nan_message = message_of([&] { read_matrix(grid, DatasetPath{path, "/A"}); });
  REQUIRE_THAT(nan_message, Catch::Contains("(1, 0)") && Catch::Contains("nan"));
  REQUIRE_THAT(message_of([&] { read_matrix(grid, DatasetPath{path, "/v"}); }), Catch::Contains("1-D"));
  REQUIRE_THAT(message_of([&] {
                 read_matrix(grid, DatasetPath{path, "/missing"});
               }),
               Catch::Contains("no dataset '/missing'") && Catch::Contains("/A"));
  REQUIRE_THAT(message_of([&] {
                 read_matrix(grid, DatasetPath{"/tmp/definitely-missing.h5", ""});
               }),
               Catch::Contains("no such file"));
  REQUIRE_THAT(message_of([&] { OutputFile out(MPI_COMM_WORLD, "/no/such/dir/out.h5"); }),
               Catch::Contains("does not exist"));
  REQUIRE_THAT(message_of([&] { require_writable_output(MPI_COMM_WORLD, path, {path}); }),
               Catch::Contains("is the input"));
  remove_on_root(path);
}

TEST_CASE("DatasetPath splits FILE:DSET", "[io]") {
  REQUIRE(DatasetPath::parse("a.h5").dataset.empty());
  REQUIRE(DatasetPath::parse("a.h5:W").dataset == "/W");
  REQUIRE(DatasetPath::parse("dir/a.h5:/g/W").file == "dir/a.h5");
  REQUIRE(DatasetPath::parse("dir/a.h5:/g/W").dataset == "/g/W");
}

TEST_CASE("an uncommitted output never appears under the final name", "[io]") {
  const std::string path = temp_path("uncommitted");
  {
    OutputFile out(MPI_COMM_WORLD, path);
    auto grid = make_grid(MPI_COMM_WORLD);
    out.write_matrix("/A", DistMatrix(grid, 4, 4, 2, 2));
  }
  MPI_Barrier(MPI_COMM_WORLD);
  REQUIRE(access(path.c_str(), F_OK) != 0);
  REQUIRE(access((path + ".partial").c_str(), F_OK) != 0);
}
