#pragma once
// An HDF5 output file written collectively by every rank and published atomically: it is created as
// OUT.h5.partial and renamed to OUT.h5 by commit(), so a crash never leaves a half-written result under
// the final name. Without commit() the partial file is removed.
#include <mpi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "jointfact/distributed/dist_matrix.hpp"
#include "jointfact/io/h5_handle.hpp"

namespace jf {

class OutputFile {
 public:
  // Checks (on rank 0, answer shared) that the directory exists and is writable; InputError otherwise.
  OutputFile(MPI_Comm comm, std::string path);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  const std::string& path() const { return path_; }

  // 2-D dataset of shape (rows, cols); intermediate groups are created.
  void write_matrix(const std::string& name, const DistMatrix& a);
  // An m x 1 matrix as a 1-D dataset of length m.
  void write_vector(const std::string& name, const DistMatrix& v);
  // Data every rank holds identically (k x k matrices, singular values); shape is row-major.
  void write_replicated(const std::string& name, const std::vector<double>& values, const std::vector<int64_t>& shape);
  // Integer data every rank holds identically (CSR index arrays).
  void write_replicated(const std::string& name, const std::vector<int64_t>& values);

  // Attributes on a group or dataset (created if missing, as a group). Every rank passes the same value.
  void set_attribute(const std::string& object, const std::string& name, double value);
  void set_attribute(const std::string& object, const std::string& name, int64_t value);
  void set_attribute(const std::string& object, const std::string& name, const std::string& value);
  void set_attribute(const std::string& object, const std::string& name, const std::vector<int64_t>& value);
  void set_attribute(const std::string& object, const std::string& name, bool value);

  // Copies a whole group (datasets and attributes) from another HDF5 file, e.g. a stage's checkpoint.
  void copy_group_from(const std::string& file, const std::string& group);

  // Flushes, closes and renames OUT.h5.partial to OUT.h5 (collective).
  void commit();

 private:
  hid_t open_object(const std::string& object);
  void ensure_parent_groups(const std::string& name);
  void write_distributed(const std::string& name, const DistMatrix& a, bool as_vector);
  void write_from_root(const std::string& name, hid_t mem_type, hid_t file_type, const void* data,
                       const std::vector<hsize_t>& dims);
  void write_attribute(const std::string& object, const std::string& name, hid_t mem_type, hid_t file_type,
                       const void* data, hsize_t count);

  MPI_Comm comm_;
  std::string path_, partial_path_;
  h5::Handle file_;
  bool committed_ = false;
};

// Checks on rank 0 that `path` can be created (directory exists, writable, not a directory itself) and
// is not the same file as any of `inputs`; InputError on every rank otherwise.
void require_writable_output(MPI_Comm comm, const std::string& path, const std::vector<std::string>& inputs = {});

}  // namespace jf
