#pragma once
// The products of the converged SVD with A, in double or, where the tolerance leaves room for it, with a float32
// copy of A (single_precision_copy.hpp): half the bytes per pass and twice the lanes per instruction.
//
// Why the answer stays within the tolerance: the Lanczos relation A P = Q B holds up to the rounding E of the
// products A P_j that built B (the products with A^T only choose the directions and never enter B). A Ritz
// triplet's true residual is at most its residual from B plus ||E y_i||. Each column of E is at most
// kSingleProductError ||A||_F (thin_product.hpp; P's columns are unit vectors), which gives a deterministic bound
// (column_error_bound, rounding_bound: ||E||_F; a restart rotates E by orthonormal columns, which does not raise
// it), far above the rounding that really happens; converged_svd.cpp also measures ||E||_2 by random probes.
#include <cstdint>
#include <memory>
#include <string>

#include "distributed/single_precision_copy.hpp"
#include "jointfact/distributed/dist_matrix.hpp"
#include "jointfact/svd/truncated_svd.hpp"

namespace jf::svd {

class LanczosOperator {
 public:
  explicit LanczosOperator(const DistMatrix& a) : a_(a) {}

  // y = A x. A product that feeds the projected matrix (feeds_projection) counts towards rounding_bound().
  void times(const DistMatrix& x, DistMatrix& y, bool feeds_projection);
  // z = A^T q.
  void times_transposed(const DistMatrix& q, DistMatrix& z);
  // y = A x in double, whatever the mode (the probes that measure the rounding).
  void times_in_double(const DistMatrix& x, DistMatrix& y) const;

  // Collective. Switches to the float32 copy when options allow it, the narrow float kernels run on this CPU,
  // one product column's rounding bound, kSingleProductError ||A||_F <= kSingleProductError sqrt(min(m, n))
  // ||A||_2, stays below a quarter of options.residual_tol ||A||_2, and the copy fits the node's memory beside what
  // this rank holds. Returns the reason when it stays in double ("" when it switched).
  std::string try_single_precision(const SvdOptions& options);
  // Back to double (the copy is freed); the bound of the columns already multiplied stays.
  void use_double();

  bool single_precision() const { return single_ != nullptr; }
  // Upper bound on ||A P - Q B||_F from float32 rounding (0 when every product was in double).
  double rounding_bound() const;
  // Upper bound on the rounding of one column of the next times() (kSingleProductError ||A||_F; 0 in double).
  double column_error_bound() const;

 private:
  const DistMatrix& a_;
  std::unique_ptr<SinglePrecisionCopy> single_;
  double frobenius_norm_ = 0;
  int64_t single_columns_ = 0;  // columns of A P multiplied in float32
};

}  // namespace jf::svd
