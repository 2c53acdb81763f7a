// The joint and sparse stage definitions: the command line and the run configuration give the same settings
// and library options, the defaults are the library's, and one validation names the setting the way the user
// gave it (--flag or [section] key).
#include <catch2/catch.hpp>

#include <CLI/CLI.hpp>
#include <set>

#include "app/joint_stage_definition.hpp"
#include "app/run_config.hpp"
#include "app/sparse_stage_definition.hpp"
#include "app_test_support.hpp"
#include "jointfact/core/error.hpp"

using jf::app::RunConfig;
using jf::test::input_error_of;

namespace {

jf::app::JointStageSettings joint_from_cli(const std::string& arguments) {
  CLI::App app;
  jf::app::JointStageSettings settings;
  jf::app::bind_joint_cli(app, settings);
  app.parse(arguments, false);
  return settings;
}

RunConfig config_of(const std::string& toml) { return RunConfig::parse(toml, "test.toml"); }

}  // namespace

TEST_CASE("joint: the command line and [joint] give the same library settings", "[app][definition]") {
  const auto cli = joint_from_cli(
      "--rank 5 --objective rowsum --targets t.h5:/t --mode lossless --smooth-l 0.25 --nonneg --max-iters 70 "
      "--eps-rel 0.02 --loss-tol 0.5");
  const auto toml = jf::app::joint_settings_from_config(
      config_of(
          "[svd]\nrank = 9\n[joint]\nrank = 5\nobjective = \"rowsum\"\ntargets = \"t.h5:/t\"\n"
          "mode = \"lossless\"\nsmooth_l = 0.25\nnonneg = true\nmax_iters = 70\neps_rel = 0.02\nloss_tol = 0.5\n"),
      false);
  jf::app::validate_joint_settings(cli, jf::app::cli_setting_name);
  const jf::joint::JointSettings a = jf::app::joint_library_settings(cli);
  const jf::joint::JointSettings b = jf::app::joint_library_settings(toml);
  for (const jf::joint::JointSettings* s : {&a, &b}) {
    CHECK(s->rank == 5);
    CHECK(s->mode == jf::joint::JointMode::Lossless);
    CHECK(s->lambda == 0.0);  // lossless without --lambda: the search picks its first lambda
    CHECK(s->smooth_l == 0.25);
    CHECK(s->smooth_r == 0.0);
    CHECK(s->nonneg);
    CHECK(s->max_iterations == 70);
    CHECK(s->eps_rel == 0.02);
    CHECK(s->loss_tol == 0.5);
  }
  CHECK(jf::app::joint_input_files(cli) == std::vector<std::string>{"t.h5"});
}

TEST_CASE("joint: defaults are the library's; penalty mode's lambda is 1 unless given", "[app][definition]") {
  const jf::joint::JointSettings library;
  const auto settings =
      jf::app::joint_library_settings(joint_from_cli("--rank 3 --objective gradient --gradient g.h5"));
  CHECK(settings.mode == jf::joint::JointMode::Penalty);
  CHECK(settings.lambda == 1.0);
  CHECK(settings.eps_rel == library.eps_rel);
  CHECK(settings.max_iterations == library.max_iterations);
  CHECK(settings.tol == library.tol);
  CHECK(settings.max_evaluations == library.max_evaluations);
  const auto from_run = jf::app::joint_settings_from_config(
      config_of("[svd]\nrank = 4\n[joint]\nobjective = \"rowsum\"\nmode = \"compact\"\nlambda = 3\n"), true);
  CHECK(from_run.rank == 4);  // [svd] rank when [joint] rank is absent
  CHECK(!from_run.rank_given);
  CHECK(jf::app::joint_library_settings(from_run).lambda == 3.0);
}

TEST_CASE("joint: one validation, worded for the command line or the configuration", "[app][definition]") {
  using jf::app::cli_setting_name;
  auto settings = joint_from_cli("--rank 3 --objective rowsum --targets t.h5 --smooth-l -1");
  CHECK_THAT(input_error_of([&] { jf::app::validate_joint_settings(settings, cli_setting_name); }),
             Catch::Contains("--smooth-l must be >= 0"));
  CHECK_THAT(input_error_of([&] { jf::app::validate_joint_settings(settings, jf::app::toml_setting_names("joint")); }),
             Catch::Contains("[joint] smooth_l must be >= 0"));
  CHECK_THAT(input_error_of([] {
               jf::app::joint_settings_from_config(
                   config_of("[joint]\nobjective = \"rowsum\"\ntargets = \"t.h5\"\ntrust_radius = -2\n"), false);
             }),
             Catch::Contains("[joint] trust_radius must be >= 0"));
  CHECK_THAT(input_error_of([] {
               jf::app::joint_settings_from_config(config_of("[joint]\nobjective = \"rowsum\"\nmax_evals = 1\n"), true);
             }),
             Catch::Contains("[joint] max_evals must be >= 2"));
  // An objective's data: needed with it, refused with another.
  settings = joint_from_cli("--rank 3 --objective rowsum --targets t.h5 --curvature h.h5");
  CHECK_THAT(input_error_of([&] { jf::app::validate_joint_settings(settings, cli_setting_name); }),
             Catch::Contains("--curvature is only used by --objective gradient"));
  const RunConfig no_targets = config_of("[joint]\nobjective = \"rowsum\"\n");
  CHECK_THAT(input_error_of([&] { jf::app::joint_settings_from_config(no_targets, false); }),
             Catch::Contains("[joint] objective rowsum needs [joint] targets"));
  CHECK_NOTHROW(jf::app::joint_settings_from_config(no_targets, true));  // a generated input's targets
  CHECK_THAT(
      input_error_of([] { jf::app::joint_settings_from_config(config_of("[joint]\nmode = \"penalty\"\n"), true); }),
      Catch::Contains("[joint] objective must be rowsum, regression, gradient"));
  // The rank against the matrix.
  settings = joint_from_cli("--rank 31 --objective rowsum --targets t.h5");
  CHECK_THAT(input_error_of([&] { jf::app::require_joint_rank(settings, cli_setting_name, 40, 30, "/W"); }),
             Catch::Contains("--rank 31 must be between 1 and min(m, n) = 30 for /W (40 x 30)"));
  CHECK_NOTHROW(jf::app::require_joint_rank(settings, cli_setting_name, 40, 31, "/W"));
}

TEST_CASE("sparse: [sparse] and the fsmf / butterfly options give the same settings", "[app][definition]") {
  CLI::App fsmf_app, butterfly_app;
  jf::app::FsmfStageSettings fsmf;
  jf::app::ButterflyStageSettings butterfly;
  jf::app::bind_fsmf_cli(fsmf_app, fsmf);
  jf::app::bind_butterfly_cli(butterfly_app, butterfly);
  fsmf_app.parse("--support-x s.h5:/SX --support-y s.h5:/SY --refine-iters 7", false);
  butterfly_app.parse("--tree left-to-right", false);
  const auto run = jf::app::sparse_settings_from_config(
      config_of("[sparse]\nkind = \"fsmf\"\nsupport_x = \"s.h5:/SX\"\nsupport_y = \"s.h5:/SY\"\nrefine_iters = 7\n"
                "tree = \"left-to-right\"\n"));
  CHECK(run.kind == "fsmf");
  CHECK(run.fsmf.support_x == fsmf.support_x);
  CHECK(run.fsmf.support_y == fsmf.support_y);
  CHECK(jf::app::fsmf_library_options(run.fsmf).refine_iters == 7);
  CHECK(jf::app::fsmf_library_options(fsmf).refine_iters == 7);
  CHECK(jf::app::butterfly_library_tree(butterfly) == jf::sparse::ButterflyTree::left_to_right);
  CHECK(jf::app::butterfly_library_tree(run.butterfly) == jf::sparse::ButterflyTree::left_to_right);
  CHECK(jf::app::FsmfStageSettings{}.refine_iters == jf::sparse::FsmfOptions{}.refine_iters);
  CHECK(jf::app::sparse_settings_from_config(config_of("[sparse]\n")).kind == "none");
}

TEST_CASE("sparse: one validation, worded for the command line or the configuration", "[app][definition]") {
  CHECK_THAT(input_error_of([] { jf::app::sparse_settings_from_config(config_of("[sparse]\nkind = \"fsmf\"\n")); }),
             Catch::Contains("[sparse] support_x and [sparse] support_y"));
  CHECK_THAT(input_error_of([] {
               jf::app::sparse_settings_from_config(config_of(
                   "[sparse]\nkind = \"fsmf\"\nsupport_x = \"a.h5\"\nsupport_y = \"b.h5\"\nrefine_iters = -1\n"));
             }),
             Catch::Contains("[sparse] refine_iters must be between 0 and 1e9"));
  CHECK_THAT(input_error_of([] {
               jf::app::sparse_settings_from_config(config_of("[sparse]\nkind = \"butterfly\"\ntree = \"sideways\"\n"));
             }),
             Catch::Contains("[sparse] tree must be balanced or left-to-right"));
  CHECK_THAT(input_error_of([] { jf::app::sparse_settings_from_config(config_of("[sparse]\nkind = \"dense\"\n")); }),
             Catch::Contains("[sparse] kind must be none, butterfly or fsmf"));
  jf::app::ButterflyStageSettings butterfly;
  butterfly.tree = "sideways";
  CHECK_THAT(input_error_of([&] { jf::app::validate_butterfly_settings(butterfly, jf::app::cli_setting_name); }),
             Catch::Contains("--tree must be"));
}

TEST_CASE("the schema holds every stage's keys once", "[app][definition]") {
  std::set<std::string> seen;
  for (const jf::app::KeySpec& spec : jf::app::config_schema()) {
    INFO(spec.section + "." + spec.key);
    CHECK(seen.insert(spec.section + "." + spec.key).second);
  }
  for (const auto& keys : {jf::app::joint_config_keys(), jf::app::sparse_config_keys()})
    for (const jf::app::KeySpec& spec : keys) CHECK(seen.count(spec.section + "." + spec.key) == 1);
}
