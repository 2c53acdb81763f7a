#include "app/setting_name.hpp"

#include <algorithm>

namespace jf::app {

std::string cli_setting_name(const std::string& key) {
  std::string name = "--" + key;
  std::replace(name.begin(), name.end(), '_', '-');
  return name;
}

SettingName toml_setting_names(const std::string& section) {
  return [section](const std::string& key) { return "[" + section + "] " + key; };
}

}  // namespace jf::app
