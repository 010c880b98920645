#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "cli/huge_heap.h"

#include <cstdint>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define P2P_HAS_ASAN 1
#endif
#endif
#ifndef P2P_HAS_ASAN
#define P2P_HAS_ASAN 0
#endif

namespace {

// The mapping (from /proc/self/smaps) that holds `address`: its range and
// its VmFlags line; an empty `flags` when none holds it.
struct Mapping {
  uintptr_t from = 0, to = 0;
  std::string flags;
};

Mapping mapping_at(uintptr_t address) {
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  Mapping m;
  bool inside = false;
  while (std::getline(smaps, line)) {
    uintptr_t from = 0, to = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> from >> dash >> to && dash == '-') {
      inside = from <= address && address < to;
      if (inside) m.from = from, m.to = to;
    } else if (inside && line.rfind("VmFlags:", 0) == 0) {
      m.flags = line;
      return m;
    }
  }
  return m;
}

}  // namespace

TEST_CASE("after use_huge_pages_for_heap, small allocations land on memory marked for huge pages") {
#if defined(__SANITIZE_ADDRESS__) || P2P_HAS_ASAN
  MESSAGE("AddressSanitizer's malloc is not glibc's: nothing to check");
  return;
#endif
  p2p::cli::use_huge_pages_for_heap();
  std::vector<std::unique_ptr<char[]>> blocks;
  for (int i = 0; i < 2000; ++i) blocks.emplace_back(new char[200]);  // 400 KB, as a one-shot's heap grows
  Mapping last = mapping_at(reinterpret_cast<uintptr_t>(blocks.back().get()));
  if (last.flags.empty()) {
    MESSAGE("no /proc/self/smaps here");
    return;
  }
  // Without the kernel's transparent huge pages madvise fails and the heap stays as it was.
  std::ifstream thp("/sys/kernel/mm/transparent_hugepage/enabled");
  if (!thp) {
    MESSAGE("this kernel has no transparent huge pages");
    return;
  }
  CHECK_MESSAGE(last.flags.find(" hg") != std::string::npos, "the newest block is on memory marked for huge pages: " << last.flags);
  CHECK_MESSAGE(last.from % (uintptr_t{2} << 20) == 0, "the marked part starts on a 2 MB boundary");
  // Blocks the test runner freed before are reused first; the rest, nearly
  // all, come from the marked part.
  size_t marked = 0;
  for (const auto& b : blocks) {
    auto at = reinterpret_cast<uintptr_t>(b.get());
    if (last.from <= at && at < last.to) ++marked;
  }
  CHECK_MESSAGE(marked * 10 >= blocks.size() * 9, marked << " of " << blocks.size() << " blocks are on the marked part");
}
