// A C++ program calling jointfact's C++ API: svd INPUT.h5[:DSET] K OUT.h5
// Reads the matrix with plain parallel HDF5 into a jointfact::DistMatrix's local storage, computes the exact
// truncated SVD (jf::svd::truncated_svd), and writes /svd/U (m,k), /svd/S (k,), /svd/V (n,k) as
// `jointfact svd` does. Set JOINTFACT_EXAMPLE_METHOD=randomized for the randomized SVD.
#include <mpi.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <string>

#include <jointfact/distributed/dist_matrix.hpp>
#include <jointfact/distributed/grid.hpp>
#include <jointfact/svd/truncated_svd.hpp>

#include "block_cyclic_h5.h"

namespace {

// The block-cyclic layout of a DistMatrix on this rank, as the HDF5 helpers take it.
bc_layout layout_of(const jf::DistMatrix& a) {
  const jf::Grid& grid = a.grid();
  return bc_make_layout(a.rows(), a.cols(), a.row_block(), a.col_block(), grid.prows(), grid.pcols(), grid.myrow(),
                        grid.mycol());
}

int run(int argc, char** argv, int rank) {
  if (argc != 4) throw std::runtime_error("usage: svd INPUT.h5[:DSET] K OUT.h5");
  const int64_t k = std::atoll(argv[2]);
  char path[256], dataset[256];
  bc_split_path(argv[1], path, dataset, sizeof path);
  const hid_t in = bc_open_file(MPI_COMM_WORLD, path, 0);
  if (in < 0) throw std::runtime_error("cannot open the input file");
  if (dataset[0] == '\0') bc_default_dataset(in, dataset);
  hsize_t m = 0, n = 0;
  if (dataset[0] == '\0' || bc_dataset_shape(in, dataset, &m, &n) != 0) throw std::runtime_error("no 2-D dataset");

  const jf::GridPtr grid = jf::make_grid(MPI_COMM_WORLD);  // near-square, row-major
  jf::DistMatrix a(grid, static_cast<int64_t>(m), static_cast<int64_t>(n));
  const bc_layout a_layout = layout_of(a);
  if (bc_read(in, dataset, &a_layout, a.data(), a.lld()) != 0) throw std::runtime_error("cannot read the matrix");
  H5Fclose(in);

  jf::svd::SvdOptions options;  // throws jf::InputError (every rank alike) on a bad k
  const char* method = std::getenv("JOINTFACT_EXAMPLE_METHOD");
  options.method = method && std::string(method) == "randomized" ? jf::svd::Method::Randomized : jf::svd::Method::Exact;
  options.power_iters = 4;
  options.rank = k;
  const jf::svd::TruncatedSvd result = jf::svd::truncated_svd(a, options);

  const hid_t out = bc_open_file(MPI_COMM_WORLD, argv[3], 1);
  if (out < 0) throw std::runtime_error("cannot create the output file");
  const bc_layout u_layout = layout_of(result.u), v_layout = layout_of(result.v);
  int status = bc_write(out, "/svd/U", &u_layout, result.u.data(), result.u.lld());
  status |= bc_write_vector(MPI_COMM_WORLD, out, "/svd/S", result.s.data(), result.s.size());
  status |= bc_write(out, "/svd/V", &v_layout, result.v.data(), result.v.lld());
  H5Fclose(out);
  if (status != 0) throw std::runtime_error("cannot write the output file");
  if (rank == 0) {
    std::printf("svd: k = %lld, s[0] = %.10g, wrote %s\n", static_cast<long long>(k), result.s[0], argv[3]);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  int code = 0;
  try {
    code = run(argc, argv, rank);
  } catch (const std::exception& error) {
    if (rank == 0) std::fprintf(stderr, "svd: error: %s\n", error.what());
    code = 1;
  }
  MPI_Finalize();
  return code;
}
