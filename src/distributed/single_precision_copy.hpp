#pragma once
// A's local block rounded to float32, beside A, for products that need only float32 accuracy: the narrow kernels
// (narrow_gemm.hpp) then read half the bytes and run twice the lanes. The copy also measures ||A||_F, which bounds
// the rounding of every product (thin_product.hpp).
#include <cstddef>
#include <cstdint>
#include <memory>

#include "jointfact/distributed/dist_matrix.hpp"

namespace jf {

class SinglePrecisionCopy {
 public:
  // Collective over a's grid (||A||_F is summed, then taken from rank 0 so that it is bit-identical everywhere).
  // a must outlive the copy (its layout is used). Throws std::bad_alloc when the pages cannot be had.
  explicit SinglePrecisionCopy(const DistMatrix& a);

  const DistMatrix& layout() const { return *a_; }
  const float* data() const { return local_.get(); }
  int64_t lld() const { return std::max<int64_t>(1, a_->local_rows()); }
  double frobenius_norm() const { return frobenius_norm_; }
  // data() holds A's entries times scale(), a power of two (1 unless A's largest magnitude lies outside
  // [2^-60, 2^100]; then it brings it to [0.5, 1)): products divide by it.
  double scale() const { return scale_; }
  // The bytes the copy of a's local block takes on this rank.
  static double local_bytes(const DistMatrix& a);

 private:
  struct Unmap {
    size_t bytes = 0;
    void operator()(float* pages) const;
  };
  const DistMatrix* a_;
  std::unique_ptr<float, Unmap> local_;
  double frobenius_norm_ = 0;
  double scale_ = 1;
};

}  // namespace jf
