// The front binary's heap on transparent huge pages.
//
// On the virtual machines we run on, the first touch of each fresh 4 KB page
// costs 11 to 14 us (the hypervisor backs it), and a one-shot `render brief`
// touched about 300 heap pages: a fifth of its wall time. A 2 MB transparent
// huge page is one fault for all of them (docs/performance.md, "The
// one-shot: page faults, not instructions").
#pragma once

namespace p2p::cli {

// Grows glibc's heap once and asks the kernel for huge pages (MADV_HUGEPAGE)
// on its 2 MB-aligned part, which later allocations then start at. Call at
// the start of main, before much is allocated. Does nothing when malloc is
// not glibc's (a sanitizer's) or the kernel refuses; the cost of being wrong
// is only address space: the memory is touched on use, as before.
void use_huge_pages_for_heap();

}  // namespace p2p::cli
