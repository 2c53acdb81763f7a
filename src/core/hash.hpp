#pragma once
// Stable 64-bit hashes (FNV-1a) for config hashes and fingerprints: the same on every build and rank.
#include <cstdint>
#include <string>

namespace jf {

uint64_t fnv1a64(const std::string& text, uint64_t seed = 0xcbf29ce484222325ULL);
std::string to_hex(uint64_t value);

}  // namespace jf
