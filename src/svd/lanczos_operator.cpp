#include "svd/lanczos_operator.hpp"

#include <mpi.h>

#include <algorithm>
#include <cmath>

#include "distributed/narrow_gemm.hpp"
#include "distributed/thin_product.hpp"
#include "jointfact/core/log.hpp"
#include "jointfact/core/memory_estimate.hpp"

namespace jf::svd {

void LanczosOperator::times(const DistMatrix& x, DistMatrix& y, bool feeds_projection) {
  if (single_ == nullptr) return multiply_thin(a_, x, y);
  multiply_thin(*single_, x, y);
  if (feeds_projection) single_columns_ += x.cols();
}

void LanczosOperator::times_transposed(const DistMatrix& q, DistMatrix& z) {
  if (single_ == nullptr) return multiply_thin_transposed(a_, q, z);
  multiply_thin_transposed(*single_, q, z);
}

void LanczosOperator::times_in_double(const DistMatrix& x, DistMatrix& y) const { multiply_thin(a_, x, y); }

double LanczosOperator::rounding_bound() const {
  return kSingleProductError * frobenius_norm_ * std::sqrt(static_cast<double>(single_columns_));
}

double LanczosOperator::column_error_bound() const {
  return single_ != nullptr ? kSingleProductError * frobenius_norm_ : 0.0;
}

std::string LanczosOperator::try_single_precision(const SvdOptions& options) {
  if (!options.single_precision_products) return "double products asked for";
  if (!narrow_single_kernels()) return "no float32 kernels for this CPU";
  const double dimension = static_cast<double>(std::min(a_.rows(), a_.cols()));
  if (kSingleProductError * std::sqrt(dimension) > options.residual_tol / 4) {
    return "the tolerance is below what float32 rounding allows";
  }
  MPI_Comm comm = a_.grid().comm();
  const double need = SinglePrecisionCopy::local_bytes(a_);
  int fits = room_beside_resident(comm, need).fits ? 1 : 0;
  MPI_Allreduce(MPI_IN_PLACE, &fits, 1, MPI_INT, MPI_MIN, comm);
  if (fits == 0) return "a float32 copy of A (" + format_bytes(need) + " per rank) does not fit in memory";
  single_ = std::make_unique<SinglePrecisionCopy>(a_);
  frobenius_norm_ = single_->frobenius_norm();
  return "";
}

void LanczosOperator::use_double() { single_.reset(); }

}  // namespace jf::svd
