#pragma once
// The `jointfact run` configuration: a TOML file with one table per stage ([input], [svd], [joint],
// [sparse], [output]) whose keys are the subcommands' option names with dashes as underscores, plus
// `--set section.key=value` overrides. Every key is checked against a schema: an unknown key or a wrong
// type is an InputError naming it.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace jf::app {

enum class KeyType { Integer, Float, String, Boolean, IntegerList };

struct KeySpec {
  std::string section;
  std::string key;
  KeyType type;
  std::string help;
};

// Every key jointfact understands.
const std::vector<KeySpec>& config_schema();

class RunConfig {
 public:
  // Parses and validates TOML text; `origin` names the file in error messages.
  static RunConfig parse(const std::string& toml_text, const std::string& origin);
  // The built-in demo problem (no CONFIG given).
  static RunConfig demo();

  // "section.key=value"; the value is read as TOML, or as a plain string for string keys.
  void apply_override(const std::string& assignment);

  bool has_section(const std::string& section) const;
  std::optional<int64_t> get_int(const std::string& section, const std::string& key) const;
  std::optional<double> get_float(const std::string& section, const std::string& key) const;
  std::optional<std::string> get_string(const std::string& section, const std::string& key) const;
  std::optional<bool> get_bool(const std::string& section, const std::string& key) const;
  std::optional<std::vector<int64_t>> get_int_list(const std::string& section, const std::string& key) const;

  // Canonical "section.key=value" lines of the given sections (sorted), for config hashes.
  std::string canonical(const std::vector<std::string>& sections) const;
  // The whole configuration as TOML (stored in the output's /run group).
  std::string to_toml() const;

 private:
  struct Entry {
    std::string section, key, value_text;  // value_text: canonical TOML literal
  };
  void set(const KeySpec& spec, const std::string& value_text);
  const Entry* find(const std::string& section, const std::string& key) const;
  std::vector<Entry> entries_;
  std::vector<std::string> sections_;
};

}  // namespace jf::app
