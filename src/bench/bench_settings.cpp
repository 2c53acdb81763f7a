#include "bench/bench_settings.hpp"

#include <cctype>

#include "jointfact/core/error.hpp"

namespace jf::bench {
namespace {

// A positive decimal integer that fills the whole text; -1 otherwise.
int64_t parse_positive(const std::string& text) {
  if (text.empty() || text.size() > 12) return -1;
  int64_t value = 0;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return -1;
    value = value * 10 + (c - '0');
  }
  return value >= 1 ? value : -1;
}

}  // namespace

MatrixSize MatrixSize::parse(const std::string& text) {
  const size_t x = text.find_first_of("xX");
  MatrixSize size;
  size.rows = parse_positive(text.substr(0, x));
  size.cols = x == std::string::npos ? size.rows : parse_positive(text.substr(x + 1));
  if (size.rows < 1 || size.cols < 1) {
    throw InputError("bench size '" + text + "' is not ROWSxCOLS or N with positive integers (e.g. 4000x3000 or 1024)");
  }
  return size;
}

}  // namespace jf::bench
