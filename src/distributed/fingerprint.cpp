#include "distributed/fingerprint.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>

#include "core/hash.hpp"
#include "distributed/counter_random.hpp"
#include "jointfact/core/collective.hpp"

namespace jf {

std::string matrix_fingerprint(const DistMatrix& a) {
  unsigned long long sum = 0;
  a.for_each_local([&](int64_t i_gl, int64_t j_gl, double value) {
    uint64_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    sum += counter_hash(bits, 0x5eed, static_cast<uint64_t>(i_gl), static_cast<uint64_t>(j_gl));
  });
  MPI_Allreduce(MPI_IN_PLACE, &sum, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, a.grid().comm());
  return std::to_string(a.rows()) + "x" + std::to_string(a.cols()) + ":" + to_hex(sum);
}

namespace {

// Words of the file hashed with their position, summed: fast enough to be I/O bound.
uint64_t hash_file_bytes(const std::string& path, uint64_t file_index) {
  struct stat status {};
  if (stat(path.c_str(), &status) != 0 || !S_ISREG(status.st_mode)) {  // never open a FIFO: it would block
    return counter_hash(0xf11e, file_index, 1, 0);
  }
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!file) return counter_hash(0xf11e, file_index, 0, 0);
  std::vector<unsigned char> chunk(size_t{1} << 20);
  uint64_t sum = 0, offset = 0;
  size_t got = 0;
  while ((got = std::fread(chunk.data(), 1, chunk.size(), file.get())) > 0) {
    for (size_t at = 0; at < got; at += 8) {
      uint64_t word = 0;
      std::memcpy(&word, chunk.data() + at, std::min<size_t>(8, got - at));
      sum += counter_hash(word, 0xf11e, file_index, offset + at);
    }
    offset += got;
  }
  return sum + counter_hash(offset, 0xf11e, file_index, ~uint64_t{0});  // the length counts too
}

}  // namespace

std::string files_fingerprint(MPI_Comm comm, const std::vector<std::string>& files) {
  std::string text;
  if (comm_rank(comm) == 0) {
    uint64_t sum = 0;
    for (size_t i = 0; i < files.size(); ++i) sum += hash_file_bytes(files[i], i);
    text = to_hex(sum);
  }
  return broadcast_string(comm, text);
}

}  // namespace jf
