#pragma once
// RAII ownership of an HDF5 identifier (file, group, dataset, dataspace, property list, attribute).
#include <hdf5.h>

#include <string>

namespace jf::h5 {

class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  ~Handle() { reset(); }
  Handle(Handle&& other) noexcept : id_(other.id_), closer_(other.closer_) { other.id_ = -1; }
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = other.id_;
      closer_ = other.closer_;
      other.id_ = -1;
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  // Gives the identifier up without closing it (when closing is collective and the other ranks are not
  // there to take part).
  hid_t release() {
    const hid_t id = id_;
    id_ = -1;
    return id;
  }
  void reset() {
    if (id_ >= 0 && closer_) closer_(id_);
    id_ = -1;
  }

 private:
  hid_t id_ = -1;
  Closer closer_ = nullptr;
};

inline Handle file(hid_t id) { return {id, H5Fclose}; }
inline Handle group(hid_t id) { return {id, H5Gclose}; }
inline Handle dataset(hid_t id) { return {id, H5Dclose}; }
inline Handle dataspace(hid_t id) { return {id, H5Sclose}; }
inline Handle plist(hid_t id) { return {id, H5Pclose}; }
inline Handle attribute(hid_t id) { return {id, H5Aclose}; }
inline Handle datatype(hid_t id) { return {id, H5Tclose}; }

// The name to give HDF5's MPI-IO driver for a file: MPI-IO (ROMIO) reads "xyz:" at the start of a name
// as a file-system prefix ("nfs:", "ufs:", ...), which mangles or refuses names with a ':' in them.
// Such names get the explicit generic-POSIX prefix "ufs:", which ROMIO strips; others pass unchanged.
std::string mpi_io_name(const std::string& path);

// Turns off HDF5's own error-stack printing: jointfact reports its own one-line errors.
void silence_library_errors();

}  // namespace jf::h5
