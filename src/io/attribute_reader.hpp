#pragma once
// Reading attributes back (checkpoint stamps, stage results): rank 0 reads, every rank gets the value.
#include <mpi.h>

#include <optional>
#include <string>

namespace jf {

// nullopt when the file, object or attribute is missing or has another type. Collective.
std::optional<std::string> read_string_attribute(MPI_Comm comm, const std::string& file, const std::string& object,
                                                 const std::string& name);
std::optional<double> read_double_attribute(MPI_Comm comm, const std::string& file, const std::string& object,
                                            const std::string& name);

}  // namespace jf
