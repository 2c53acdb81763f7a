/* A ScaLAPACK program calling jointfact's C API: svd_scalapack INPUT.h5[:DSET] K OUT.h5
 * Makes its own BLACS grid, reads the matrix into its own block-cyclic array with plain parallel HDF5,
 * calls jointfact_pdgesvd_exact on its descriptors, and writes /svd/U (m,k), /svd/S (k,), /svd/V (n,k) as
 * `jointfact svd` does. Set JOINTFACT_EXAMPLE_METHOD=randomized for the randomized SVD. */
#include <jointfact/jointfact.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "block_cyclic_h5.h"

/* BLACS and ScaLAPACK, declared as a ScaLAPACK program does. */
void Cblacs_pinfo(int* rank, int* nprocs);
void Cblacs_get(int context, int what, int* value);
void Cblacs_gridinit(int* context, const char* order, int nprow, int npcol);
void Cblacs_gridinfo(int context, int* nprow, int* npcol, int* myrow, int* mycol);
void Cblacs_gridexit(int context);
void descinit_(int* desc, const int* m, const int* n, const int* mb, const int* nb, const int* irsrc, const int* icsrc,
               const int* context, const int* lld, int* info);
void pdtran_(const int* m, const int* n, const double* alpha, const double* a, const int* ia, const int* ja,
             const int* desca, const double* beta, double* c, const int* ic, const int* jc, const int* descc);

/* A block-cyclic array of this program's own: descriptor, layout and local storage. */
typedef struct matrix {
  int desc[9];
  bc_layout layout;
  int lld;
  double* local;
} matrix;

static matrix make_matrix(int context, int m, int n, int block, int nprow, int npcol, int myrow, int mycol) {
  matrix a;
  a.layout = bc_make_layout((hsize_t)m, (hsize_t)n, (hsize_t)block, (hsize_t)block, nprow, npcol, myrow, mycol);
  a.lld = a.layout.local_rows > 0 ? (int)a.layout.local_rows : 1;
  const int zero = 0;
  int info = 0;
  descinit_(a.desc, &m, &n, &block, &block, &zero, &zero, &context, &a.lld, &info);
  a.local = (double*)calloc((size_t)a.lld * (a.layout.local_cols ? a.layout.local_cols : 1), sizeof(double));
  return a;
}

static int fail(int rank, const char* message) {
  if (rank == 0) fprintf(stderr, "svd_scalapack: error: %s\n", message);
  MPI_Finalize();
  return 1;
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, nprocs = 1;
  Cblacs_pinfo(&rank, &nprocs);
  if (argc != 4) return fail(rank, "usage: svd_scalapack INPUT.h5[:DSET] K OUT.h5");
  const int k = atoi(argv[2]);

  /* The caller's grid: the most square nprow x npcol = nprocs with nprow >= npcol, row-major. */
  int npcol = (int)sqrt((double)nprocs);
  while (npcol > 1 && nprocs % npcol != 0) --npcol;
  int nprow = nprocs / npcol, myrow = 0, mycol = 0, context = 0;
  Cblacs_get(-1, 0, &context);
  Cblacs_gridinit(&context, "Row", nprow, npcol);
  Cblacs_gridinfo(context, &nprow, &npcol, &myrow, &mycol);

  char path[256], dataset[256];
  bc_split_path(argv[1], path, dataset, sizeof path);
  hid_t in = bc_open_file(MPI_COMM_WORLD, path, 0);
  if (in < 0) return fail(rank, "cannot open the input file");
  if (dataset[0] == '\0') bc_default_dataset(in, dataset);
  hsize_t m_h = 0, n_h = 0;
  if (dataset[0] == '\0' || bc_dataset_shape(in, dataset, &m_h, &n_h) != 0) return fail(rank, "no 2-D dataset");
  const int m = (int)m_h, n = (int)n_h, block = 64;
  if (k < 1 || k > (m < n ? m : n)) return fail(rank, "K must be between 1 and min(m, n)");

  matrix a = make_matrix(context, m, n, block, nprow, npcol, myrow, mycol);
  if (bc_read(in, dataset, &a.layout, a.local, (hsize_t)a.lld) != 0) return fail(rank, "cannot read the matrix");
  H5Fclose(in);

  matrix u = make_matrix(context, m, k, block, nprow, npcol, myrow, mycol);
  matrix vt = make_matrix(context, k, n, block, nprow, npcol, myrow, mycol);
  double* s = (double*)malloc((size_t)k * sizeof(double));
  int info = 0;
  const char* method = getenv("JOINTFACT_EXAMPLE_METHOD");
  if (method != NULL && strcmp(method, "randomized") == 0) {
    jointfact_svd_options options;
    jointfact_svd_options_init(&options);
    options.power_iters = 4;
    jointfact_pdgesvd_randomized(m, n, k, a.local, 1, 1, a.desc, s, u.local, 1, 1, u.desc, vt.local, 1, 1, vt.desc,
                                 &options, &info);
  } else {
    jointfact_pdgesvd_exact(m, n, k, a.local, 1, 1, a.desc, s, u.local, 1, 1, u.desc, vt.local, 1, 1, vt.desc, &info);
  }
  if (info != 0) {
    char message[512];
    snprintf(message, sizeof message, "jointfact returned info = %d: %s", info, jointfact_last_error());
    return fail(rank, message);
  }

  /* The file holds V (n x k), as `jointfact svd` writes it: transpose VT with PBLAS. */
  matrix v = make_matrix(context, n, k, block, nprow, npcol, myrow, mycol);
  const int one_i = 1;
  const double one = 1.0, zero = 0.0;
  pdtran_(&n, &k, &one, vt.local, &one_i, &one_i, vt.desc, &zero, v.local, &one_i, &one_i, v.desc);

  hid_t out = bc_open_file(MPI_COMM_WORLD, argv[3], 1);
  if (out < 0) return fail(rank, "cannot create the output file");
  int status = bc_write(out, "/svd/U", &u.layout, u.local, (hsize_t)u.lld);
  status |= bc_write_vector(MPI_COMM_WORLD, out, "/svd/S", s, (hsize_t)k);
  status |= bc_write(out, "/svd/V", &v.layout, v.local, (hsize_t)v.lld);
  H5Fclose(out);
  if (status != 0) return fail(rank, "cannot write the output file");
  if (rank == 0) printf("svd_scalapack: k = %d, s[0] = %.10g, wrote %s\n", k, s[0], argv[3]);

  free(s);
  free(a.local);
  free(u.local);
  free(vt.local);
  free(v.local);
  Cblacs_gridexit(context);
  MPI_Finalize();
  return 0;
}
