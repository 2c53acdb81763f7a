// The fast exact SVD (see bidiagonal_svd.hpp): pdgeqrf (tall case) + pdgebrd, the bidiagonal on every
// rank, its singular values by LAPACK dbdsdc, its k leading vectors by the route with the least memory per
// rank (golub_kahan.hpp or dbdsdc), then the Householder transforms applied by pdormqr / pdormlq (what
// pdormbr would call) to those k vectors only.
#include "svd/bidiagonal_svd.hpp"

#include <mpi.h>

#include <algorithm>
#include <string>
#include <utility>

#include "distributed/fortran_int.hpp"
#include "distributed/scalapack_prototypes.hpp"
#include "jointfact/core/collective.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/core/memory_estimate.hpp"
#include "jointfact/distributed/pblas.hpp"
#include "svd/golub_kahan.hpp"

namespace jf::svd {
namespace {

// QR first when the (tall) working matrix has at least this many rows per column. The QR costs
// 2 r^2 (rows - r/3) flops at BLAS-3 speed, the reduction of R 8/3 r^3 and applying R's reflectors to the
// k vectors up to 2 r^2 k more; reducing W directly costs 4 r^2 (rows - r/3), half of it matrix-vector
// products at memory speed (r = cols). Measured on 4000 x 3000, 2 ranks: pdgebrd 9.3 s direct against
// pdgeqrf 1.3 s + pdgebrd(R) 6.0 s, i.e. the BLAS-2-bound reduction runs ~4x slower per flop than the QR,
// which puts the break-even near rows = 1.1 r (k small) to 1.2 r (k = r). LAPACK's dgesdd uses 11/6, a
// ratio tuned for a smaller BLAS-2/BLAS-3 gap; more ranks widen the gap further (pdgebrd synchronises
// every column).
constexpr double kQrFirstRatio = 1.2;

int f(int64_t value, const char* what) { return to_fortran_int(value, what); }

// Every rank of the grid's communicator learns whether a ScaLAPACK call failed anywhere.
void agree_on_info(const DistMatrix& a, int info, const char* routine) {
  agree_or_throw(a.grid().comm(), info == 0, std::string(routine) + " failed with info = " + std::to_string(info),
                 kExitFailure);
}

// The workspace a query asked for, checked on every rank of the communicator before any rank allocates
// (ranks outside the grid pass 0): a query beyond ScaLAPACK's 32-bit range is exit 2 everywhere.
std::vector<double> agreed_workspace(const Grid& g, double queried, const char* routine) {
  int64_t size = 1;
  std::string message;
  try {
    size = checked_workspace(queried, routine);
  } catch (const InputError& error) {
    message = error.what();
  }
  agree_or_throw(g.comm(), message.empty(), message, kExitBadInput);
  return std::vector<double>(static_cast<size_t>(size));
}

// Local storage for an array ScaLAPACK ties to A's local rows or columns (tau, d, e).
std::vector<double> tied_array(const DistMatrix& a) {
  return std::vector<double>(static_cast<size_t>(std::max(a.local_rows(), a.local_cols()) + a.row_block() + 1), 0.0);
}

struct Bidiagonalization {
  std::vector<double> tauq, taup;  // tied to the reduced matrix's local columns / rows
};

// pdgebrd of the whole (rows >= cols) matrix w in place: w = Q B P^T, B upper bidiagonal.
Bidiagonalization bidiagonalize(DistMatrix& w) {
  Bidiagonalization result{tied_array(w), tied_array(w)};
  int info = 0;
  std::vector<double> d = tied_array(w), e = tied_array(w);
  const int m = f(w.rows(), "gebrd m"), n = f(w.cols(), "gebrd n"), one = 1;
  double query = 0;
  int lwork = -1;
  if (w.grid().in_grid()) {
    pdgebrd_(&m, &n, w.data(), &one, &one, w.desc(), d.data(), e.data(), result.tauq.data(), result.taup.data(), &query,
             &lwork, &info);
  }
  agree_on_info(w, info, "pdgebrd (query)");
  std::vector<double> work = agreed_workspace(w.grid(), query, "pdgebrd");
  if (w.grid().in_grid()) {
    lwork = f(static_cast<int64_t>(work.size()), "gebrd lwork");
    pdgebrd_(&m, &n, w.data(), &one, &one, w.desc(), d.data(), e.data(), result.tauq.data(), result.taup.data(),
             work.data(), &lwork, &info);
  }
  agree_on_info(w, info, "pdgebrd");
  return result;
}

// The diagonal d (r) and superdiagonal e (r - 1) pdgebrd left in w, on every rank of the communicator:
// each entry has one owner, the others add exact zeros.
void replicate_bidiagonal(const DistMatrix& w, std::vector<double>& d, std::vector<double>& e) {
  const int64_t r = w.cols();
  std::vector<double> both(static_cast<size_t>(2 * r), 0.0);
  if (w.grid().in_grid()) {
    const int myrow = w.grid().myrow(), mycol = w.grid().mycol();
    const BlockCyclicMap& rows = w.row_map();
    const BlockCyclicMap& cols = w.col_map();
    const ConstLocalMatrixMap local = w.local();
    for (int64_t i_gl = 0; i_gl < r; ++i_gl) {
      if (rows.owner(i_gl) != myrow) continue;
      const int64_t i_lc = rows.global_to_local(i_gl);
      if (cols.owner(i_gl) == mycol) both[i_gl] = local(i_lc, cols.global_to_local(i_gl));
      if (i_gl + 1 < r && cols.owner(i_gl + 1) == mycol) both[r + i_gl] = local(i_lc, cols.global_to_local(i_gl + 1));
    }
  }
  MPI_Allreduce(MPI_IN_PLACE, both.data(), f(2 * r, "bidiagonal length"), MPI_DOUBLE, MPI_SUM, w.grid().comm());
  d.assign(both.begin(), both.begin() + r);
  e.assign(both.begin() + r, both.begin() + std::max<int64_t>(r, 2 * r - 1));
  e.resize(static_cast<size_t>(r), 0.0);  // dbdsdc reads n - 1 entries; keep one spare
}

// The Householder products are applied with pdormqr / pdormlq directly rather than through pdormbr: for
// VECT = 'P', SIDE = 'L' and a matrix reduced with rows >= cols (always the case here), ScaLAPACK 2.2's
// pdormbr checks the alignment of A(IA+1, JA) against C(IC+1, JC) while it applies A(IA, JA+1), and
// refuses (info = -13) every block size but 1.
using HouseholderRoutine = void (*)(const char*, const char*, const int*, const int*, const int*, const double*,
                                    const int*, const int*, const int*, const double*, double*, const int*, const int*,
                                    const int*, double*, const int*, int*);

// c(ic.., 0:n) := op(H) c(ic.., 0:n), the c_rows x n block, with the `reflectors` Householder vectors of
// `a` starting at (ia, ja) (0-based): pdormqr (column reflectors) or pdormlq (row reflectors), SIDE = 'L'.
void apply_householder(HouseholderRoutine routine, const char* name, char trans, const DistMatrix& a, int64_t ia,
                       int64_t ja, int64_t reflectors, const std::vector<double>& tau, DistMatrix& c, int64_t ic,
                       int64_t c_rows) {
  if (c.cols() == 0 || c_rows == 0 || reflectors == 0) return;
  int info = 0;
  const char side = 'L';
  const int m = f(c_rows, "orm m"), n = f(c.cols(), "orm n"), k = f(reflectors, "orm k");
  const int ia_f = f(ia + 1, "orm ia"), ja_f = f(ja + 1, "orm ja"), ic_f = f(ic + 1, "orm ic"), jc_f = 1;
  double query = 0;
  int lwork = -1;
  if (c.grid().in_grid()) {
    routine(&side, &trans, &m, &n, &k, a.data(), &ia_f, &ja_f, a.desc(), tau.data(), c.data(), &ic_f, &jc_f, c.desc(),
            &query, &lwork, &info);
  }
  agree_on_info(c, info, name);
  std::vector<double> work = agreed_workspace(c.grid(), query, name);
  if (c.grid().in_grid()) {
    lwork = f(static_cast<int64_t>(work.size()), "orm lwork");
    routine(&side, &trans, &m, &n, &k, a.data(), &ia_f, &ja_f, a.desc(), tau.data(), c.data(), &ic_f, &jc_f, c.desc(),
            work.data(), &lwork, &info);
  }
  agree_on_info(c, info, name);
}

std::string megabytes(double doubles) { return std::to_string(static_cast<int64_t>(doubles * 8.0 / 1e6)) + " MB"; }

}  // namespace

// The routes for B's vectors and their memory per rank (golub_kahan.hpp, P grid ranks): inverse iteration
// 2r (k / P + c), c the largest cluster; divide and conquer ~12 r^2 / P; dbdsdc replicated ~5 r^2.
//  - A wanted singular value tiny against the largest: its +-s eigenvectors of the Golub-Kahan form are
//    nearly mixed and the halves lose orthogonality (the mixing ~ eps / (2 s / s_max) must stay within
//    r eps, LAPACK's level), so only dbdsdc is accurate.
//  - Otherwise the least memory per rank; ties go to the distributed routes, inverse iteration first.
BidiagonalRoute choose_vector_route(const std::vector<double>& d, const std::vector<double>& e,
                                    const std::vector<double>& s, int64_t k, int ranks) {
  const int64_t r = static_cast<int64_t>(s.size());
  const double replicated = 5.0 * static_cast<double>(r) * static_cast<double>(r);
  const std::string replicated_cost = " (dbdsdc on every rank, ~" + megabytes(replicated) + " per rank)";
  if (!(s.front() > 0)) return {false, VectorRoute::Replicated, "replicated: the matrix is zero" + replicated_cost};
  if (s[static_cast<size_t>(k - 1)] < s.front() / (2.0 * static_cast<double>(r))) {
    return {false, VectorRoute::Replicated,
            "replicated: s_k / s_1 below 1 / (2 min(m, n)), tiny singular values wanted" + replicated_cost};
  }
  const int64_t cluster = golub_kahan_largest_cluster(d, e, s, k);
  const double inverse = golub_kahan_inverse_iteration_doubles(r, k, cluster, ranks);
  const double divide = golub_kahan_divide_and_conquer_doubles(r, k, ranks);
  const std::string estimates = " (per rank: inverse iteration ~" + megabytes(inverse) +
                                " with its largest cluster of " + std::to_string(cluster) + ", divide and conquer ~" +
                                megabytes(divide) + ", replicated dbdsdc ~" + megabytes(replicated) + ")";
  if (inverse <= divide && inverse <= replicated) {
    return {true, VectorRoute::InverseIteration,
            "distributed: Golub-Kahan bisection + inverse iteration (pdstebz + pdstein)" + estimates};
  }
  if (divide <= replicated) {
    return {true, VectorRoute::DivideAndConquer, "distributed: Golub-Kahan divide and conquer (pdstedc)" + estimates};
  }
  return {false, VectorRoute::Replicated, "replicated: dbdsdc on every rank needs the least memory" + estimates};
}

namespace {

// B's singular values on every rank, descending, to LAPACK's relative accuracy: dbdsdc without vectors
// (dlasdq / dqds), O(r) memory and O(r^2) time. Ranks outside the grid take rank 0's, with the verdict.
std::vector<double> bidiagonal_singular_values(const Grid& g, const std::vector<double>& d_in,
                                               const std::vector<double>& e_in) {
  const int64_t r = static_cast<int64_t>(d_in.size());
  const int ri = f(r, "dbdsdc n");
  std::vector<double> s(static_cast<size_t>(r) + 1, 0.0);  // s[r] carries rank 0's info
  if (g.in_grid()) {
    std::vector<double> d = d_in, e = e_in;
    std::vector<double> work(4 * static_cast<size_t>(r) + 1);
    std::vector<int> iwork(8 * static_cast<size_t>(r));
    const char uplo = 'U', compq = 'N';
    const int one = 1;
    double unused = 0;
    int info = 0;
    dbdsdc_(&uplo, &compq, &ri, d.data(), e.data(), &unused, &one, &unused, &one, nullptr, nullptr, work.data(),
            iwork.data(), &info);
    std::copy(d.begin(), d.end(), s.begin());
    s[r] = static_cast<double>(info);
  }
  MPI_Bcast(s.data(), f(r + 1, "dbdsdc n"), MPI_DOUBLE, 0, g.comm());
  const int info = static_cast<int>(s[r]);
  agree_or_throw(g.comm(), info == 0, "dbdsdc failed with info = " + std::to_string(info), kExitFailure);
  s.resize(static_cast<size_t>(r));
  return s;
}

// The r x r route: dbdsdc with vectors on every grid rank (identical input and library, so identical
// results), each rank keeping only its own block-cyclic entries of the k leading columns. Transient per
// rank: U_b and V_b^T (r x r each) and dbdsdc's 3 r^2 workspace.
BidiagonalVectors replicated_leading_vectors(const GridPtr& grid, std::vector<double> d, std::vector<double> e,
                                             int64_t k, int64_t rows, int64_t nb) {
  const Grid& g = *grid;
  const int64_t r = static_cast<int64_t>(d.size());
  const int ri = f(r, "dbdsdc n");
  std::vector<double> u_b, vt_b;  // column-major, leading dimension r
  int info = 0;
  if (g.in_grid()) {
    u_b.assign(static_cast<size_t>(r) * static_cast<size_t>(r), 0.0);
    vt_b.assign(static_cast<size_t>(r) * static_cast<size_t>(r), 0.0);
    std::vector<double> work(3 * static_cast<size_t>(r) * static_cast<size_t>(r) + 4 * static_cast<size_t>(r));
    std::vector<int> iwork(8 * static_cast<size_t>(r));
    const char uplo = 'U', compq = 'I';
    dbdsdc_(&uplo, &compq, &ri, d.data(), e.data(), u_b.data(), &ri, vt_b.data(), &ri, nullptr, nullptr, work.data(),
            iwork.data(), &info);
  }
  agree_or_throw(g.comm(), info == 0, "dbdsdc failed with info = " + std::to_string(info), kExitFailure);
  BidiagonalVectors result{DistMatrix(grid, rows, k, nb, nb), DistMatrix(grid, r, k, nb, nb)};
  result.u.for_each_local([&](int64_t i_gl, int64_t j_gl, double& value) {
    if (i_gl < r) value = u_b[static_cast<size_t>(i_gl + j_gl * r)];
  });
  std::vector<double>().swap(u_b);
  result.v.for_each_local([&](int64_t i_gl, int64_t j_gl, double& value) {
    value = vt_b[static_cast<size_t>(j_gl + i_gl * r)];  // V_b(i, j) = V_b^T(j, i)
  });
  return result;
}

// The memory check made before the run could not know the spectrum: where accuracy forces dbdsdc on every
// rank (5 r^2 doubles), refuse (every rank, exit 2) when that does not fit beside what the rank holds now.
void require_replicated_route_fits(MPI_Comm comm, int64_t r, const std::string& reason) {
  const double need = 8.0 * 5.0 * static_cast<double>(r) * static_cast<double>(r);
  const RoomBesideResident room = room_beside_resident(comm, need);
  agree_or_throw(comm, room.fits,
                 "the exact svd's singular vectors need dbdsdc on every rank here (" + reason + "): about " +
                     format_bytes(need) + " more per rank, beside " + format_bytes(room.in_use) +
                     " in use, but a rank may use " + format_bytes(room.node.per_rank_bytes()) + " (" +
                     room.node.source +
                     "); ask for fewer singular vectors (the rank), or use the randomized or converged method");
}

}  // namespace

TruncatedSvd bidiagonal_dc_svd(const DistMatrix& a, const RankChooser& choose_rank, BidiagonalRoute* route,
                               VectorRoute forced) {
  const int64_t m = a.rows(), n = a.cols();
  const bool transposed = m < n;  // work on A^T, so the working matrix is tall
  const int64_t rows = std::max(m, n), r = std::min(m, n);
  if (r < 1) throw InputError("cannot factor an empty matrix (" + std::to_string(m) + " x " + std::to_string(n) + ")");
  const GridPtr& grid = a.grid_ptr();
  const Grid& g = a.grid();
  // pdgebrd wants square blocks: A's larger block. (Blocks of 32 instead of 64 for the reduction measured
  // the same on 4000 x 3000 within the noise.)
  const int64_t nb = std::max(a.row_block(), a.col_block());
  const bool qr_first = static_cast<double>(rows) >= kQrFirstRatio * static_cast<double>(r) && rows > r;

  DistMatrix w(grid, rows, r, nb, nb);
  if (transposed) {
    transpose(a, w);
  } else {
    redistribute(a, w);
  }

  // Tall case: W = Q_r R, and R (r x r, upper triangular) is what gets bidiagonalized.
  std::vector<double> tau_qr;
  DistMatrix r_factor;
  if (qr_first) {
    geqrf(w, tau_qr);
    r_factor = DistMatrix(grid, r, r, nb, nb);
    copy_block(w, 0, 0, r, r, r_factor, 0, 0);
    r_factor.for_each_local([](int64_t i_gl, int64_t j_gl, double& value) {
      if (i_gl > j_gl) value = 0.0;
    });
  }
  DistMatrix& reduced = qr_first ? r_factor : w;
  const Bidiagonalization brd = bidiagonalize(reduced);

  std::vector<double> d, e;
  replicate_bidiagonal(reduced, d, e);
  const std::vector<double> s = bidiagonal_singular_values(g, d, e);
  const int64_t k = choose_rank(s);
  if (k < 1 || k > r) {
    throw InputError("rank " + std::to_string(k) + " must be between 1 and min(m, n) = " + std::to_string(r));
  }

  // The k leading singular vectors of B: distributed by a Golub-Kahan route where it is accurate and needs
  // less memory, else by dbdsdc on every rank (the r x r route, see choose_vector_route).
  BidiagonalVectors vectors;
  BidiagonalRoute taken = choose_vector_route(d, e, s, k, g.prows() * g.pcols());
  if (forced != VectorRoute::Automatic) {
    taken = {forced != VectorRoute::Replicated, forced, "forced by the caller: " + taken.reason};
  }
  if (taken.taken == VectorRoute::InverseIteration) {
    taken.distributed =
        golub_kahan_leading_vectors(grid, d, e, k, rows, nb, golub_kahan_largest_cluster(d, e, s, k), vectors);
  } else if (taken.taken == VectorRoute::DivideAndConquer) {
    taken.distributed = golub_kahan_vectors_by_divide_and_conquer(grid, d, e, k, rows, nb, vectors);
  }
  if (!taken.distributed && taken.taken != VectorRoute::Replicated) {
    taken = {false, VectorRoute::Replicated,
             "replicated: ScaLAPACK could not deliver orthogonal vectors on the route: " + taken.reason};
  }
  if (!taken.distributed) {
    require_replicated_route_fits(g.comm(), r, taken.reason);
    vectors = replicated_leading_vectors(grid, d, e, k, rows, nb);
  }
  if (route != nullptr) *route = taken;
  DistMatrix& u_w = vectors.u;
  DistMatrix& v_w = vectors.v;

  // U_w = Q_r Q_b [U_b; 0]. Q_b = H(0)..H(r-1), the column reflectors below the diagonal of `reduced`
  // (pdormbr's VECT = 'Q', nq >= k case); Q_r the QR's reflectors in w, applied to [Q_b U_b; 0].
  apply_householder(pdormqr_, "pdormqr", 'N', reduced, 0, 0, r, brd.tauq, u_w, 0, reduced.rows());
  if (qr_first) apply_householder(pdormqr_, "pdormqr", 'N', w, 0, 0, r, tau_qr, u_w, 0, rows);
  // V_w = P V_b. P = G(0)..G(r-2), the row reflectors right of the superdiagonal, i.e. the LQ reflectors
  // of reduced(0:r-1, 1:r), acting on rows 1..r-1 (pdormbr's VECT = 'P', nq <= k case; P = Q_lq^T).
  apply_householder(pdormlq_, "pdormlq", 'T', reduced, 0, 1, r - 1, brd.taup, v_w, 1, r - 1);

  // A = U_w S V_w^T, or for A^T: A = V_w S U_w^T. Factors go out in A's row block, as every method's do.
  DistMatrix& u_a = transposed ? v_w : u_w;
  DistMatrix& v_a = transposed ? u_w : v_w;
  const int64_t out_nb = a.row_block();
  TruncatedSvd result{DistMatrix(), std::vector<double>(s.begin(), s.begin() + k), DistMatrix(), {}, r};
  auto deliver = [&](DistMatrix& from, DistMatrix& to, int64_t global_rows) {
    if (from.row_block() == out_nb && from.col_block() == out_nb) {
      to = std::move(from);
    } else {
      to = DistMatrix(grid, global_rows, k, out_nb, out_nb);
      redistribute(from, to);
    }
  };
  deliver(u_a, result.u, m);
  deliver(v_a, result.v, n);
  return result;
}

}  // namespace jf::svd
