#include "jointfact/io/h5_handle.hpp"

namespace jf::h5 {

std::string mpi_io_name(const std::string& path) { return path.find(':') == std::string::npos ? path : "ufs:" + path; }

void silence_library_errors() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

}  // namespace jf::h5
