// The narrow-product kernels (narrow_gemm.hpp) against BLAS dgemm on one rank's arrays: every instruction set
// this CPU runs, ragged sizes around the register tiles (32 / 8 rows, 6 / 4 columns) and the blocking (128
// columns of A, row blocks of 32768 / l entries), leading dimensions above the row count, and empty operands;
// the float-operand kernels against the documented bound of their rounding.
#include <catch2/catch.hpp>

#include <random>
#include <vector>

#include "../test_support.hpp"
#include "distributed/narrow_gemm.hpp"
#include "distributed/scalapack_typed.hpp"

using namespace jf;

namespace {

std::vector<double> random_array(int64_t count, unsigned seed) {
  std::mt19937_64 engine(seed);
  std::normal_distribution<double> normal;
  std::vector<double> values(static_cast<size_t>(std::max<int64_t>(count, 1)));
  for (double& value : values) value = normal(engine);
  return values;
}

// max |got - want| over an rows x cols array (leading dimension ld), relative to the operands' scale.
double scaled_difference(const std::vector<double>& got, const std::vector<double>& want, int64_t rows, int64_t cols,
                         int64_t ld, int64_t inner) {
  double worst = 0;
  for (int64_t j = 0; j < cols; ++j) {
    for (int64_t i = 0; i < rows; ++i) worst = std::max(worst, std::abs(got[i + j * ld] - want[i + j * ld]));
  }
  // Entries are sums of `inner` products of unit normals: the rounding bound is ~inner eps sum |a_i b_i|.
  return worst / (static_cast<double>(std::max<int64_t>(inner, 1)) * test::kEps);
}

std::vector<detail::NarrowIsa> isas_here() {
  std::vector<detail::NarrowIsa> isas;
  if (detail::narrow_isa() == detail::NarrowIsa::avx512) isas = {detail::NarrowIsa::avx512, detail::NarrowIsa::avx2};
  if (detail::narrow_isa() == detail::NarrowIsa::avx2) isas = {detail::NarrowIsa::avx2};
  return isas;
}

struct Shape {
  int64_t m, n, l;
};

const std::vector<Shape> kShapes = {{0, 5, 3},    {5, 0, 3},     {1, 1, 1},     {7, 3, 5},     {31, 9, 6},
                                    {32, 129, 7}, {33, 128, 12}, {65, 257, 13}, {97, 130, 24}, {203, 300, 33},
                                    {64, 40, 64}, {1200, 7, 40}, {9, 1100, 17}, {2100, 20, 16}};

}  // namespace

TEST_CASE("narrow kernels equal dgemm on ragged shapes for every instruction set here", "[dist][narrow]") {
  const std::vector<detail::NarrowIsa> isas = isas_here();
  for (const Shape& shape : kShapes) {
    const int64_t m = shape.m, n = shape.n, l = shape.l;
    const int64_t lda = m + 3, ldx = l + 2, ldy = m + 1, ldq = m + 2, ldz = l + 1;
    const std::vector<double> a = random_array(lda * n, 1), x = random_array(ldx * n, 2), q = random_array(ldq * l, 3);
    // y = A x^T and z = q^T A by BLAS.
    std::vector<double> y_want(static_cast<size_t>(std::max<int64_t>(ldy * l, 1)), 0.0);
    std::vector<double> z_want(static_cast<size_t>(std::max<int64_t>(ldz * n, 1)), 0.0);
    if (m > 0 && l > 0) {
      scalapack::local_gemm('N', 'T', static_cast<int>(m), static_cast<int>(l), static_cast<int>(n), 1.0, a.data(),
                            static_cast<int>(lda), x.data(), static_cast<int>(ldx), 0.0, y_want.data(),
                            static_cast<int>(ldy));
    }
    if (n > 0 && l > 0) {
      scalapack::local_gemm('T', 'N', static_cast<int>(l), static_cast<int>(n), static_cast<int>(m), 1.0, q.data(),
                            static_cast<int>(std::max<int64_t>(ldq, 1)), a.data(), static_cast<int>(lda), 0.0,
                            z_want.data(), static_cast<int>(ldz));
    }
    for (const detail::NarrowIsa isa : isas) {
      INFO("m " << m << " n " << n << " l " << l << " isa " << static_cast<int>(isa));
      std::vector<double> y = random_array(ldy * l, 4), z = random_array(ldz * n, 5);  // overwritten
      detail::narrow_times_rows(isa, m, n, l, a.data(), lda, x.data(), ldx, y.data(), ldy);
      detail::narrow_transposed_times(isa, m, n, l, q.data(), ldq, a.data(), lda, z.data(), ldz);
      REQUIRE(scaled_difference(y, y_want, m, l, ldy, n) < 10.0);
      REQUIRE(scaled_difference(z, z_want, l, n, ldz, m) < 10.0);
    }
    // The dispatching entry points (kernel or dgemm by width) give the same.
    std::vector<double> y = random_array(ldy * l, 6), z = random_array(ldz * n, 7);
    narrow_gemm_nt(m, n, l, a.data(), lda, x.data(), ldx, y.data(), ldy);
    narrow_gemm_tn(m, n, l, q.data(), ldq, a.data(), lda, z.data(), ldz);
    REQUIRE(scaled_difference(y, y_want, m, l, ldy, n) < 10.0);
    REQUIRE(scaled_difference(z, z_want, l, n, ldz, m) < 10.0);
  }
}

TEST_CASE("the narrow kernels run on this CPU where it has AVX2 and FMA", "[dist][narrow]") {
  // Guards against a build that silently lost the kernels on the machines it is tuned for.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    REQUIRE(detail::narrow_isa() != detail::NarrowIsa::none);
  }
#endif
}

namespace {

// max over entries of |got - want| / (|A| |x|)_entry, the quantity narrow_gemm.hpp bounds by kSingleProductError.
double relative_to_absolute_product(const std::vector<double>& got, const std::vector<double>& want,
                                    const std::vector<double>& absolute, int64_t rows, int64_t cols, int64_t ld) {
  double worst = 0;
  for (int64_t j = 0; j < cols; ++j) {
    for (int64_t i = 0; i < rows; ++i) {
      const double scale = absolute[i + j * ld];
      if (scale > 0) worst = std::max(worst, std::abs(got[i + j * ld] - want[i + j * ld]) / scale);
    }
  }
  return worst;
}

std::vector<double> absolute(std::vector<double> values) {
  for (double& value : values) value = std::abs(value);
  return values;
}

}  // namespace

TEST_CASE("float narrow kernels stay within their documented bound of the double product", "[dist][narrow]") {
  std::vector<detail::NarrowIsa> isas = isas_here();
  bool float_rounding_seen = false;
  for (const Shape& shape : kShapes) {
    const int64_t m = shape.m, n = shape.n, l = shape.l;
    const int64_t lda = m + 3, ldx = l + 2, ldy = m + 1, ldq = m + 2, ldz = l + 1;
    const std::vector<double> a = random_array(lda * n, 11), x = random_array(ldx * n, 12), q = random_array(ldq * l, 13);
    const std::vector<float> a_f(a.begin(), a.end()), x_f(x.begin(), x.end()), q_f(q.begin(), q.end());
    // The double products and |A| |x|, |q|^T |A| by BLAS.
    std::vector<double> y_want(static_cast<size_t>(std::max<int64_t>(ldy * l, 1)), 0.0), y_abs = y_want;
    std::vector<double> z_want(static_cast<size_t>(std::max<int64_t>(ldz * n, 1)), 0.0), z_abs = z_want;
    const std::vector<double> a_abs = absolute(a), x_abs = absolute(x), q_abs = absolute(q);
    const int mi = static_cast<int>(m), ni = static_cast<int>(n), li = static_cast<int>(l);
    if (m > 0 && l > 0) {
      scalapack::local_gemm('N', 'T', mi, li, ni, 1.0, a.data(), static_cast<int>(lda), x.data(),
                            static_cast<int>(ldx), 0.0, y_want.data(), static_cast<int>(ldy));
      scalapack::local_gemm('N', 'T', mi, li, ni, 1.0, a_abs.data(), static_cast<int>(lda), x_abs.data(),
                            static_cast<int>(ldx), 0.0, y_abs.data(), static_cast<int>(ldy));
    }
    if (n > 0 && l > 0) {
      scalapack::local_gemm('T', 'N', li, ni, mi, 1.0, q.data(), static_cast<int>(std::max<int64_t>(ldq, 1)), a.data(),
                            static_cast<int>(lda), 0.0, z_want.data(), static_cast<int>(ldz));
      scalapack::local_gemm('T', 'N', li, ni, mi, 1.0, q_abs.data(), static_cast<int>(std::max<int64_t>(ldq, 1)),
                            a_abs.data(), static_cast<int>(lda), 0.0, z_abs.data(), static_cast<int>(ldz));
    }
    auto check = [&](const std::vector<double>& y, const std::vector<double>& z) {
      const double y_error = relative_to_absolute_product(y, y_want, y_abs, m, l, ldy);
      const double z_error = relative_to_absolute_product(z, z_want, z_abs, l, n, ldz);
      REQUIRE(y_error <= kSingleProductError);
      REQUIRE(z_error <= kSingleTransposedProductError);
      if (n >= 64 && m >= 64) float_rounding_seen |= y_error > 1e-10 && z_error > 1e-10;
    };
    for (const detail::NarrowIsa isa : isas) {
      INFO("m " << m << " n " << n << " l " << l << " isa " << static_cast<int>(isa));
      std::vector<double> y = random_array(ldy * l, 14), z = random_array(ldz * n, 15);  // overwritten
      detail::narrow_times_rows(isa, m, n, l, a_f.data(), lda, x_f.data(), ldx, y.data(), ldy);
      detail::narrow_transposed_times(isa, m, n, l, q_f.data(), ldq, a_f.data(), lda, z.data(), ldz);
      check(y, z);
    }
    INFO("m " << m << " n " << n << " l " << l << " dispatching entry points");
    std::vector<double> y = random_array(ldy * l, 16), z = random_array(ldz * n, 17);
    narrow_gemm_nt(m, n, l, a_f.data(), lda, x_f.data(), ldx, y.data(), ldy);
    narrow_gemm_tn(m, n, l, q_f.data(), ldq, a_f.data(), lda, z.data(), ldz);
    check(y, z);
  }
  REQUIRE(float_rounding_seen);  // the products really ran in float (the bound is not met by double arithmetic alone)
}
