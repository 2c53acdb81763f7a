#pragma once
// The svd stage's library API: A ~ U diag(s) V^T of rank k, computed without ever gathering A.
// The joint stage starts from these factors.
//
// Every method returns factors on A's grid with A's block size and singular values in descending order.
// truncated_svd() also fixes the sign of each singular pair (sign_convention.hpp), so results agree across
// methods, grids and rank counts, and measures the quality; the per-method functions below do neither.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "jointfact/core/progress.hpp"
#include "jointfact/distributed/dist_matrix.hpp"

namespace jf::svd {

// Randomized: Halko-Martinsson-Tropp. Exact: the divide-and-conquer path (bidiagonal_svd.hpp, a distributed
// dgesdd). ExactPdgesvd: ScaLAPACK pdgesvd, the slower reference the exact path is checked against.
enum class Method { Randomized, Exact, ExactPdgesvd };

// "randomized", "exact", "pdgesvd": the names the CLI's --method and the config's [svd] method take.
const char* method_name(Method method);
std::optional<Method> parse_method(const std::string& name);

// Progress lines: the one callback type of every stage (core/progress.hpp).
using jf::ProgressFn;

struct SvdOptions {
  Method method = Method::Randomized;
  int64_t rank = 0;           // k; 0 when a tolerance is given instead
  double tol = 0;             // fixed-accuracy mode: ||A - U S V^T||_F <= tol ||A||_F (0 = off)
  int64_t oversample = 10;    // p: the basis has l = k + p columns (clamped to min(m, n))
  int64_t power_iters = 2;    // q
  uint64_t seed = 1;          // test matrix from the counter-based generator: same result on any grid
  int64_t block_columns = 0;  // fixed-accuracy mode: basis columns added per step (0 = automatic)
  // With a rank: iterate until every triplet has ||A v_i - s_i u_i|| <= residual_tol ||A||_2
  // (converged_svd.hpp; the randomized method only). 0 = off: the fixed q passes.
  double residual_tol = 0;
  // The converged method may multiply by a float32 copy of A where the tolerance leaves room for its rounding
  // (converged_svd.hpp); false: every product in double.
  bool single_precision_products = true;
  ProgressFn progress;  // may be empty
};

struct SvdQuality {
  double residual = 0;         // ||A V - U S||_F / ||A||_F
  double orthogonality_u = 0;  // max |U^T U - I|
  double orthogonality_v = 0;  // max |V^T V - I|
  double tail_energy = 0;      // estimated ||A - U S V^T||_F / ||A||_F
};

struct TruncatedSvd {
  DistMatrix u;           // m x k, same grid and block size as A
  std::vector<double> s;  // k, descending, replicated on every rank
  DistMatrix v;           // n x k (not V^T)
  SvdQuality quality;
  int64_t basis_columns = 0;  // l: columns of the range basis (min(m, n) for the exact method)
  // k: ||A v_i - s_i u_i||_2 / s_1 per triplet (s_1 standing in for ||A||_2); measured by measure_quality.
  std::vector<double> residuals{};
};

// Validates the options, dispatches, applies the sign convention and fills result.quality.
// Throws InputError (on every rank alike) when k < 1 or k > min(m, n), tol outside (0, 1), both or
// neither of rank and tol are given, oversample / power_iters are negative, or residual_tol is outside
// [0, 1) or given without a rank or with an exact method.
TruncatedSvd truncated_svd(const DistMatrix& a, const SvdOptions& options);

// Halko-Martinsson-Tropp randomized SVD of rank options.rank (randomized_svd.cpp).
TruncatedSvd randomized_truncated_svd(const DistMatrix& a, const SvdOptions& options);

// Fixed accuracy (randQB_EI, Yu-Gu-Li 2018): the smallest k whose estimated error meets options.tol.
// Reliable for tol above ~1e-7: the indicator ||A||_F^2 - ||B||_F^2 loses the rest to cancellation.
TruncatedSvd fixed_accuracy_svd(const DistMatrix& a, const SvdOptions& options);

// The exact path alone: pdgebrd (after pdgeqrf when tall), LAPACK's divide-and-conquer dbdsdc on the
// bidiagonal replicated on every rank, then pdormqr/pdormlq on the k leading vectors (bidiagonal_svd.hpp;
// transient memory ~5 min(m, n)^2 doubles per rank). Truncated to k.
TruncatedSvd exact_truncated_svd(const DistMatrix& a, int64_t k);
// The same, truncated to the smallest k with sqrt(sum_{i >= k} s_i^2) <= tol ||A||_F (the optimal k).
TruncatedSvd exact_fixed_accuracy_svd(const DistMatrix& a, double tol);

// The reference exact path: ScaLAPACK pdgesvd (full SVD), truncated to k / to the optimal k for tol.
TruncatedSvd pdgesvd_truncated_svd(const DistMatrix& a, int64_t k);
TruncatedSvd pdgesvd_fixed_accuracy_svd(const DistMatrix& a, double tol);

// Fills result.quality and result.residuals (one A V product, two k x k Gram matrices).
void measure_quality(const DistMatrix& a, TruncatedSvd& result);

// max |X^T X - I| over the Gram matrix of X's columns (collective; one k x k product).
double orthogonality_defect(const DistMatrix& x);

}  // namespace jf::svd
