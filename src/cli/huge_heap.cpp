#include "cli/huge_heap.h"

#include <malloc.h>
#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>

namespace p2p::cli {

void use_huge_pages_for_heap() {
  constexpr size_t kHuge = size_t{2} << 20;
  // Large blocks from the heap (not mmap, whose every block is fresh pages),
  // and no trimming of the heap's top while it holds the huge pages.
  if (mallopt(M_MMAP_THRESHOLD, 16 << 20) != 1 || mallopt(M_TRIM_THRESHOLD, 64 << 20) != 1) return;
  // One block grows the heap (brk) by 12 MB; its 8 MB from the first 2 MB
  // boundary on are marked for huge pages.
  void* block = std::malloc(6 * kHuge);
  if (block == nullptr) return;
  uintptr_t start = reinterpret_cast<uintptr_t>(block);
  uintptr_t aligned = (start + kHuge - 1) & ~(kHuge - 1);
  bool marked = ::madvise(reinterpret_cast<void*>(aligned), 4 * kHuge, MADV_HUGEPAGE) == 0;
  std::free(block);  // back to the heap's top, untouched
  if (!marked) return;
  // The part below the boundary stays allocated (and so never touched), so
  // the allocations that follow begin on the huge pages. Volatile: a block
  // nobody reads is one the compiler may leave unallocated.
  [[maybe_unused]] static void* volatile below_boundary = nullptr;
  if (aligned - start > 64) below_boundary = std::malloc(aligned - start - 32);
}

}  // namespace p2p::cli
