// The C API (include/jointfact/jointfact.h): wraps the caller's arrays as DistMatrix views on a grid built
// from the caller's BLACS context, runs the C++ truncated SVD, and moves U and V^T into the caller's arrays.
#include "jointfact/jointfact.h"

#include <algorithm>
#include <array>
#include <exception>
#include <string>

#include "distributed/scalapack_typed.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/distributed/dist_matrix.hpp"
#include "jointfact/distributed/grid.hpp"
#include "jointfact/svd/truncated_svd.hpp"

namespace {

thread_local std::string g_last_error;

// An argument found invalid before any collective: info = -position, the same on every rank.
struct ArgumentError {
  int position;
  std::string message;
};

void check_descriptor(const int* desc, int position, const char* name) {
  if (desc == nullptr) throw ArgumentError{position, std::string(name) + " must not be null"};
  if (desc[0] != 1) throw ArgumentError{position, std::string(name) + " must describe a dense matrix (dtype 1)"};
}

void check_sizes(int m, int n, int k) {
  if (m < 1) throw ArgumentError{1, "m must be at least 1, got " + std::to_string(m)};
  if (n < 1) throw ArgumentError{2, "n must be at least 1, got " + std::to_string(n)};
  if (k < 1 || k > std::min(m, n)) {
    throw ArgumentError{
        3, "k must be in [1, min(m, n)] = [1, " + std::to_string(std::min(m, n)) + "], got " + std::to_string(k)};
  }
}

// Where the results go: sub(U) is m x k at (iu, ju), sub(VT) is k x n at (ivt, jvt).
struct Outputs {
  double* s;
  double* u;
  int iu, ju;
  const int* desc_u;
  double* vt;
  int ivt, jvt;
  const int* desc_vt;
};

// The caller's descriptor with this library's context (same ranks and positions), for ScaLAPACK calls.
std::array<int, 9> on_grid(const int* desc, const jf::Grid& grid) {
  std::array<int, 9> copy;
  std::copy(desc, desc + 9, copy.begin());
  copy[1] = grid.context();
  return copy;
}

void write_outputs(const jf::svd::TruncatedSvd& result, int m, int n, int k, const Outputs& out, const jf::Grid& grid) {
  for (int j = 0; j < k; ++j) out.s[j] = result.s[static_cast<size_t>(j)];
  const std::array<int, 9> desc_u = on_grid(out.desc_u, grid);
  const std::array<int, 9> desc_vt = on_grid(out.desc_vt, grid);
  jf::scalapack::gemr2d(m, k, result.u.data(), 1, 1, result.u.desc(), out.u, out.iu, out.ju, desc_u.data(),
                        grid.context());
  // V is n x k; VT = V^T is k x n.
  jf::scalapack::tran(k, n, 1.0, result.v.data(), 1, 1, result.v.desc(), 0.0, out.vt, out.ivt, out.jvt, desc_vt.data());
}

template <class Compute>
void run_svd(int m, int n, int k, const double* a, int ia, int ja, const int* desc_a, const Outputs& out, int* info,
             Compute&& compute) {
  g_last_error.clear();
  int status = 0;
  try {
    check_sizes(m, n, k);
    check_descriptor(desc_a, 7, "descA");
    check_descriptor(out.desc_u, 12, "descU");
    check_descriptor(out.desc_vt, 16, "descVT");
    if (a == nullptr) throw ArgumentError{4, "A must not be null"};
    if (out.s == nullptr) throw ArgumentError{8, "S must not be null"};
    if (out.desc_u[1] != desc_a[1]) throw ArgumentError{12, "descU must use descA's BLACS context"};
    if (out.desc_vt[1] != desc_a[1]) throw ArgumentError{16, "descVT must use descA's BLACS context"};
    const jf::GridPtr grid = jf::Grid::from_blacs_context(desc_a[1]);
    // The library reads A through a view and never writes it.
    const jf::DistMatrix a_view = jf::DistMatrix::view(grid, m, n, const_cast<double*>(a), ia, ja, desc_a);
    const jf::svd::TruncatedSvd result = compute(a_view);
    write_outputs(result, m, n, k, out, *grid);
  } catch (const ArgumentError& error) {
    status = -error.position;
    g_last_error = error.message;
  } catch (const std::exception& error) {
    status = 1;
    g_last_error = error.what();
  }
  *info = status;
}

}  // namespace

extern "C" {

void jointfact_svd_options_init(jointfact_svd_options* options) {
  const jf::svd::SvdOptions defaults;
  options->oversample = defaults.oversample;
  options->power_iters = defaults.power_iters;
  options->seed = defaults.seed;
}

void jointfact_pdgesvd_randomized(int m, int n, int k, const double* A, int ia, int ja, const int* descA, double* S,
                                  double* U, int iu, int ju, const int* descU, double* VT, int ivt, int jvt,
                                  const int* descVT, const jointfact_svd_options* options, int* info) {
  jointfact_svd_options chosen;
  jointfact_svd_options_init(&chosen);
  if (options != nullptr) chosen = *options;
  const Outputs out{S, U, iu, ju, descU, VT, ivt, jvt, descVT};
  run_svd(m, n, k, A, ia, ja, descA, out, info, [&](const jf::DistMatrix& a) {
    jf::svd::SvdOptions svd_options;
    svd_options.method = jf::svd::Method::Randomized;
    svd_options.rank = k;
    svd_options.oversample = chosen.oversample;
    svd_options.power_iters = chosen.power_iters;
    svd_options.seed = chosen.seed;
    return jf::svd::truncated_svd(a, svd_options);
  });
}

void jointfact_pdgesvd_exact(int m, int n, int k, const double* A, int ia, int ja, const int* descA, double* S,
                             double* U, int iu, int ju, const int* descU, double* VT, int ivt, int jvt,
                             const int* descVT, int* info) {
  const Outputs out{S, U, iu, ju, descU, VT, ivt, jvt, descVT};
  run_svd(m, n, k, A, ia, ja, descA, out, info, [&](const jf::DistMatrix& a) {
    jf::svd::SvdOptions svd_options;
    svd_options.method = jf::svd::Method::Exact;
    svd_options.rank = k;
    return jf::svd::truncated_svd(a, svd_options);
  });
}

const char* jointfact_last_error(void) { return g_last_error.c_str(); }

}  // extern "C"
