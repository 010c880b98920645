#include "cli/full_binary.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

namespace p2p::cli {

namespace fs = std::filesystem;

bool needs_full_binary(int argc, char** argv) {
  if (argc < 2) return true;
  std::string_view command = argv[1];
  for (std::string_view full_only : {"watch", "serve", "serve-worker", "record", "-h", "--help", "help"})
    if (command == full_only) return true;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a.find("postgresql://") != std::string_view::npos || a.find("postgres://") != std::string_view::npos) return true;
    if (a.starts_with("--pubmed")) return true;
  }
  return false;
}

namespace {

// Where p2pdoc-full may be, for this front: beside it (the build tree), then
// in the installed layout PREFIX/bin/p2pdoc -> PREFIX/libexec/p2pdoc/.
std::vector<fs::path> full_binary_candidates() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  fs::path dir = exe.parent_path();
  return {dir / "p2pdoc-full", (dir.parent_path() / "libexec" / "p2pdoc" / "p2pdoc-full").lexically_normal()};
}

}  // namespace

int run_full_binary(char** argv) {
  std::string looked;
  for (const fs::path& candidate : full_binary_candidates()) {
    ::execv(candidate.c_str(), argv);  // returns only on failure
    looked += (looked.empty() ? "" : ", ") + candidate.string() + " (" + std::strerror(errno) + ")";
  }
  std::cerr << "p2pdoc: this command needs p2pdoc-full (the service, the watcher, PostgreSQL and PubMed live there), "
            << "which was not found: looked at " << (looked.empty() ? std::string("nothing: /proc/self/exe unreadable") : looked)
            << "\n";
  return 1;
}

}  // namespace p2p::cli
