#include "io/attribute_reader.hpp"

#include <sstream>
#include <vector>

#include "io/file_kind.hpp"
#include "jointfact/core/collective.hpp"
#include "jointfact/io/h5_handle.hpp"

namespace jf {
namespace {

// Rank 0 only: the attribute as text ("" + found=false when absent).
bool read_on_root(const std::string& file, const std::string& object, const std::string& name, std::string& text) {
  h5::silence_library_errors();
  if (!unreadable_reason(file).empty()) return false;  // a FIFO would block H5Fis_hdf5
  if (H5Fis_hdf5(file.c_str()) <= 0) return false;
  h5::Handle handle = h5::file(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  if (!handle.valid() || H5Oexists_by_name(handle.get(), object.c_str(), H5P_DEFAULT) <= 0) return false;
  if (H5Aexists_by_name(handle.get(), object.c_str(), name.c_str(), H5P_DEFAULT) <= 0) return false;
  h5::Handle attr =
      h5::attribute(H5Aopen_by_name(handle.get(), object.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT));
  h5::Handle type = h5::datatype(H5Aget_type(attr.get()));
  if (H5Tget_class(type.get()) == H5T_STRING) {
    if (H5Tis_variable_str(type.get()) > 0) return false;
    std::vector<char> buffer(H5Tget_size(type.get()) + 1, '\0');
    if (H5Aread(attr.get(), type.get(), buffer.data()) < 0) return false;
    text = buffer.data();
    return true;
  }
  double value = 0;
  if (H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &value) < 0) return false;
  std::ostringstream out;
  out.precision(17);
  out << value;
  text = out.str();
  return true;
}

std::optional<std::string> read_shared(MPI_Comm comm, const std::string& file, const std::string& object,
                                       const std::string& name) {
  std::string text;
  int found = 0;
  if (comm_rank(comm) == 0) found = read_on_root(file, object, name, text) ? 1 : 0;
  MPI_Bcast(&found, 1, MPI_INT, 0, comm);
  text = broadcast_string(comm, text);
  if (!found) return std::nullopt;
  return text;
}

}  // namespace

std::optional<std::string> read_string_attribute(MPI_Comm comm, const std::string& file, const std::string& object,
                                                 const std::string& name) {
  return read_shared(comm, file, object, name);
}

std::optional<double> read_double_attribute(MPI_Comm comm, const std::string& file, const std::string& object,
                                            const std::string& name) {
  const auto text = read_shared(comm, file, object, name);
  if (!text) return std::nullopt;
  try {
    return std::stod(*text);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace jf
