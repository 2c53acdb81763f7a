#include "jointfact/core/large_allocation.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <new>

namespace jf {
namespace {

constexpr uintptr_t kHugePageBytes = uintptr_t{2} << 20;

uintptr_t round_up(uintptr_t value, uintptr_t multiple) { return (value + multiple - 1) / multiple * multiple; }

uintptr_t page_bytes() {
  static const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  return page;
}

// A mapping of `length` bytes (a multiple of the page size) starting on a huge-page boundary: one huge page
// more is mapped, then the unaligned head and the tail beyond `length` are unmapped.
void* map_aligned(uintptr_t length) {
  void* raw = mmap(nullptr, length + kHugePageBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  const uintptr_t begin = reinterpret_cast<uintptr_t>(raw), end = begin + length + kHugePageBytes;
  const uintptr_t aligned = round_up(begin, kHugePageBytes);
  if (aligned > begin) munmap(raw, aligned - begin);
  if (end > aligned + length) munmap(reinterpret_cast<void*>(aligned + length), end - (aligned + length));
  return reinterpret_cast<void*>(aligned);
}

}  // namespace

void* allocate_storage(size_t bytes) {
  if (bytes < kLargeAllocationBytes) return ::operator new(bytes);
  const uintptr_t length = round_up(bytes, page_bytes());
  void* p = map_aligned(length);
#if defined(MADV_HUGEPAGE)
  madvise(p, length, MADV_HUGEPAGE);  // only a hint: small pages where it is refused
#endif
  return p;
}

void free_storage(void* p, size_t bytes) noexcept {
  if (p == nullptr) return;
  if (bytes < kLargeAllocationBytes) {
    ::operator delete(p);
    return;
  }
  munmap(p, round_up(bytes, page_bytes()));
}

}  // namespace jf
