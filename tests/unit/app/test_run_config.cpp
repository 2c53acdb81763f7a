// The run configuration: schema-checked TOML, --set overrides, canonical text for config hashes.
#include <catch2/catch.hpp>

#include "app/pipeline.hpp"
#include "app/run_config.hpp"
#include "app_test_support.hpp"
#include "jointfact/core/error.hpp"

using jf::app::RunConfig;
using jf::test::input_error_of;


TEST_CASE("a config file is parsed with typed keys", "[app][config]") {
  const RunConfig config = RunConfig::parse(R"(
[input]
path = "W.h5:/W"
[svd]
rank = 20
method = "exact"
[joint]
objective = "rowsum"
lambda = 2       # an integer is accepted where a number is expected
nonneg = true
[output]
path = "out.h5"
)",
                                            "test.toml");
  REQUIRE(config.get_string("input", "path") == std::string("W.h5:/W"));
  REQUIRE(config.get_int("svd", "rank") == 20);
  REQUIRE(config.get_float("joint", "lambda") == 2.0);
  REQUIRE(config.get_bool("joint", "nonneg") == true);
  REQUIRE(!config.get_int("svd", "oversample").has_value());
  REQUIRE(config.has_section("joint"));
  REQUIRE(!config.has_section("sparse"));
}

TEST_CASE("unknown keys, sections and wrong types are errors naming the key", "[app][config]") {
  REQUIRE_THAT(input_error_of([] { RunConfig::parse("[svd]\nrnak = 3\n", "c.toml"); }), Catch::Contains("svd.rnak"));
  REQUIRE_THAT(input_error_of([] { RunConfig::parse("[nope]\nx = 1\n", "c.toml"); }), Catch::Contains("[nope]"));
  REQUIRE_THAT(input_error_of([] { RunConfig::parse("[svd]\nrank = \"ten\"\n", "c.toml"); }),
               Catch::Contains("svd.rank must be an integer"));
  REQUIRE_THAT(input_error_of([] { RunConfig::parse("[svd\nrank = 3\n", "c.toml"); }), Catch::Contains("c.toml:"));
  REQUIRE_THAT(input_error_of([] { RunConfig::parse("[input]\nshape = [1, \"a\"]\n", "c.toml"); }),
               Catch::Contains("input.shape"));
}

TEST_CASE("--set overrides one key, checked like the file", "[app][config]") {
  RunConfig config = RunConfig::demo();
  config.apply_override("joint.max_iters=300");
  config.apply_override("joint.objective=regression");  // bare strings are accepted for string keys
  config.apply_override("svd.tol=1e-3");
  REQUIRE(config.get_int("joint", "max_iters") == 300);
  REQUIRE(config.get_string("joint", "objective") == std::string("regression"));
  REQUIRE(config.get_float("svd", "tol") == 1e-3);
  REQUIRE_THAT(input_error_of([&] { config.apply_override("joint.maxiters=3"); }), Catch::Contains("joint.maxiters"));
  REQUIRE_THAT(input_error_of([&] { config.apply_override("joint.max_iters=many"); }), Catch::Contains("an integer"));
  REQUIRE_THAT(input_error_of([&] { config.apply_override("max_iters=3"); }), Catch::Contains("section.key=value"));
}

TEST_CASE("stage config hashes change only with the settings that matter to the stage", "[app][config]") {
  const RunConfig base = RunConfig::demo();
  RunConfig other_output = base;
  other_output.apply_override("output.path=\"elsewhere.h5\"");
  RunConfig other_joint = base;
  other_joint.apply_override("joint.eps_rel=0.05");
  using jf::app::stage_config_hash;
  REQUIRE(stage_config_hash(base, "svd") == stage_config_hash(other_output, "svd"));
  REQUIRE(stage_config_hash(base, "joint") == stage_config_hash(other_output, "joint"));
  REQUIRE(stage_config_hash(base, "svd") == stage_config_hash(other_joint, "svd"));
  REQUIRE(stage_config_hash(base, "joint") != stage_config_hash(other_joint, "joint"));
  REQUIRE(stage_config_hash(base, "sparse") == stage_config_hash(other_joint, "sparse"));
  // The TOML text round-trips.
  REQUIRE(RunConfig::parse(base.to_toml(), "again").canonical({"input", "svd", "joint", "sparse", "output"}) ==
          base.canonical({"input", "svd", "joint", "sparse", "output"}));
}

TEST_CASE("the TOML text does not depend on where a key came from", "[app][config]") {
  // `run --print-config` prints this text; reading it back and printing again must give it unchanged,
  // also when --set added keys and whole tables that the file did not have.
  RunConfig config = RunConfig::parse("[svd]\nrank = 12\nmethod = \"randomized\"\n", "c.toml");
  config.apply_override("svd.power_iters=4");
  config.apply_override("joint.objective=rowsum");
  config.apply_override("input.generate=lowrank");
  const std::string text = config.to_toml();
  REQUIRE(text ==
          "[input]\ngenerate = 'lowrank'\n[joint]\nobjective = 'rowsum'\n"
          "[svd]\nmethod = 'randomized'\npower_iters = 4\nrank = 12\n");
  REQUIRE(RunConfig::parse(text, "printed").to_toml() == text);
}
