#pragma once
// The files a `jointfact run` reads: its config and every FILE[:DSET] key of it. They are protected from
// being written (output, its partial name, checkpoints), and the ones a stage reads are fingerprinted
// into its checkpoint, so an input edited in place means a recomputation, never a stale result.
#include <mpi.h>

#include <string>
#include <vector>

#include "app/run_config.hpp"

namespace jf::app {

// Every file named by a FILE[:DSET] key of `config`, plus `config_path` when not empty.
std::vector<std::string> files_read_by(const RunConfig& config, const std::string& config_path);

// The files named by the FILE[:DSET] keys of one section ("joint", "sparse").
std::vector<std::string> files_read_by_section(const RunConfig& config, const std::string& section);

}  // namespace jf::app
