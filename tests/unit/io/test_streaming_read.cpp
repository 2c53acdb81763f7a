// The streaming reader and writer: tiles that follow the file's layout (whole-row slabs, row pieces, chunks)
// move to and from the block-cyclic layout exactly, over many rounds, on every grid and block size; files
// as h5py writes them (chunked, gzip, float32, ragged chunks, chunks larger than the matrix, 1-D) read back
// exactly; the MPI-IO hints parse.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "../../../src/io/tile_exchange.hpp"
#include "../../../src/io/tile_plan.hpp"
#include "../test_support.hpp"
#include "io/mpiio_hints.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/io/h5_handle.hpp"
#include "jointfact/io/matrix_io.hpp"
#include "jointfact/io/output_file.hpp"
#include "jointfact/io/value_bounds.hpp"

using namespace jf;

namespace {

// Distinct values, exactly representable in float32 too, that name their position.
double expected_value(int64_t i_gl, int64_t j_gl) { return static_cast<double>(i_gl * 1000 + j_gl) + 0.5; }

std::string temp_path(const std::string& stem) {
  long long id = getpid();
  MPI_Bcast(&id, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
  return "/tmp/jf-test-" + std::to_string(id) + "-" + stem + ".h5";
}

long long wrong_entries(const DistMatrix& a) {
  long long wrong = 0;
  a.for_each_local([&](int64_t i_gl, int64_t j_gl, double value) {
    if (value != expected_value(i_gl, j_gl)) ++wrong;
  });
  MPI_Allreduce(MPI_IN_PLACE, &wrong, 1, MPI_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
  return wrong;
}

// Writes an (m, n) (or 1-D (m)) dataset on rank 0 as h5py would: optional chunks and gzip, float32 or 64.
void write_serial(const std::string& path, int64_t m, int64_t n, bool one_d, bool float32, hsize_t chunk_rows,
                  hsize_t chunk_cols, int gzip) {
  if (test::world_rank() == 0) {
    std::vector<double> values(static_cast<size_t>(m * n));
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) values[i * n + j] = expected_value(i, j);
    h5::Handle file = h5::file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
    const hsize_t dims[2] = {hsize_t(m), hsize_t(n)}, chunk[2] = {chunk_rows, chunk_cols};
    h5::Handle space = h5::dataspace(H5Screate_simple(one_d ? 1 : 2, dims, nullptr));
    h5::Handle dcpl = h5::plist(H5Pcreate(H5P_DATASET_CREATE));
    if (chunk_rows > 0) H5Pset_chunk(dcpl.get(), one_d ? 1 : 2, chunk);
    if (gzip > 0) H5Pset_deflate(dcpl.get(), static_cast<unsigned>(gzip));
    h5::Handle dset = h5::dataset(H5Dcreate2(file.get(), "/A", float32 ? H5T_IEEE_F32LE : H5T_IEEE_F64LE, space.get(),
                                             H5P_DEFAULT, dcpl.get(), H5P_DEFAULT));
    H5Dwrite(dset.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
  }
  MPI_Barrier(MPI_COMM_WORLD);
}

// This rank's tiles of one round, filled with the expected values (row-major, back to back).
template <class T>
std::vector<T> tile_buffer(const io::TilePlan& plan, int64_t round) {
  std::vector<T> values;
  for (const io::Tile& t : plan.tiles_of(round, test::world_rank()))
    for (int64_t i = t.row_begin; i < t.row_end; ++i)
      for (int64_t j = t.col_begin; j < t.col_end; ++j) values.push_back(static_cast<T>(expected_value(i, j)));
  values.resize(std::max<size_t>(values.size(), 1));
  return values;
}

// Values and scans of tiles moved into `a` (left unset and poisoned: every value must be written).
void require_moved_exactly(const io::TilePlan& plan, DistMatrix& a, bool float32) {
  std::fill(a.data(), a.data() + a.local_bytes() / 8, std::nan(""));
  io::ExchangeBuffers buffers;
  ValueScan scan;
  for (int64_t round = 0; round < plan.rounds(); ++round) {
    if (float32) {
      io::tiles_to_block_cyclic(plan, round, tile_buffer<float>(plan, round).data(), a, buffers, scan);
    } else {
      io::tiles_to_block_cyclic(plan, round, tile_buffer<double>(plan, round).data(), a, buffers, scan);
    }
  }
  REQUIRE(wrong_entries(a) == 0);
  const ValuesAndNorm fused = finish_scan(a, scan), separate = scan_values(a);
  REQUIRE(fused.values.min == expected_value(0, 0));
  REQUIRE(fused.values.max == expected_value(a.rows() - 1, a.cols() - 1));
  // Sums of the same squares in another order: within count * eps of each other.
  const double tolerance = static_cast<double>(a.rows() * a.cols()) * test::kEps;
  REQUIRE(std::fabs(fused.frobenius - separate.frobenius) <= tolerance * separate.frobenius);
}

}  // namespace

TEST_CASE("a local part too large for the cache is written past it exactly", "[io]") {
  // One rank holds the whole matrix (a 1 x 1 grid; the other ranks read and send): 36 MB of local storage,
  // beyond the size from which the transposition streams its stores. An even lld aligns the register
  // blocks' stores (streamed), an odd one does not (stored through the cache).
  const int nranks = test::world_size();
  auto grid = make_grid(MPI_COMM_WORLD, GridShape{1, 1});
  for (const int64_t m : {4096, 4097}) {
    const int64_t n = 1100;
    for (const int64_t nb : {64, 7}) {
      const std::vector<io::TilePlan> plans = {io::TilePlan::for_row_blocks(m, n, nb, 1, 1, nranks, 512 / nb),
                                               io::TilePlan(m, n, 300, n, 1, nranks)};
      for (size_t p = 0; p < plans.size(); ++p) {
        for (const bool float32 : {false, true}) {
          INFO("m " << m << " nb " << nb << " plan " << p << " float32 " << float32);
          DistMatrix a(DistMatrix::Unset{}, grid, m, n, nb, nb);
          require_moved_exactly(plans[p], a, float32);
        }
      }
    }
  }
}

TEST_CASE("tile plans cover the matrix once, in the file's order", "[io]") {
  const int64_t m = 37, n = 23;
  for (int nranks : {1, 2, 3, 4}) {
    const std::vector<io::TilePlan> plans = {
        io::TilePlan(m, n, 5, n, 1, nranks),  // whole-row slabs
        io::TilePlan(m, n, 1, 4, 1, nranks),  // pieces of one row
        io::TilePlan(m, n, 6, 5, 3, nranks),  // ragged chunks, three per rank and round
        io::TilePlan::for_contiguous(m, n, nranks, 8 * 23 * 4),
        io::TilePlan::for_chunks(m, n, 100, 100, nranks, 1 << 20),    // one chunk larger than the matrix
        io::TilePlan::for_row_blocks(m, n, 4, 1, nranks, nranks, 2),  // row blocks read by their owners
        io::TilePlan::for_row_blocks(m, n, 3, nranks, 1, nranks, 1),
        io::TilePlan::for_row_blocks(m, n, 5, 1, 1, nranks, 3)};
    for (const auto& plan : plans) {
      std::vector<int> seen(static_cast<size_t>(m * n), 0);
      for (int64_t round = 0; round < plan.rounds(); ++round)
        for (int rank = 0; rank < nranks; ++rank)
          for (const io::Tile& t : plan.tiles_of(round, rank))
            for (int64_t i = t.row_begin; i < t.row_end; ++i)
              for (int64_t j = t.col_begin; j < t.col_end; ++j) ++seen[static_cast<size_t>(i * n + j)];
      REQUIRE(std::count(seen.begin(), seen.end(), 1) == m * n);
    }
  }
  // Contiguous: rows spread over every rank, each rank's slab within the budget.
  const io::TilePlan slabs = io::TilePlan::for_contiguous(1000, 10, 4, 8 * 10 * 50);
  REQUIRE(slabs.rounds() == 5);
  for (int rank = 0; rank < 4; ++rank) REQUIRE(slabs.tiles_of(0, rank).at(0).rows() == 50);
}

TEST_CASE("tiles move to block-cyclic and back exactly on every grid and block size", "[io]") {
  const int64_t m = 37, n = 23;
  const int nranks = test::world_size();
  for (const GridShape shape : test::grids_fitting(nranks)) {
    auto grid = make_grid(MPI_COMM_WORLD, shape);
    for (int64_t nb : test::block_sizes()) {
      // Slabs, pieces of rows, ragged chunks, and the rows' owners reading their row blocks (two per round).
      const std::vector<io::TilePlan> plans = {
          io::TilePlan(m, n, 5, n, 1, nranks), io::TilePlan(m, n, 1, 4, 1, nranks), io::TilePlan(m, n, 6, 5, 3, nranks),
          io::TilePlan::for_row_blocks(m, n, nb, shape.prows, shape.pcols, nranks, 2)};
      for (size_t p = 0; p < plans.size(); ++p) {
        const io::TilePlan& plan = plans[p];
        INFO("grid " << shape.prows << "x" << shape.pcols << " nb " << nb << " plan " << p);
        // Storage left unset, as the reader allocates it, and poisoned: every value must be written.
        DistMatrix a(DistMatrix::Unset{}, grid, m, n, nb, nb), b(DistMatrix::Unset{}, grid, m, n, nb, nb);
        std::fill(a.data(), a.data() + a.local_bytes() / 8, std::nan(""));
        std::fill(b.data(), b.data() + b.local_bytes() / 8, std::nan(""));
        io::ExchangeBuffers buffers;
        ValueScan scan_a, scan_b;
        for (int64_t round = 0; round < plan.rounds(); ++round) {
          io::tiles_to_block_cyclic(plan, round, tile_buffer<double>(plan, round).data(), a, buffers, scan_a);
          io::tiles_to_block_cyclic(plan, round, tile_buffer<float>(plan, round).data(), b, buffers, scan_b);
        }
        REQUIRE(wrong_entries(a) == 0);
        REQUIRE(wrong_entries(b) == 0);
        // The scans taken while the values were written equal a separate pass over the stored values.
        for (const auto& [matrix, scan] :
             {std::pair<const DistMatrix*, const ValueScan*>{&a, &scan_a}, {&b, &scan_b}}) {
          const ValuesAndNorm fused = finish_scan(*matrix, *scan), separate = scan_values(*matrix);
          REQUIRE(fused.values.min == separate.values.min);
          REQUIRE(fused.values.max == separate.values.max);
          REQUIRE(fused.values.min == expected_value(0, 0));
          REQUIRE(fused.values.max == expected_value(m - 1, n - 1));
          REQUIRE(std::fabs(fused.frobenius - separate.frobenius) <= m * n * test::kEps * separate.frobenius);
        }
        long long wrong = 0;
        for (int64_t round = 0; round < plan.rounds(); ++round) {
          std::vector<double> back(tile_buffer<double>(plan, round).size(), -1.0);
          io::block_cyclic_to_tiles(plan, round, a, back.data(), buffers);
          const std::vector<double> want = tile_buffer<double>(plan, round);
          for (int64_t t = 0; t < io::tile_values(plan, round, test::world_rank()); ++t) wrong += back[t] != want[t];
        }
        MPI_Allreduce(MPI_IN_PLACE, &wrong, 1, MPI_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
        REQUIRE(wrong == 0);
      }
    }
  }
}

TEST_CASE("chunked, gzip and float32 files as h5py writes them read back exactly", "[io]") {
  struct Case {
    const char* name;
    bool float32;
    hsize_t chunk_rows, chunk_cols;
    int gzip;
  };
  const Case cases[] = {{"contiguous-f32", true, 0, 0, 0}, {"chunked", false, 4, 3, 0},
                        {"chunked-gzip", false, 7, 10, 4}, {"chunked-f32-gzip", true, 5, 23, 1},
                        {"one-chunk", false, 37, 23, 0},   {"row-chunks", false, 1, 23, 0},
                        {"column-chunks", false, 37, 1, 0}};
  const int64_t m = 37, n = 23;
  for (const Case& c : cases) {
    const std::string path = temp_path(c.name);
    write_serial(path, m, n, false, c.float32, c.chunk_rows, c.chunk_cols, c.gzip);
    for (const GridShape shape : test::grids_fitting(test::world_size())) {
      auto grid = make_grid(MPI_COMM_WORLD, shape);
      for (int64_t nb : {int64_t{1}, int64_t{3}, int64_t{7}, int64_t{64}}) {
        ReadOptions options;
        options.block = nb;
        const DistMatrix a = read_matrix(grid, DatasetPath{path, "/A"}, options);
        INFO(c.name << " grid " << shape.prows << "x" << shape.pcols << " nb " << nb);
        REQUIRE(a.rows() == m);
        REQUIRE(a.cols() == n);
        REQUIRE(wrong_entries(a) == 0);
      }
    }
    MPI_Barrier(MPI_COMM_WORLD);
    if (test::world_rank() == 0) std::remove(path.c_str());
  }
}

TEST_CASE("a chunked 1-D dataset reads as an m x 1 vector", "[io]") {
  const std::string path = temp_path("chunked-vector");
  write_serial(path, 41, 1, true, true, 6, 1, 4);
  for (const GridShape shape : test::grids_fitting(test::world_size())) {
    ReadOptions options;
    options.block = 4;
    const DistMatrix v = read_vector(make_grid(MPI_COMM_WORLD, shape), DatasetPath{path, "/A"}, options);
    REQUIRE(v.rows() == 41);
    REQUIRE(wrong_entries(v) == 0);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  if (test::world_rank() == 0) std::remove(path.c_str());
}

TEST_CASE("MPI-IO hints: defaults, configuration and environment", "[io]") {
  REQUIRE(parse_mpiio_hints(" cb_nodes=8, cb_buffer_size = 1048576 ,", "test") ==
          MpiioHints{{"cb_nodes", "8"}, {"cb_buffer_size", "1048576"}});
  REQUIRE_THROWS_AS(parse_mpiio_hints("cb_nodes", "test"), InputError);
  REQUIRE_THROWS_AS(parse_mpiio_hints("=4", "test"), InputError);
  auto value_of = [](const std::string& key) {
    for (const auto& [k, v] : effective_mpiio_hints())
      if (k == key) return v;
    return std::string();
  };
  REQUIRE(value_of("romio_cb_read") == "automatic");
  set_mpiio_hints("cb_nodes=2,romio_cb_read=enable");
  REQUIRE(value_of("cb_nodes") == "2");
  REQUIRE(value_of("romio_cb_read") == "enable");
  setenv("JOINTFACT_MPIIO_HINTS", "cb_nodes=4", 1);
  REQUIRE(value_of("cb_nodes") == "4");
  unsetenv("JOINTFACT_MPIIO_HINTS");
  set_mpiio_hints("");
  REQUIRE(value_of("cb_nodes").empty());
}

TEST_CASE("MPI-IO hints: the collective buffer follows the rank's share unless the user sets it", "[io]") {
  const int64_t mib = int64_t{1} << 20;
  REQUIRE(collective_buffer_bytes(0) == mib);
  REQUIRE(collective_buffer_bytes(18 * mib) == 18 * mib / 8);  // a multiple of 64 KiB already
  REQUIRE(collective_buffer_bytes(18 * mib + 12345) == 18 * mib / 8);
  REQUIRE(collective_buffer_bytes(1024 * mib) == 16 * mib);
  auto buffer_for = [](int64_t share) {
    for (const auto& [k, v] : effective_mpiio_hints(share))
      if (k == "cb_buffer_size") return v;
    return std::string();
  };
  REQUIRE(buffer_for(0) == "16777216");
  REQUIRE(buffer_for(18 * mib) == std::to_string(18 * mib / 8));
  set_mpiio_hints("cb_buffer_size=4194304");
  REQUIRE(buffer_for(18 * mib) == "4194304");
  set_mpiio_hints("");
  setenv("JOINTFACT_MPIIO_HINTS", "cb_buffer_size=8388608", 1);
  REQUIRE(buffer_for(18 * mib) == "8388608");
  unsetenv("JOINTFACT_MPIIO_HINTS");
}
