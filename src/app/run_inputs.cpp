#include "app/run_inputs.hpp"

#include "jointfact/io/dataset_path.hpp"

namespace jf::app {
namespace {

// Keys whose value is a FILE[:DSET] say so at the start of their description in the schema.
bool names_a_file(const KeySpec& spec) { return spec.type == KeyType::String && (spec.help.rfind("FILE", 0) == 0); }

}  // namespace

std::vector<std::string> files_read_by_section(const RunConfig& config, const std::string& section) {
  std::vector<std::string> files;
  for (const KeySpec& spec : config_schema()) {
    if (spec.section != section || !names_a_file(spec)) continue;
    if (auto value = config.get_string(spec.section, spec.key)) files.push_back(DatasetPath::parse(*value).file);
  }
  return files;
}

std::vector<std::string> files_read_by(const RunConfig& config, const std::string& config_path) {
  std::vector<std::string> files;
  for (const char* section : {"input", "svd", "joint", "sparse"}) {
    for (std::string& file : files_read_by_section(config, section)) files.push_back(std::move(file));
  }
  if (!config_path.empty()) files.push_back(config_path);
  return files;
}

}  // namespace jf::app
