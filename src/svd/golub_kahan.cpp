// Leading singular vectors of a bidiagonal by bisection and inverse iteration on its Golub-Kahan form
// (see golub_kahan.hpp).
#include "svd/golub_kahan.hpp"

#include <mpi.h>

#include <algorithm>
#include <array>
#include <cfloat>
#include <cmath>

#include "distributed/fortran_int.hpp"
#include "distributed/scalapack_prototypes.hpp"
#include "jointfact/distributed/pblas.hpp"

namespace jf::svd {
namespace {

// Vectors beyond its share that each process has room for at least, so that clusters are reorthogonalized.
constexpr int64_t kExtraClusterVectors = 64;

// ScaLAPACK's default ORFAC: eigenvalues closer than this times ||T||_1 form a cluster.
constexpr double kClusterFraction = 1e-3;

int f(int64_t value, const char* what) { return to_fortran_int(value, what); }

// The off-diagonal of -T (order 2r): -T's ascending eigenvalues are T's descending ones, so pdstein's
// output columns come out in the order of the singular values (largest first).
std::vector<double> negated_golub_kahan(const std::vector<double>& d, const std::vector<double>& e, int64_t r) {
  std::vector<double> off(static_cast<size_t>(std::max<int64_t>(1, 2 * r - 1)), 0.0);
  for (int64_t i = 0; i < r; ++i) {
    off[static_cast<size_t>(2 * i)] = -d[static_cast<size_t>(i)];
    if (i + 1 < r) off[static_cast<size_t>(2 * i + 1)] = -e[static_cast<size_t>(i)];
  }
  return off;
}

struct Eigenvalues {
  int found = 0;
  std::vector<double> w;
  std::vector<int> iblock, isplit;
};

// pdstebz: the k smallest eigenvalues of the tridiagonal (diag, off), grouped by split-off block as pdstein
// wants them. Computed to the underflow threshold, as pdstein asks for orthogonal vectors.
Eigenvalues smallest_eigenvalues(const Grid& g, const std::vector<double>& diag, const std::vector<double>& off,
                                 int64_t k, int& info) {
  const int64_t n = static_cast<int64_t>(diag.size());
  Eigenvalues result;
  result.w.assign(static_cast<size_t>(n), 0.0);
  result.iblock.assign(static_cast<size_t>(n), 0);
  result.isplit.assign(static_cast<size_t>(n), 0);
  const int n_f = f(n, "Golub-Kahan order"), il = 1, iu = f(k, "rank");
  const double vl = 0, vu = 0, abstol = 2 * DBL_MIN;
  int nsplit = 0;
  std::vector<double> work(static_cast<size_t>(std::max<int64_t>(5 * n, 7)));
  std::vector<int> iwork(static_cast<size_t>(std::max<int64_t>({4 * n, 14, int64_t{g.size()}})));
  const int lwork = f(static_cast<int64_t>(work.size()), "pdstebz lwork");
  const int liwork = f(static_cast<int64_t>(iwork.size()), "pdstebz liwork");
  const int context = g.context();
  pdstebz_(&context, "I", "B", &n_f, &vl, &vu, &il, &iu, &abstol, diag.data(), off.data(), &result.found, &nsplit,
           result.w.data(), result.iblock.data(), result.isplit.data(), work.data(), &lwork, iwork.data(), &liwork,
           &info);
  return result;
}

// pdstein: the eigenvectors of the given eigenvalues into z (n x found). info > 0 also when a cluster was
// left unorthogonalized.
void inverse_iteration(const std::vector<double>& diag, const std::vector<double>& off, int64_t largest_cluster,
                       Eigenvalues& values, DistMatrix& z, int& info) {
  const int n_f = f(static_cast<int64_t>(diag.size()), "Golub-Kahan order"), m = values.found, one = 1;
  const double orfac = -1;  // ScaLAPACK's default: clusters are eigenvalues within 1e-3 ||T||
  const int nprocs = z.grid().size();
  // pdstein checks Z against an n x n descriptor but writes only its first m columns: z holds those, and
  // the descriptor it is handed says n columns (same blocks, same leading dimension).
  std::array<int, 9> desc{};
  std::copy(z.desc(), z.desc() + 9, desc.begin());
  desc[3] = n_f;
  std::vector<int> ifail(static_cast<size_t>(std::max(1, m))), iclustr(static_cast<size_t>(2 * nprocs + 2));
  std::vector<double> gap(static_cast<size_t>(nprocs + 1));
  double work_query = 0;
  int iwork_query = 0, lwork = -1, liwork = -1;
  pdstein_(&n_f, diag.data(), off.data(), &m, values.w.data(), values.iblock.data(), values.isplit.data(), &orfac,
           z.data(), &one, &one, desc.data(), &work_query, &lwork, &iwork_query, &liwork, ifail.data(), iclustr.data(),
           gap.data(), &info);
  if (info != 0) return;
  // The query covers each process's share of the vectors; room for the largest cluster (as estimated, at
  // least kExtraClusterVectors) lets a cluster of close eigenvalues be iterated (and reorthogonalized) on one
  // process. A larger cluster makes pdstein report it (info / (m + 1) > 0) with the room it needs in work[0]:
  // one retry with that room, at most 2r (k + k / P) doubles on the process that owns the cluster.
  const int64_t n = static_cast<int64_t>(diag.size());
  const int64_t extra = std::min<int64_t>(m, std::max(kExtraClusterVectors, largest_cluster));
  double wanted = work_query + static_cast<double>(extra * n);
  std::vector<int> iwork(static_cast<size_t>(checked_workspace(iwork_query, "pdstein integer")));
  liwork = f(static_cast<int64_t>(iwork.size()), "pdstein liwork");
  const std::vector<double> w_in = values.w;
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::vector<double> work(static_cast<size_t>(checked_workspace(wanted, "pdstein")));
    lwork = f(static_cast<int64_t>(work.size()), "pdstein lwork");
    pdstein_(&n_f, diag.data(), off.data(), &m, values.w.data(), values.iblock.data(), values.isplit.data(), &orfac,
             z.data(), &one, &one, desc.data(), work.data(), &lwork, iwork.data(), &liwork, ifail.data(),
             iclustr.data(), gap.data(), &info);
    const bool cluster_left = info > 0 && info / (m + 1) > 0;
    if (!cluster_left || work[0] <= wanted) return;
    wanted = work[0];
    values.w = w_in;  // pdstein sorted them; the retry wants them grouped by block again
  }
}

// Rows 2i (v) and 2i + 1 (u) of z's local part go to row i of out.v / out.u: with z's row block 2 nb and
// theirs nb (the same column blocks), both rows have the owner of row i, at local rows 2 i_lc and 2 i_lc + 1.
// Each column is then scaled to unit norm (sqrt(2) up to rounding), the norms summed over the grid.
void split_pairs(const DistMatrix& z, int64_t r, BidiagonalVectors& out) {
  const int64_t k = z.cols();
  const ConstLocalMatrixMap zl = z.local();
  std::vector<double> norms(static_cast<size_t>(2 * k), 0.0);  // u's squared norms, then v's
  auto copy_part = [&](DistMatrix& target, int parity, double* squares) {
    LocalMatrixMap tl = target.local();
    for (int64_t j_lc = 0; j_lc < target.local_cols(); ++j_lc) {
      const int64_t j_gl = target.col_map().local_to_global(j_lc);
      for (int64_t i_lc = 0; i_lc < target.local_rows(); ++i_lc) {
        if (target.row_map().local_to_global(i_lc) >= r) break;  // rows below r stay zero
        const double value = zl(2 * i_lc + parity, j_lc);
        tl(i_lc, j_lc) = value;
        squares[j_gl] += value * value;
      }
    }
  };
  if (z.grid().in_grid()) {
    copy_part(out.u, 1, norms.data());
    copy_part(out.v, 0, norms.data() + k);
  }
  MPI_Allreduce(MPI_IN_PLACE, norms.data(), f(2 * k, "rank"), MPI_DOUBLE, MPI_SUM, z.grid().comm());
  auto scale = [&](DistMatrix& target, const double* squares) {
    target.for_each_local([&](int64_t, int64_t j_gl, double& value) {
      if (squares[j_gl] > 0) value /= std::sqrt(squares[j_gl]);
    });
  };
  scale(out.u, norms.data());
  scale(out.v, norms.data() + k);
}

// z (2r x k, blocks 2 nb) split into out.u / out.v: same column blocks as z for the local split, then the
// nb x nb blocks the Householder products want.
void split_into(const DistMatrix& z, int64_t r, int64_t k, int64_t rows, int64_t nb, BidiagonalVectors& out) {
  const GridPtr& grid = z.grid_ptr();
  BidiagonalVectors split{DistMatrix(grid, rows, k, nb, 2 * nb), DistMatrix(grid, r, k, nb, 2 * nb)};
  split_pairs(z, r, split);
  out.u = DistMatrix(grid, rows, k, nb, nb);
  out.v = DistMatrix(grid, r, k, nb, nb);
  redistribute(split.u, out.u);
  redistribute(split.v, out.v);
}

// What pdstedc really touches on this process (z: n x n, square blocks). Its query, 6 n + 2 NP NQ, misses
// two things, and each overran the heap:
//  - pdlaed1 lays out two NP x NQ matrices with leading dimension max(NP, 1), so a process that owns
//    columns but no rows (n < P_r NB, e.g. n = 194, blocks of 128 on 3 x 1) uses 2 NQ more;
//  - the final sort (pdlasrt) wants max(n, NP (NB + NQ)) and n + 2 NB + 2 NPCOL integers (on 2 x 2 with
//    n = 34, blocks of 32: 1088 against the query's 332 on process (0, 1)).
struct DivideAndConquerWorkspace {
  int64_t work = 0, iwork = 0;
};

DivideAndConquerWorkspace divide_and_conquer_workspace(const DistMatrix& z, int pcols) {
  const int64_t n = z.rows(), block = z.row_block(), np = z.local_rows(), nq = z.local_cols();
  const int64_t merge_work = 6 * n + 2 * std::max<int64_t>(np, 1) * nq;
  const int64_t sort_work = std::max(n, np * (block + nq));
  const int64_t merge_iwork = 2 + 7 * n + 8 * int64_t{pcols};
  const int64_t sort_iwork = n + 2 * block + 2 * int64_t{pcols};
  return {std::max(merge_work, sort_work), std::max(merge_iwork, sort_iwork)};
}

}  // namespace

bool golub_kahan_leading_vectors(const GridPtr& grid, const std::vector<double>& d, const std::vector<double>& e,
                                 int64_t k, int64_t rows, int64_t nb, int64_t largest_cluster, BidiagonalVectors& out) {
  const Grid& g = *grid;
  const int64_t r = static_cast<int64_t>(d.size());
  const std::vector<double> diag(static_cast<size_t>(2 * r), 0.0);
  const std::vector<double> off = negated_golub_kahan(d, e, r);
  DistMatrix z(grid, 2 * r, k, 2 * nb, 2 * nb);  // pdstein wants square blocks
  int info = 0, found = 0;
  if (g.in_grid()) {
    Eigenvalues values = smallest_eigenvalues(g, diag, off, k, info);
    found = values.found;
    if (info == 0 && found == k) inverse_iteration(diag, off, largest_cluster, values, z, info);
  }
  int ok = (info == 0 && found == k) || !g.in_grid() ? 1 : 0;
  MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, g.comm());
  if (ok == 0) return false;
  split_into(z, r, k, rows, nb, out);
  return true;
}

bool golub_kahan_vectors_by_divide_and_conquer(const GridPtr& grid, const std::vector<double>& d,
                                               const std::vector<double>& e, int64_t k, int64_t rows, int64_t nb,
                                               BidiagonalVectors& out) {
  const Grid& g = *grid;
  const int64_t r = static_cast<int64_t>(d.size()), n = 2 * r;
  std::vector<double> diag(static_cast<size_t>(n), 0.0);
  std::vector<double> off = negated_golub_kahan(d, e, r);
  DistMatrix z(grid, n, n, 2 * nb, 2 * nb);  // pdstedc wants square blocks
  const int n_f = f(n, "Golub-Kahan order"), one = 1;
  int info = 0;
  double work_query = 0;
  int iwork_query = 0, lwork = -1, liwork = -1;
  if (g.in_grid()) {
    pdstedc_("I", &n_f, diag.data(), off.data(), z.data(), &one, &one, z.desc(), &work_query, &lwork, &iwork_query,
             &liwork, &info);
  }
  int ok = info == 0 ? 1 : 0;
  MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, g.comm());
  if (ok == 0) return false;
  if (g.in_grid()) {
    const DivideAndConquerWorkspace room = divide_and_conquer_workspace(z, g.pcols());
    std::vector<double> work(static_cast<size_t>(std::max(checked_workspace(work_query, "pdstedc"), room.work)));
    std::vector<int> iwork(
        static_cast<size_t>(std::max(checked_workspace(iwork_query, "pdstedc integer"), room.iwork)));
    lwork = f(static_cast<int64_t>(work.size()), "pdstedc lwork");
    liwork = f(static_cast<int64_t>(iwork.size()), "pdstedc liwork");
    pdstedc_("I", &n_f, diag.data(), off.data(), z.data(), &one, &one, z.desc(), work.data(), &lwork, iwork.data(),
             &liwork, &info);
  }
  ok = info == 0 ? 1 : 0;
  MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, g.comm());
  if (ok == 0) return false;
  // -T's eigenvalues ascend, so its first k columns belong to s_0 >= ... >= s_{k-1}.
  DistMatrix leading(grid, n, k, 2 * nb, 2 * nb);
  copy_block(z, 0, 0, n, k, leading, 0, 0);
  z = DistMatrix();
  split_into(leading, r, k, rows, nb, out);
  return true;
}

int64_t golub_kahan_largest_cluster(const std::vector<double>& d, const std::vector<double>& e,
                                    const std::vector<double>& s, int64_t k) {
  const int64_t r = static_cast<int64_t>(d.size());
  // ||T||_1: column 2i of T holds d_i (and e_{i-1} above it), column 2i + 1 holds d_i and e_i.
  double one_norm = 0;
  for (int64_t i = 0; i < r; ++i) {
    const double e_before = i > 0 ? std::abs(e[static_cast<size_t>(i - 1)]) : 0.0;
    const double e_after = i + 1 < r ? std::abs(e[static_cast<size_t>(i)]) : 0.0;
    one_norm = std::max(
        {one_norm, std::abs(d[static_cast<size_t>(i)]) + e_before, std::abs(d[static_cast<size_t>(i)]) + e_after});
  }
  const double tolerance = kClusterFraction * one_norm;
  int64_t largest = std::min<int64_t>(k, 1), current = 1;
  for (int64_t i = 1; i < k; ++i) {
    current = s[static_cast<size_t>(i - 1)] - s[static_cast<size_t>(i)] <= tolerance ? current + 1 : 1;
    largest = std::max(largest, current);
  }
  return largest;
}

double golub_kahan_inverse_iteration_doubles(int64_t r, int64_t k, int64_t largest_cluster, int ranks) {
  const double n = 2.0 * static_cast<double>(r);
  const double room = static_cast<double>(std::min(k, std::max(kExtraClusterVectors, largest_cluster)));
  // The vectors' share four times (z, pdstein's copy of its local z and of its own vectors, the split into
  // u and v) and the cluster's room twice (pdstein's receiving room, the owner's iterates): what the peak
  // resident memory showed at 6000 x 3000, k = 1500 on 1 and 4 ranks, where the query alone suggests less.
  return n * (4 * std::ceil(static_cast<double>(k) / ranks) + 2 * room) + 5 * n;
}

double golub_kahan_divide_and_conquer_doubles(int64_t r, int64_t k, int ranks) {
  const double n = 2.0 * static_cast<double>(r);
  return (3 * n * n + n * static_cast<double>(k)) / ranks + 6 * n;
}

}  // namespace jf::svd
