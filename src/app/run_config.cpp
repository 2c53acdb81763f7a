#include "app/run_config.hpp"

#include <toml++/toml.h>
#include <algorithm>
#include <sstream>

#include "app/joint_stage_definition.hpp"
#include "app/sparse_stage_definition.hpp"
#include "app/svd_stage_definition.hpp"
#include "core/number_checks.hpp"
#include "jointfact/core/error.hpp"

namespace jf::app {
namespace {

const KeySpec* lookup(const std::string& section, const std::string& key) {
  for (const auto& spec : config_schema())
    if (spec.section == section && spec.key == key) return &spec;
  return nullptr;
}

bool known_section(const std::string& section) {
  return std::any_of(config_schema().begin(), config_schema().end(),
                     [&](const KeySpec& spec) { return spec.section == section; });
}

const char* type_name(KeyType type) {
  switch (type) {
    case KeyType::Integer:
      return "an integer";
    case KeyType::Float:
      return "a finite number of magnitude at most 1e30";
    case KeyType::String:
      return "a string";
    case KeyType::Boolean:
      return "true or false";
    case KeyType::IntegerList:
      return "a list of integers like [4000, 3000]";
  }
  return "?";
}

std::string quote(const std::string& text) {
  std::ostringstream out;
  out << toml::value<std::string>(text);
  return out.str();
}

// The node as a canonical TOML literal if it has the spec's type (integers allowed for floats).
std::optional<std::string> literal_of(const toml::node& node, KeyType type) {
  std::ostringstream out;
  switch (type) {
    case KeyType::Integer:
      if (auto v = node.value_exact<int64_t>()) return std::to_string(*v);
      return std::nullopt;
    case KeyType::Float:
      if (auto v = node.value_exact<int64_t>()) return std::to_string(*v);
      if (auto v = node.value_exact<double>()) {
        if (!setting_number_problem(*v).empty()) return std::nullopt;  // nan, inf, 1e308
        out.precision(17);
        out << *v;
        return out.str();
      }
      return std::nullopt;
    case KeyType::String:
      if (auto v = node.value_exact<std::string>()) return quote(*v);
      return std::nullopt;
    case KeyType::Boolean:
      if (auto v = node.value_exact<bool>()) return *v ? "true" : "false";
      return std::nullopt;
    case KeyType::IntegerList: {
      const toml::array* list = node.as_array();
      if (!list) return std::nullopt;
      std::string text = "[";
      for (size_t i = 0; i < list->size(); ++i) {
        auto v = (*list)[i].value_exact<int64_t>();
        if (!v) return std::nullopt;
        text += (i ? ", " : "") + std::to_string(*v);
      }
      return text + "]";
    }
  }
  return std::nullopt;
}

toml::table parse_toml(const std::string& text, const std::string& origin) {
  try {
    return toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    std::ostringstream where;
    where << e.source().begin.line << ":" << e.source().begin.column;
    throw InputError(origin + ":" + where.str() + ": " + std::string(e.description()));
  }
}

}  // namespace

const std::vector<KeySpec>& config_schema() {
  static const std::vector<KeySpec> schema = [] {
    std::vector<KeySpec> keys = {
        {"input", "path", KeyType::String, "FILE[:DSET] of the matrix"},
        {"input", "generate", KeyType::String, "instead of path: lowrank | hadamard | butterfly"},
        {"input", "shape", KeyType::IntegerList, "[M, N] of the generated matrix"},
        {"input", "rank", KeyType::Integer, "rank of the generated low-rank part"},
        {"input", "noise", KeyType::Float, "noise level of the generated matrix"},
        {"input", "seed", KeyType::Integer, "seed of the generated matrix"},
    };
    // Each stage defines its own keys beside its other settings.
    const std::vector<KeySpec> svd_keys = svd_config_keys();
    keys.insert(keys.end(), svd_keys.begin(), svd_keys.end());
    for (const std::vector<KeySpec>& stage_keys : {joint_config_keys(), sparse_config_keys()})
      keys.insert(keys.end(), stage_keys.begin(), stage_keys.end());
    keys.insert(
        keys.end(),
        {
            {"output", "path", KeyType::String, "OUT.h5"},
            {"output", "checkpoint_dir", KeyType::String, "default OUT.h5.ckpt"},
            {"output", "checkpoint_every_s", KeyType::Float, "seconds between checkpoints inside a stage"},
            {"io", "mpiio_hints", KeyType::String, "MPI-IO hints \"key=value,...\" (JOINTFACT_MPIIO_HINTS wins)"},
        });
    return keys;
  }();
  return schema;
}

void RunConfig::set(const KeySpec& spec, const std::string& value_text) {
  if (std::find(sections_.begin(), sections_.end(), spec.section) == sections_.end()) sections_.push_back(spec.section);
  for (auto& entry : entries_) {
    if (entry.section == spec.section && entry.key == spec.key) {
      entry.value_text = value_text;
      return;
    }
  }
  entries_.push_back({spec.section, spec.key, value_text});
}

RunConfig RunConfig::parse(const std::string& toml_text, const std::string& origin) {
  RunConfig config;
  const toml::table root = parse_toml(toml_text, origin);
  for (const auto& [section_key, section_node] : root) {
    const std::string section(section_key.str());
    const toml::table* table = section_node.as_table();
    if (!known_section(section) || !table) {
      throw InputError(origin + ": unknown section [" + section +
                       "] (sections: input, svd, joint, sparse, output, io)");
    }
    if (std::find(config.sections_.begin(), config.sections_.end(), section) == config.sections_.end()) {
      config.sections_.push_back(section);
    }
    for (const auto& [key_name, node] : *table) {
      const std::string key(key_name.str());
      const KeySpec* spec = lookup(section, key);
      if (!spec) throw InputError(origin + ": unknown key " + section + "." + key);
      const auto literal = literal_of(node, spec->type);
      if (!literal) throw InputError(origin + ": " + section + "." + key + " must be " + type_name(spec->type));
      config.set(*spec, *literal);
    }
  }
  return config;
}

RunConfig RunConfig::demo() {
  return parse(R"(
[input]
generate = "lowrank"
shape = [512, 512]
rank = 8
noise = 0.5
seed = 1
[svd]
rank = 8
[joint]
objective = "rowsum"
mode = "lossless"
eps_rel = 0.01
[sparse]
kind = "butterfly"
tree = "balanced"
[output]
path = "jointfact-demo.h5"
)",
               "built-in demo");
}

void RunConfig::apply_override(const std::string& assignment) {
  const size_t equals = assignment.find('=');
  const size_t dot = assignment.find('.');
  if (equals == std::string::npos || dot == std::string::npos || dot > equals) {
    throw InputError("--set '" + assignment + "' is not of the form section.key=value");
  }
  const std::string section = assignment.substr(0, dot), key = assignment.substr(dot + 1, equals - dot - 1);
  const std::string value = assignment.substr(equals + 1);
  const KeySpec* spec = lookup(section, key);
  if (!spec) throw InputError("--set: unknown key " + section + "." + key);
  std::optional<std::string> literal;
  try {
    const toml::table parsed = toml::parse("v = " + value);
    if (const toml::node* node = parsed.get("v")) literal = literal_of(*node, spec->type);
  } catch (const toml::parse_error&) {
  }
  if (!literal && spec->type == KeyType::String) literal = quote(value);  // joint.objective=rowsum
  if (!literal) throw InputError("--set: " + section + "." + key + " must be " + type_name(spec->type));
  set(*spec, *literal);
}

const RunConfig::Entry* RunConfig::find(const std::string& section, const std::string& key) const {
  for (const auto& entry : entries_)
    if (entry.section == section && entry.key == key) return &entry;
  return nullptr;
}

bool RunConfig::has_section(const std::string& section) const {
  return std::find(sections_.begin(), sections_.end(), section) != sections_.end();
}

namespace {
const toml::node* value_node(const toml::table& holder) { return holder.get("v"); }
}  // namespace

std::optional<int64_t> RunConfig::get_int(const std::string& section, const std::string& key) const {
  const Entry* entry = find(section, key);
  if (!entry) return std::nullopt;
  return value_node(toml::parse("v = " + entry->value_text))->value<int64_t>();
}

std::optional<double> RunConfig::get_float(const std::string& section, const std::string& key) const {
  const Entry* entry = find(section, key);
  if (!entry) return std::nullopt;
  return value_node(toml::parse("v = " + entry->value_text))->value<double>();
}

std::optional<std::string> RunConfig::get_string(const std::string& section, const std::string& key) const {
  const Entry* entry = find(section, key);
  if (!entry) return std::nullopt;
  return value_node(toml::parse("v = " + entry->value_text))->value<std::string>();
}

std::optional<bool> RunConfig::get_bool(const std::string& section, const std::string& key) const {
  const Entry* entry = find(section, key);
  if (!entry) return std::nullopt;
  return value_node(toml::parse("v = " + entry->value_text))->value<bool>();
}

std::optional<std::vector<int64_t>> RunConfig::get_int_list(const std::string& section, const std::string& key) const {
  const Entry* entry = find(section, key);
  if (!entry) return std::nullopt;
  const toml::table parsed = toml::parse("v = " + entry->value_text);
  std::vector<int64_t> values;
  for (const auto& item : *value_node(parsed)->as_array()) values.push_back(*item.value<int64_t>());
  return values;
}

std::string RunConfig::canonical(const std::vector<std::string>& sections) const {
  std::vector<std::string> lines;
  for (const auto& entry : entries_)
    if (std::find(sections.begin(), sections.end(), entry.section) != sections.end())
      lines.push_back(entry.section + "." + entry.key + "=" + entry.value_text);
  std::sort(lines.begin(), lines.end());
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  return text;
}

std::string RunConfig::to_toml() const {
  // Tables and keys sorted, so that the text does not depend on whether a key came from the file or
  // from --set (printing, reading back and printing again gives the same text).
  std::vector<std::string> sections = sections_;
  std::sort(sections.begin(), sections.end());
  std::vector<const Entry*> sorted;
  for (const auto& entry : entries_) sorted.push_back(&entry);
  std::stable_sort(sorted.begin(), sorted.end(), [](const Entry* a, const Entry* b) { return a->key < b->key; });
  std::string text;
  for (const auto& section : sections) {
    text += "[" + section + "]\n";
    for (const Entry* entry : sorted)
      if (entry->section == section) text += entry->key + " = " + entry->value_text + "\n";
  }
  return text;
}

}  // namespace jf::app
