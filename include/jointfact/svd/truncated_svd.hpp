#pragma once
// The svd stage's library API: A ~ U diag(s) V^T of rank k, computed without ever gathering A.
// The joint stage starts from these factors.
#include <cstdint>
#include <string>
#include <vector>

#include "jointfact/dist/dist_matrix.hpp"

namespace jf::svd {

enum class Method { Randomized, Exact };

struct SvdOptions {
  Method method = Method::Randomized;
  int64_t rank = 0;        // k; 0 when a tolerance is given instead
  double tol = 0;          // fixed-accuracy mode: ||A - Q Q^T A||_F <= tol ||A||_F (0 = off)
  int64_t oversample = 10; // p: the basis has l = k + p columns
  int64_t power_iters = 2; // q
  uint64_t seed = 1;       // test matrix from the counter-based generator: same result on any grid
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
};

// Throws InputError when k < 1 or k > min(m, n), or tol outside (0, 1).
TruncatedSvd truncated_svd(const DistMatrix& a, const SvdOptions& options);

// The exact path alone: ScaLAPACK pdgesvd, truncated to k.
TruncatedSvd exact_truncated_svd(const DistMatrix& a, int64_t k);

// Fills result.quality (one A V product, two k x k Gram matrices).
void measure_quality(const DistMatrix& a, TruncatedSvd& result);

}  // namespace jf::svd
