#include "sparse/butterfly_chain.hpp"

#include <stdexcept>
#include <string>

namespace jf::sparse {

namespace {

void check_chain(const std::vector<ButterflyPartialProduct>& single_factors, FactorRange range) {
  if (range.first < 1 || range.last > static_cast<int>(single_factors.size()) || range.first > range.last)
    throw std::invalid_argument("butterfly chain: range " + std::to_string(range.first) + ".." +
                                std::to_string(range.last) + " outside the " + std::to_string(single_factors.size()) +
                                " factors");
  for (int t = range.first; t <= range.last; ++t)
    if (single_factors[t - 1].range != FactorRange{t, t})
      throw std::invalid_argument("butterfly chain: entry " + std::to_string(t) + " is not factor F_" +
                                  std::to_string(t));
}

struct PathFront {
  std::vector<std::int64_t> index;  // where each path has arrived
  std::vector<double> value;        // product of the factor entries along it
};

PathFront start_at(std::int64_t index) { return {{index}, {1.0}}; }

}  // namespace

std::vector<double> chain_row(const std::vector<ButterflyPartialProduct>& single_factors, FactorRange range,
                              std::int64_t row) {
  check_chain(single_factors, range);
  const int log2n = single_factors[range.first - 1].log2n;
  PathFront front = start_at(row);
  // Factor t doubles the paths on bit J - t; appending that bit as the lowest digit keeps the
  // path number equal to the slot (the first factor's bit is the slot's highest).
  for (int t = range.first; t <= range.last; ++t) {
    const ButterflyPartialProduct& f = single_factors[t - 1];
    const std::int64_t bit = std::int64_t{1} << (log2n - t);
    PathFront next{std::vector<std::int64_t>(2 * front.index.size()), std::vector<double>(2 * front.index.size())};
    for (std::size_t k = 0; k < front.index.size(); ++k) {
      const std::int64_t x = front.index[k];
      for (int b = 0; b < 2; ++b) {
        const std::int64_t y = b ? (x | bit) : (x & ~bit);
        next.index[2 * k + b] = y;
        next.value[2 * k + b] = front.value[k] * f.at(x, f.slot(y));
      }
    }
    front = std::move(next);
  }
  return front.value;
}

std::vector<double> chain_column(const std::vector<ButterflyPartialProduct>& single_factors, FactorRange range,
                                 std::int64_t col) {
  check_chain(single_factors, range);
  const int log2n = single_factors[range.first - 1].log2n;
  PathFront front = start_at(col);
  for (int t = range.last; t >= range.first; --t) {
    const ButterflyPartialProduct& f = single_factors[t - 1];
    const std::int64_t bit = std::int64_t{1} << (log2n - t);
    PathFront next{std::vector<std::int64_t>(2 * front.index.size()), std::vector<double>(2 * front.index.size())};
    for (std::size_t k = 0; k < front.index.size(); ++k) {
      const std::int64_t y = front.index[k];
      for (int b = 0; b < 2; ++b) {
        const std::int64_t x = b ? (y | bit) : (y & ~bit);
        next.index[2 * k + b] = x;
        next.value[2 * k + b] = f.at(x, f.slot(y)) * front.value[k];
      }
    }
    front = std::move(next);
  }
  // Walking backwards numbers the paths in reversed bit order; place them by their row.
  const std::int64_t mask = free_bit_mask(log2n, range);
  const int low = low_free_bit(log2n, range);
  std::vector<double> column(front.value.size());
  for (std::size_t k = 0; k < front.index.size(); ++k)
    column[static_cast<std::size_t>((front.index[k] & mask) >> low)] = front.value[k];
  return column;
}

}  // namespace jf::sparse
