// One progress interface: a ProgressFn takes every stage's lines; ProgressMeter throttles a loop's lines
// into it; the sparse stages report their rounds through it (the command and the run only prefix them).
#include <catch2/catch.hpp>

#include <mpi.h>

#include <string>
#include <vector>

#include "jointfact/core/progress.hpp"
#include "jointfact/distributed/synthetic.hpp"
#include "jointfact/sparse/distributed_butterfly.hpp"

TEST_CASE("ProgressMeter: the first and forced updates always, others at most once per interval", "[app][progress]") {
  std::vector<std::string> lines;
  jf::ProgressMeter meter([&](const std::string& line) { lines.push_back(line); }, "fsmf: refinement sweep", 10,
                          3600.0);
  meter.update(1, "rel_error 1.0");
  meter.update(2, "rel_error 0.5");  // within the interval: dropped
  meter.update(10, "rel_error 0.1", true);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].rfind("fsmf: refinement sweep 1/10  rel_error 1.0  elapsed ", 0) == 0);
  CHECK(lines[0].find("  eta ") != std::string::npos);
  CHECK(lines[1].rfind("fsmf: refinement sweep 10/10  rel_error 0.1  elapsed ", 0) == 0);
  CHECK(lines[1].find("eta") == std::string::npos);  // done: no estimate left

  jf::ProgressMeter silent(jf::ProgressFn{}, "nothing", 3);
  CHECK_NOTHROW(silent.update(1, "", true));  // no callback: no lines, no error
}

TEST_CASE("the distributed butterfly reports its rounds through the ProgressFn", "[app][progress]") {
  const jf::GridPtr grid = jf::make_grid(MPI_COMM_WORLD);
  const jf::DistMatrix a = jf::make_butterfly_product(grid, 64, 7, 8);  // J = 6
  std::vector<std::string> lines;
  const auto result = jf::sparse::butterfly_factorize_distributed(
      a, jf::sparse::ButterflyTree::balanced, [&](const std::string& line) { lines.push_back(line); });
  REQUIRE(!lines.empty());
  const std::string rounds = std::to_string(result.round_errors.size());
  CHECK(lines.front().rfind("butterfly: round 1/" + rounds + "  ", 0) == 0);
  CHECK(lines.back().rfind("butterfly: round " + rounds + "/" + rounds + "  ", 0) == 0);  // the last is forced
  CHECK(result.rel_error < 1e-12);
}
