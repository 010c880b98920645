// Loads the shared fuzz resources once (see fuzz_env.h).
#include "fuzz_env.h"

#include <cstdio>
#include <cstdlib>

#include "pdf/pdf_export.h"

namespace p2p::fuzz {

const Resources& resources() {
  static const Resources loaded = [] {
    const char* root = std::getenv("P2PDOC_ROOT");
    auto r = load_resources(root && *root ? root : P2P_SOURCE_ROOT);
    if (!r.is_ok()) {
      std::fprintf(stderr, "fuzz: cannot load resources: %s\n", r.diagnostics().front().to_string().c_str());
      std::abort();
    }
    return r.take();
  }();
  return loaded;
}

Env fixed_env() { return Env::at(1795435200); }

}  // namespace p2p::fuzz
