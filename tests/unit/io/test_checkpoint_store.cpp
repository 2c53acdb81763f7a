// Checkpoints: stamped, atomically replaced, refused when foreign or corrupt, readable on another grid.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>

#include "../test_support.hpp"
#include "distributed/counter_random.hpp"
#include "distributed/fingerprint.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/io/checkpoint_store.hpp"
#include "jointfact/io/matrix_io.hpp"

using namespace jf;

namespace {
std::string temp_dir(const std::string& stem) {
  long long id = getpid();
  MPI_Bcast(&id, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
  return "/tmp/jf-ckpt-" + std::to_string(id) + "-" + stem;
}
}  // namespace

TEST_CASE("a checkpoint round-trips and resumes on another grid and block size", "[io][checkpoint]") {
  const std::string dir = temp_dir("roundtrip");
  CheckpointStore store(MPI_COMM_WORLD, dir);
  store.clear();
  auto grid = make_grid(MPI_COMM_WORLD);
  DistMatrix a(grid, 53, 21, 5, 5);
  fill_normal(a, 4, kStreamUser);
  const std::string fingerprint = matrix_fingerprint(a);
  REQUIRE(!store.find("svd", "hash1", fingerprint).has_value());
  {
    auto file = store.begin({"svd", "hash1", fingerprint, 7, false});
    file->write_matrix("/state/A", a);
    file->commit();
  }
  const auto stamp = store.find("svd", "hash1", fingerprint);
  REQUIRE(stamp.has_value());
  REQUIRE(stamp->iteration == 7);
  REQUIRE(!stamp->complete);
  for (const GridShape shape : test::grids_fitting(test::world_size())) {
    auto other_grid = make_grid(MPI_COMM_WORLD, shape);
    ReadOptions options;
    options.block = 3;
    const DistMatrix back = read_matrix(other_grid, DatasetPath{store.path_of("svd"), "/state/A"}, options);
    REQUIRE(test::gather(back) == test::gather(a));
    REQUIRE(matrix_fingerprint(back) == fingerprint);  // independent of the layout
  }
  store.clear();
}

TEST_CASE("foreign checkpoints are refused; files without the stamp are never removed", "[io][checkpoint]") {
  const std::string dir = temp_dir("refuse");
  CheckpointStore store(MPI_COMM_WORLD, dir);
  store.clear();
  {
    auto file = store.begin({"joint", "hashA", "10x10:abc", 1, false});
    file->commit();
  }
  auto message_of = [&](const std::string& hash, const std::string& fingerprint) -> std::string {
    try {
      store.find("joint", hash, fingerprint);
    } catch (const InputError& e) {
      return e.what();
    }
    return "no error";
  };
  REQUIRE_THAT(message_of("hashB", "10x10:abc"), Catch::Contains("another configuration"));
  REQUIRE_THROWS_AS(store.find("joint", "hashB", "10x10:abc"), CheckpointMismatch);
  REQUIRE_THAT(message_of("hashA", "10x10:def"), Catch::Contains("other input"));
  if (test::world_rank() == 0) {
    std::ofstream corrupt(store.path_of("joint"), std::ios::trunc);
    corrupt << "not hdf5";
  }
  MPI_Barrier(MPI_COMM_WORLD);
  REQUIRE_THAT(message_of("hashA", "10x10:abc"), Catch::Contains("not a jointfact checkpoint"));
  REQUIRE_THROWS_AS(store.clear(), InputError);
  int kept = access(store.path_of("joint").c_str(), F_OK) == 0 ? 1 : 0;  // a file jointfact did not stamp stays
  MPI_Bcast(&kept, 1, MPI_INT, 0, MPI_COMM_WORLD);
  REQUIRE(kept == 1);
  if (test::world_rank() == 0) std::remove(store.path_of("joint").c_str());
  MPI_Barrier(MPI_COMM_WORLD);
  store.clear();
  REQUIRE(!store.find("joint", "hashA", "10x10:abc").has_value());
}
