/* Plain parallel HDF5 + MPI code the examples use to read a 2-D dataset straight into ScaLAPACK's 2-D
 * block-cyclic layout and to write one back, as a ScaLAPACK program would (no jointfact code here).
 * Layout: blocks of mb x nb dealt round-robin over an nprow x npcol grid from process (0, 0); each rank
 * stores its part column-major with leading dimension lld. The file holds the matrix row-major (C order). */
#ifndef JOINTFACT_EXAMPLES_BLOCK_CYCLIC_H5_H
#define JOINTFACT_EXAMPLES_BLOCK_CYCLIC_H5_H

#include <hdf5.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One rank's place in the block-cyclic layout. */
typedef struct bc_layout {
  hsize_t m, n;   /* global size */
  hsize_t mb, nb; /* block size */
  int nprow, npcol, myrow, mycol;
  hsize_t local_rows, local_cols;
} bc_layout;

/* Elements of a dimension of size n, blocks nb, that process p of nprocs holds (ScaLAPACK's numroc). */
static hsize_t bc_local_size(hsize_t n, hsize_t nb, int p, int nprocs) {
  hsize_t blocks = n / nb, size = (blocks / (hsize_t)nprocs) * nb;
  hsize_t extra = blocks % (hsize_t)nprocs;
  if ((hsize_t)p < extra)
    size += nb;
  else if ((hsize_t)p == extra)
    size += n % nb;
  return size;
}

static bc_layout bc_make_layout(hsize_t m, hsize_t n, hsize_t mb, hsize_t nb, int nprow, int npcol, int myrow,
                                int mycol) {
  bc_layout layout = {m, n, mb, nb, nprow, npcol, myrow, mycol, 0, 0};
  layout.local_rows = bc_local_size(m, mb, myrow, nprow);
  layout.local_cols = bc_local_size(n, nb, mycol, npcol);
  return layout;
}

/* Selects in `space` (m x n) every block this rank owns; blocks of one row band at a time (one hyperslab
 * per owned row band, strided over the owned column blocks, plus the ragged last column block). */
static void bc_select_owned(hid_t space, const bc_layout* l) {
  H5Sselect_none(space);
  if (l->local_rows == 0 || l->local_cols == 0) return;
  const hsize_t col_stride = l->nb * (hsize_t)l->npcol;
  const hsize_t full_col_blocks = l->n / l->nb; /* blocks of nb columns, the last may be ragged */
  for (hsize_t row0 = (hsize_t)l->myrow * l->mb; row0 < l->m; row0 += l->mb * (hsize_t)l->nprow) {
    const hsize_t rows = row0 + l->mb <= l->m ? l->mb : l->m - row0;
    /* full column blocks owned: b = mycol, mycol + npcol, ... < full_col_blocks */
    if ((hsize_t)l->mycol < full_col_blocks) {
      hsize_t start[2] = {row0, (hsize_t)l->mycol * l->nb};
      hsize_t stride[2] = {rows, col_stride};
      hsize_t count[2] = {1, (full_col_blocks - (hsize_t)l->mycol + (hsize_t)l->npcol - 1) / (hsize_t)l->npcol};
      hsize_t block[2] = {rows, l->nb};
      H5Sselect_hyperslab(space, H5S_SELECT_OR, start, stride, count, block);
    }
    if (l->n % l->nb != 0 && full_col_blocks % (hsize_t)l->npcol == (hsize_t)l->mycol) {
      hsize_t start[2] = {row0, full_col_blocks * l->nb};
      hsize_t count[2] = {1, 1};
      hsize_t block[2] = {rows, l->n % l->nb};
      H5Sselect_hyperslab(space, H5S_SELECT_OR, start, NULL, count, block);
    }
  }
}

static hid_t bc_collective_transfer(void) {
  hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
  H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE);
  return dxpl;
}

/* Opens (create != 0: creates, truncating) an HDF5 file on every rank of comm with MPI-IO. */
static hid_t bc_open_file(MPI_Comm comm, const char* path, int create) {
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL);
  hid_t file = create ? H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl) : H5Fopen(path, H5F_ACC_RDONLY, fapl);
  H5Pclose(fapl);
  return file;
}

/* Shape of a 2-D dataset; returns 0 on success. */
static int bc_dataset_shape(hid_t file, const char* name, hsize_t* m, hsize_t* n) {
  hid_t dset = H5Dopen2(file, name, H5P_DEFAULT);
  if (dset < 0) return -1;
  hid_t space = H5Dget_space(dset);
  hsize_t dims[2] = {0, 0};
  int ok = H5Sget_simple_extent_ndims(space) == 2;
  if (ok) H5Sget_simple_extent_dims(space, dims, NULL);
  H5Sclose(space);
  H5Dclose(dset);
  *m = dims[0];
  *n = dims[1];
  return ok ? 0 : -1;
}

/* Reads this rank's blocks of dataset `name` into `local` (column-major, leading dimension lld). Collective. */
static int bc_read(hid_t file, const char* name, const bc_layout* l, double* local, hsize_t lld) {
  hid_t dset = H5Dopen2(file, name, H5P_DEFAULT);
  hid_t file_space = H5Dget_space(dset);
  bc_select_owned(file_space, l);
  /* HDF5 fills the selection in row-major order; the blocks keep their relative order locally. */
  hsize_t count = l->local_rows * l->local_cols;
  double* row_major = (double*)malloc((count ? count : 1) * sizeof(double));
  hsize_t mem_dims[1] = {count};
  hid_t mem_space = H5Screate_simple(1, mem_dims, NULL);
  if (count == 0) H5Sselect_none(mem_space);
  hid_t dxpl = bc_collective_transfer();
  herr_t status = H5Dread(dset, H5T_NATIVE_DOUBLE, mem_space, file_space, dxpl, row_major);
  for (hsize_t i = 0; i < l->local_rows; ++i)
    for (hsize_t j = 0; j < l->local_cols; ++j) local[i + j * lld] = row_major[i * l->local_cols + j];
  free(row_major);
  H5Pclose(dxpl);
  H5Sclose(mem_space);
  H5Sclose(file_space);
  H5Dclose(dset);
  return status < 0 ? -1 : 0;
}

/* Creates float64 dataset `name` (intermediate groups too) over `file_space`. */
static hid_t bc_create_f64(hid_t file, const char* name, hid_t file_space) {
  hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(lcpl, 1);
  hid_t dset = H5Dcreate2(file, name, H5T_IEEE_F64LE, file_space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  H5Pclose(lcpl);
  return dset;
}

/* One collective H5Dwrite of `data`, then closes the spaces and the dataset. */
static int bc_collective_write(hid_t dset, hid_t mem_space, hid_t file_space, const double* data) {
  hid_t dxpl = bc_collective_transfer();
  herr_t status = H5Dwrite(dset, H5T_NATIVE_DOUBLE, mem_space, file_space, dxpl, data);
  H5Pclose(dxpl);
  H5Sclose(mem_space);
  H5Sclose(file_space);
  H5Dclose(dset);
  return status < 0 ? -1 : 0;
}

/* Creates /group/... dataset `name` (m x n, float64) and writes this rank's blocks from `local`. Collective. */
static int bc_write(hid_t file, const char* name, const bc_layout* l, const double* local, hsize_t lld) {
  hsize_t dims[2] = {l->m, l->n};
  hid_t file_space = H5Screate_simple(2, dims, NULL);
  hid_t dset = bc_create_f64(file, name, file_space);
  bc_select_owned(file_space, l);
  hsize_t count = l->local_rows * l->local_cols;
  double* row_major = (double*)malloc((count ? count : 1) * sizeof(double));
  for (hsize_t i = 0; i < l->local_rows; ++i)
    for (hsize_t j = 0; j < l->local_cols; ++j) row_major[i * l->local_cols + j] = local[i + j * lld];
  hsize_t mem_dims[1] = {count};
  hid_t mem_space = H5Screate_simple(1, mem_dims, NULL);
  if (count == 0) H5Sselect_none(mem_space);
  int status = bc_collective_write(dset, mem_space, file_space, row_major);
  free(row_major);
  return status;
}

/* Writes a vector every rank holds; rank 0's copy goes to the file. Collective. */
static int bc_write_vector(MPI_Comm comm, hid_t file, const char* name, const double* values, hsize_t k) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  hsize_t dims[1] = {k};
  hid_t file_space = H5Screate_simple(1, dims, NULL);
  hid_t dset = bc_create_f64(file, name, file_space);
  hid_t mem_space = H5Screate_simple(1, dims, NULL);
  if (rank != 0) {
    H5Sselect_none(file_space);
    H5Sselect_none(mem_space);
  }
  return bc_collective_write(dset, mem_space, file_space, values);
}

/* The first 2-D dataset in the root group by name ("" when there is none), for FILE.h5 without :DSET. */
static void bc_default_dataset(hid_t file, char* dataset) {
  dataset[0] = '\0';
  H5G_info_t group;
  if (H5Gget_info(file, &group) < 0) return;
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* links that are not datasets fail to open: not an error here */
  for (hsize_t i = 0; i < group.nlinks && dataset[0] == '\0'; ++i) {
    char name[255];
    hsize_t m = 0, n = 0;
    if (H5Lget_name_by_idx(file, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name, H5P_DEFAULT) < 0) continue;
    if (bc_dataset_shape(file, name, &m, &n) == 0) snprintf(dataset, 256, "/%s", name);
  }
}

/* Splits "FILE.h5[:DSET]" into file and dataset ("" when absent). */
static void bc_split_path(const char* text, char* file, char* dataset, size_t size) {
  const char* colon = strrchr(text, ':');
  if (colon == NULL) {
    snprintf(file, size, "%s", text);
    dataset[0] = '\0';
  } else {
    snprintf(file, size, "%.*s", (int)(colon - text), text);
    snprintf(dataset, size, "%s%s", colon[1] == '/' ? "" : "/", colon + 1);
  }
}

#endif /* JOINTFACT_EXAMPLES_BLOCK_CYCLIC_H5_H */
