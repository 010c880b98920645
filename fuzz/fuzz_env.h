// What every fuzz target shares: the templates, fonts and rules of the source
// tree, loaded once per process, and the fixed clock the targets run with.
// Not thread-safe on first use (libFuzzer and the replay driver call targets
// from one thread). A missing resource aborts: a fuzz run without templates
// would test nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "pipeline/pipeline.h"

namespace p2p::fuzz {

// Resources under $P2PDOC_ROOT, else the source tree the target was built from.
const Resources& resources();

// 2026-11-23 12:00 UTC, the end-to-end tests' clock: a run never depends on the date.
Env fixed_env();

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace p2p::fuzz
