#pragma once
// Storage for large arrays such as a matrix's local part. From kLargeAllocationBytes up, the memory is mapped
// on its own, 2 MiB-aligned, and marked for transparent huge pages (madvise(MADV_HUGEPAGE)): its first touch
// then faults one 2 MiB page where it would fault 512 small ones, and freeing it unmaps as few. The mapping
// is not rounded up to a whole huge page, so that the pages it maps stay within a few KiB of the bytes asked
// for. Where the kernel refuses the hint (no THP, mode "never"), the memory is the same, in 4 KiB pages.
// Smaller arrays come from operator new. Either way the memory is uninitialised (the kernel's zeroed pages
// for a large one).
#include <cstddef>

namespace jf {

constexpr size_t kLargeAllocationBytes = size_t{4} << 20;

// `bytes` of memory aligned for any type; throws std::bad_alloc when it cannot be had.
void* allocate_storage(size_t bytes);
// Frees what allocate_storage(bytes) returned, with the same `bytes`; p may be null.
void free_storage(void* p, size_t bytes) noexcept;

}  // namespace jf
