#pragma once
// How a stage setting is named to the user in messages: "--power-iters" on the command line,
// "[svd] power_iters" in the run configuration. Every stage definition validates its settings once and
// takes one of these to word the message for where the setting came from.
#include <functional>
#include <string>

namespace jf::app {

using SettingName = std::function<std::string(const std::string& key)>;

// "power_iters" -> "--power-iters".
std::string cli_setting_name(const std::string& key);
// "power_iters" -> "[SECTION] power_iters".
SettingName toml_setting_names(const std::string& section);

}  // namespace jf::app
