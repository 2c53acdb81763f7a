// Memory checks before the big allocations: the estimate per rank, the node's limit from the environment
// override, and the one-line refusal that says how many ranks would fit or that more ranks cannot help.
#include <catch2/catch.hpp>
#include <cstdlib>

#include "../test_support.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/core/memory_estimate.hpp"

using namespace jf;

namespace {

// Runs require_input_fits under JOINTFACT_NODE_MEMORY=limit and returns the error text ("" = it fits).
std::string refusal(const std::string& limit, const Grid& grid, int64_t m, int64_t n,
                    const MemoryEstimate& stage = {}) {
  setenv("JOINTFACT_NODE_MEMORY", limit.c_str(), 1);
  std::string message;
  try {
    require_input_fits(MPI_COMM_WORLD, grid, {m, n}, 64, stage);
  } catch (const InputError& e) {
    message = e.what();
  }
  unsetenv("JOINTFACT_NODE_MEMORY");
  return message;
}

}  // namespace

TEST_CASE("the per-rank estimate follows the largest rank's share", "[io][memory]") {
  auto grid = make_grid(MPI_COMM_WORLD);
  const MemoryEstimate input = input_memory(*grid, 1000, 1000, 64);
  REQUIRE(input.distributed_bytes == 8e6);
  REQUIRE(input.largest_share >= 1.0 / grid->size());
  REQUIRE(input.largest_share <= 1.0);
  const double share = largest_share(*grid, 1000, 1000, 64);
  REQUIRE(input.per_rank_bytes() >= 8e6 * share);
  // The exact SVD's r x r vectors: dbdsdc on every rank (5 r^2) or divide and conquer spread over the grid
  // (12 r^2 in all), the cheaper per rank; the randomized one's l x l are small.
  const MemoryEstimate exact = svd_memory(*grid, 1000, 800, 64, 20, true);
  REQUIRE(exact.spreadable_bytes == 8.0 * 5 * 800 * 800);
  REQUIRE(exact.spread_bytes >= 8.0 * 12 * 800 * 800);
  const double vectors = exact.per_rank_bytes() - exact.distributed_bytes * exact.largest_share - exact.fixed_bytes();
  REQUIRE(vectors == Approx(std::min(exact.spreadable_bytes, exact.spread_bytes * exact.largest_share)));
  if (grid->size() == 1) REQUIRE(vectors == exact.spreadable_bytes);
  REQUIRE(svd_memory(*grid, 1000, 800, 64, 20, false).replicated_bytes < 8.0 * 800 * 800);
}

TEST_CASE("a run over the node's memory is refused with what would fit", "[io][memory]") {
  auto grid = make_grid(MPI_COMM_WORLD);
  const int p = test::world_size();
  // 100000 x 30000 doubles = 24 GB: far above 1 GiB per node.
  const std::string message = refusal("1G", *grid, 100000, 30000);
  REQUIRE(message.find("needs about") != std::string::npos);
  REQUIRE(message.find("JOINTFACT_NODE_MEMORY") != std::string::npos);
  REQUIRE(message.find("ranks would fit") != std::string::npos);
  REQUIRE(message.find('\n') == std::string::npos);
  // A small matrix fits.
  REQUIRE(refusal("1G", *grid, 1000, 1000).empty());
  REQUIRE(refusal("64T", *grid, 100000, 30000).empty());
  // What every rank holds whatever the route cannot shrink with more ranks: no "ranks would fit".
  MemoryEstimate replicated_stage;
  replicated_stage.what = "a stage";
  replicated_stage.replicated_bytes = 4.0 * (1 << 30);
  const std::string replicated = refusal("1G", *grid, 20000, 20000, replicated_stage);
  REQUIRE(replicated.find("more ranks cannot help") != std::string::npos);
  // An exact SVD's r x r vectors can be spread (divide and conquer over the grid): more ranks do help, and the
  // count given fits: at that many ranks the estimate is within the limit.
  const std::string exact = refusal("1G", *grid, 20000, 20000, svd_memory(*grid, 20000, 20000, 64, 20, true));
  REQUIRE(exact.find("more ranks cannot help") == std::string::npos);
  const size_t at = exact.find("at least ");
  REQUIRE(at != std::string::npos);
  const int ranks = std::stoi(exact.substr(at + 9));
  REQUIRE(ranks > p);
  MemoryEstimate at_ranks = input_memory(*grid, 20000, 20000, 64);
  at_ranks.add(svd_memory(*grid, 20000, 20000, 64, 20, true));
  at_ranks.largest_share = at_ranks.largest_share * p / ranks;  // the same imbalance over `ranks` ranks
  REQUIRE(at_ranks.per_rank_bytes() <= 1024.0 * 1024 * 1024);
}

TEST_CASE("sizes beyond ScaLAPACK's 32-bit indices and bad limits are input errors", "[io][memory]") {
  auto grid = make_grid(MPI_COMM_WORLD);
  const std::string message = refusal("64T", *grid, int64_t{3} << 31, 2);
  REQUIRE(message.find("32-bit") != std::string::npos);
  REQUIRE(message.find("more ranks") == std::string::npos);
  REQUIRE(refusal("lots", *grid, 10, 10).find("JOINTFACT_NODE_MEMORY") != std::string::npos);
}
