#include "jointfact/sparse/butterfly_support.hpp"

#include <stdexcept>
#include <string>

namespace jf::sparse {

int butterfly_log2(std::int64_t n) {
  if (n < 2 || (n & (n - 1)) != 0)
    throw std::invalid_argument("butterfly: size " + std::to_string(n) + " is not a power of two >= 2");
  int log2n = 0;
  while ((std::int64_t{1} << log2n) < n) ++log2n;
  return log2n;
}

CsrMatrix butterfly_factor_pattern(int log2n, int factor_index) {
  if (factor_index < 1 || factor_index > log2n)
    throw std::invalid_argument("butterfly: factor index " + std::to_string(factor_index) + " outside 1.." +
                                std::to_string(log2n));
  const std::int64_t n = std::int64_t{1} << log2n;
  const std::int64_t bit = std::int64_t{1} << (log2n - factor_index);
  CsrMatrix f;
  f.rows = n;
  f.cols = n;
  f.data.assign(2 * n, 0.0);
  f.indices.resize(2 * n);
  f.indptr.resize(n + 1);
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t low = i & ~bit;  // the pair {low, low | bit}, in increasing order
    f.indices[2 * i] = low;
    f.indices[2 * i + 1] = low | bit;
    f.indptr[i] = 2 * i;
  }
  f.indptr[n] = 2 * n;
  return f;
}

}  // namespace jf::sparse
