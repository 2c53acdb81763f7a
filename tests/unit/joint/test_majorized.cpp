// The generic majorise-minimise block problems (majorized_block.hpp) built only from an objective's
// gradient products and curvature bound. For the quadratic objectives they must be monotone and reach
// the same optimum as the exact block solves, which checks each objective's gradient products and
// curvature bound against its own exact algebra.
#include <catch2/catch.hpp>

#include "distributed/counter_random.hpp"
#include "joint/majorized_block.hpp"
#include "joint/regression_objective.hpp"
#include "joint/rowsum_objective.hpp"
#include "joint/thin_algebra.hpp"
#include "joint_test_support.hpp"

using namespace jf;
using namespace jf::joint;

namespace {

// Forwards everything except the exact block problems, so the solver falls back to majorisation.
class MajorizedOnly : public Objective {
 public:
  explicit MajorizedOnly(const Objective& inner) : inner_(inner) {}
  std::string name() const override { return inner_.name(); }
  double value(const DistMatrix& l, const DistMatrix& r) const override { return inner_.value(l, r); }
  double value_of_matrix(const DistMatrix& x) const override { return inner_.value_of_matrix(x); }
  DistMatrix gradient_times_right(const DistMatrix& l, const DistMatrix& r, const DistMatrix& w_r) const override {
    return inner_.gradient_times_right(l, r, w_r);
  }
  DistMatrix gradient_transpose_times_left(const DistMatrix& l, const DistMatrix& r,
                                           const DistMatrix& w_t_l) const override {
    return inner_.gradient_transpose_times_left(l, r, w_t_l);
  }
  double curvature_bound() const override { return inner_.curvature_bound(); }
  double lower_bound() const override { return inner_.lower_bound(); }

 private:
  const Objective& inner_;
};

void check_same_optimum(const DistMatrix& w, const Objective& exact, double lambda) {
  const double w_norm_squared = squared_norm(w);
  const InitialFactors start = initial_factors(w, 3, w_norm_squared);
  const PenaltyOptions options = test::penalty_options(lambda, 1e-12, 20000);
  const PenaltyResult reference =
      AlternatingSolver(JointProblem{w, exact, w_norm_squared}).solve(start.factors, options);
  const MajorizedOnly majorized(exact);
  const PenaltyResult result =
      AlternatingSolver(JointProblem{w, majorized, w_norm_squared}).solve(start.factors, options);
  INFO(exact.name() << ": exact solves " << reference.iterations << " iterations, majorise-minimise "
                    << result.iterations);
  CHECK(reference.converged);
  CHECK(result.converged);
  CHECK_FALSE(result.stalled);
  CHECK(test::largest_relative_increase(result.history) < test::kMonotoneTolerance);
  CHECK(test::relative_difference(test::gathered_product(result.factors), test::gathered_product(reference.factors)) <
        1e-7);
}

}  // namespace

TEST_CASE("majorise-minimise from gradient products reaches the exact optimum (rowsum, regression)",
          "[joint][majorized]") {
  auto grid = make_grid(MPI_COMM_WORLD);
  const int64_t m = 33, n = 21, nb = 4;
  const LowRankProblem data = make_lowrank(grid, m, n, 4, 0.4, 81, nb);
  check_same_optimum(data.w, RowsumObjective(data.targets, m, n), 0.8);
  DistMatrix samples(grid, 26, n, nb, nb), responses(grid, 26, m, nb, nb);
  fill_normal(samples, 82, kStreamUser + 40);
  fill_normal(responses, 82, kStreamUser + 41);
  check_same_optimum(data.w, RegressionObjective(samples, responses, m, n), 0.5);
}
