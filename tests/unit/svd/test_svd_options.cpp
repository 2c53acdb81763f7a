// Bad options are refused with one clear InputError on every rank (no collective is entered first), and
// the pure rank-selection rules.
#include <catch2/catch.hpp>

#include "jointfact/core/error.hpp"
#include "jointfact/svd/truncated_svd.hpp"
#include "svd/rank_selection.hpp"
#include "svd_test_support.hpp"

using namespace jf;
using Catch::Matchers::Contains;

namespace {

svd::SvdOptions with_rank(int64_t k) {
  svd::SvdOptions options;
  options.rank = k;
  return options;
}

svd::SvdOptions with_tol(double tol) {
  svd::SvdOptions options;
  options.tol = tol;
  return options;
}

}  // namespace

TEST_CASE("bad ranks, tolerances and parameters are InputErrors with a clear message", "[svd][options]") {
  auto grid = make_grid(MPI_COMM_WORLD);
  DistMatrix a(grid, 40, 31, 8, 8);
  fill_normal(a, 1, kStreamUser);
  for (svd::Method method : {svd::Method::Randomized, svd::Method::Exact, svd::Method::ExactPdgesvd}) {
    auto with_method = [method](svd::SvdOptions options) {
      options.method = method;
      return options;
    };
    REQUIRE_THROWS_WITH(svd::truncated_svd(a, with_method(with_rank(0))),
                        Contains("rank 0 must be between 1 and min(m, n) = 31"));
    REQUIRE_THROWS_AS(svd::truncated_svd(a, with_method(with_rank(-3))), InputError);
    REQUIRE_THROWS_WITH(svd::truncated_svd(a, with_method(with_rank(32))), Contains("rank 32 must be between 1"));
    REQUIRE_THROWS_WITH(svd::truncated_svd(a, with_method(with_tol(1.5))), Contains("tolerance 1.5 must be in (0, 1)"));
    REQUIRE_THROWS_AS(svd::truncated_svd(a, with_method(with_tol(1.0))), InputError);
    REQUIRE_THROWS_AS(svd::truncated_svd(a, with_method(with_tol(-0.1))), InputError);
    svd::SvdOptions both = with_rank(5);
    both.tol = 0.1;
    REQUIRE_THROWS_WITH(svd::truncated_svd(a, with_method(both)), Contains("either a rank or a tolerance"));
  }
  svd::SvdOptions negative_oversample = with_rank(5);
  negative_oversample.oversample = -1;
  REQUIRE_THROWS_AS(svd::truncated_svd(a, negative_oversample), InputError);
  svd::SvdOptions negative_power = with_rank(5);
  negative_power.power_iters = -1;
  REQUIRE_THROWS_AS(svd::truncated_svd(a, negative_power), InputError);
  // The error is an InputError (exit code 2), and the message is one line.
  try {
    svd::truncated_svd(a, with_rank(0));
  } catch (const InputError& e) {
    REQUIRE(e.exit_code() == 2);
    REQUIRE(std::string(e.what()).find('\n') == std::string::npos);
  }
  // A valid call afterwards still works: nobody was left inside a collective.
  REQUIRE(svd::truncated_svd(a, with_rank(3)).s.size() == 3);
}

TEST_CASE("method names round-trip and unknown names are refused", "[svd][options]") {
  for (svd::Method method : {svd::Method::Randomized, svd::Method::Exact, svd::Method::ExactPdgesvd}) {
    REQUIRE(svd::parse_method(svd::method_name(method)) == method);
  }
  REQUIRE(std::string(svd::method_name(svd::Method::ExactPdgesvd)) == "pdgesvd");
  REQUIRE(svd::parse_method("exact") == svd::Method::Exact);
  REQUIRE_FALSE(svd::parse_method("Exact").has_value());
  REQUIRE_FALSE(svd::parse_method("gesdd").has_value());
}

TEST_CASE("rank selection from a spectrum and from a projection", "[svd][rank]") {
  // Full spectrum 3, 2, 1: ||A||^2 = 14; dropping 1 leaves error 1 = 14 * (1/14).
  const std::vector<double> s = {3.0, 2.0, 1.0};
  REQUIRE(svd::optimal_rank_from_spectrum(s, std::sqrt(1.0 / 14.0) * (1 + 1e-12)) == 2);
  REQUIRE(svd::optimal_rank_from_spectrum(s, std::sqrt(1.0 / 14.0) * (1 - 1e-12)) == 3);
  REQUIRE(svd::optimal_rank_from_spectrum(s, std::sqrt(5.0 / 14.0) * (1 + 1e-12)) == 1);
  REQUIRE(svd::optimal_rank_from_spectrum(s, 1e-3) == 3);
  REQUIRE(svd::optimal_rank_from_spectrum({0.0, 0.0}, 0.5) == 1);
  // From a projection: the remaining energy is ||A||^2 - captured; ||A|| may exceed what B captured.
  const double norm_a = std::sqrt(14.0 + 0.5);  // 0.5 of the energy is outside the basis
  REQUIRE(svd::rank_meeting_tolerance(s, norm_a, std::sqrt(1.5 / 14.5) * (1 + 1e-12)) == 2);
  REQUIRE(svd::rank_meeting_tolerance(s, norm_a, std::sqrt(1.5 / 14.5) * (1 - 1e-12)) == 3);
  REQUIRE(svd::rank_meeting_tolerance(s, norm_a, 1e-6) == 3);  // not reachable: all of the basis
  REQUIRE(svd::tail_energy_estimate(s, 2, norm_a) == Approx(std::sqrt(1.5 / 14.5)).epsilon(1e-14));
  REQUIRE(svd::tail_energy_estimate(s, 3, std::sqrt(14.0)) == Approx(0.0).margin(1e-7));
}
