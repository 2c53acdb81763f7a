// Microbenchmark of the narrow local products (src/distributed/narrow_gemm.hpp) against OpenBLAS dgemm on one
// core: y = A x^T ('N','T') and z = q^T A ('T','N') for a square local A and l columns, every instruction set
// this CPU runs, and the float-operand kernels of the best one (single_nt / single_tn, with their largest
// relative difference from dgemm). Thread CPU time, best of the repetitions; one JSON line per width with ratios.
//   bench_narrow_gemm SIZE REPETITIONS L...
#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "distributed/narrow_gemm.hpp"
#include "distributed/scalapack_typed.hpp"

namespace {

double cpu_seconds() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

template <typename Run>
double best_of(int repetitions, Run run) {
  double best = 1e300;
  for (int r = 0; r < repetitions; ++r) {
    const double start = cpu_seconds();
    run();
    best = std::min(best, cpu_seconds() - start);
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: bench_narrow_gemm SIZE REPETITIONS L...\n");
    return 2;
  }
  const int size = std::atoi(argv[1]), repetitions = std::atoi(argv[2]);
  std::vector<double> a(static_cast<size_t>(size) * size);
  std::mt19937_64 engine(1);
  std::normal_distribution<double> normal;
  for (double& value : a) value = normal(engine);
  const std::vector<float> a_single(a.begin(), a.end());
  using jf::detail::NarrowIsa;
  std::vector<NarrowIsa> isas;
  if (jf::detail::narrow_isa() == NarrowIsa::avx512) isas = {NarrowIsa::avx512, NarrowIsa::avx2};
  if (jf::detail::narrow_isa() == NarrowIsa::avx2) isas = {NarrowIsa::avx2};
  for (int arg = 3; arg < argc; ++arg) {
    const int l = std::atoi(argv[arg]);
    std::vector<double> x(static_cast<size_t>(l) * size), q(x.size()), y(x.size()), z(x.size());
    for (double& value : x) value = normal(engine);
    for (double& value : q) value = normal(engine);
    const double dgemm_nt = best_of(repetitions, [&] {
      jf::scalapack::local_gemm('N', 'T', size, l, size, 1.0, a.data(), size, x.data(), l, 0.0, y.data(), size);
    });
    const double dgemm_tn = best_of(repetitions, [&] {
      jf::scalapack::local_gemm('T', 'N', l, size, size, 1.0, q.data(), size, a.data(), size, 0.0, z.data(), l);
    });
    std::printf("{\"size\": %d, \"l\": %d, \"dgemm_nt_ms\": %.2f, \"dgemm_tn_ms\": %.2f", size, l, 1e3 * dgemm_nt,
                1e3 * dgemm_tn);
    for (const NarrowIsa isa : isas) {
      const char* name = isa == NarrowIsa::avx512 ? "avx512" : "avx2";
      const double nt = best_of(repetitions, [&] {
        jf::detail::narrow_times_rows(isa, size, size, l, a.data(), size, x.data(), l, y.data(), size);
      });
      const double tn = best_of(repetitions, [&] {
        jf::detail::narrow_transposed_times(isa, size, size, l, q.data(), size, a.data(), size, z.data(), l);
      });
      std::printf(", \"%s_nt_ms\": %.2f, \"%s_nt_vs_dgemm\": %.3f, \"%s_tn_ms\": %.2f, \"%s_tn_vs_dgemm\": %.3f", name,
                  1e3 * nt, name, nt / dgemm_nt, name, 1e3 * tn, name, tn / dgemm_tn);
    }
    const std::vector<float> x_single(x.begin(), x.end()), q_single(q.begin(), q.end());
    std::vector<double> y_single(y.size()), z_single(z.size());
    const double single_nt = best_of(repetitions, [&] {
      jf::narrow_gemm_nt(size, size, l, a_single.data(), size, x_single.data(), l, y_single.data(), size);
    });
    const double single_tn = best_of(repetitions, [&] {
      jf::narrow_gemm_tn(size, size, l, q_single.data(), size, a_single.data(), size, z_single.data(), l);
    });
    auto largest_difference = [](const std::vector<double>& got, const std::vector<double>& want) {
      double difference = 0, largest = 0;
      for (size_t i = 0; i < got.size(); ++i) {
        difference = std::max(difference, std::abs(got[i] - want[i]));
        largest = std::max(largest, std::abs(want[i]));
      }
      return difference / largest;
    };
    std::printf(", \"single_nt_ms\": %.2f, \"single_nt_vs_dgemm\": %.3f, \"single_nt_error\": %.1e"
                ", \"single_tn_ms\": %.2f, \"single_tn_vs_dgemm\": %.3f, \"single_tn_error\": %.1e",
                1e3 * single_nt, single_nt / dgemm_nt, largest_difference(y_single, y), 1e3 * single_tn,
                single_tn / dgemm_tn, largest_difference(z_single, z));
    std::printf("}\n");
  }
  return 0;
}
