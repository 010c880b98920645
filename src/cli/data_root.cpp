#include "cli/data_root.h"

#include <cstdlib>
#include <filesystem>

namespace p2p::cli {

namespace fs = std::filesystem;

namespace {

constexpr const char* kSiteTemplates = "/etc/p2pdoc/templates";

// A data folder has templates/packet.json; a folder without it would fail later with a less useful message.
bool holds_data(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "templates" / "packet.json", ec);
}

// PREFIX/share/p2pdoc for the running binary, symbolic links resolved
// (bin/p2pdoc may be a link): PREFIX/bin/p2pdoc, or the full binary the
// front execs, PREFIX/libexec/p2pdoc/p2pdoc-full (cli/full_binary.h).
fs::path beside_binary() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  fs::path dir = exe.parent_path();
  fs::path prefix = dir.parent_path();
  if (dir.filename() == "p2pdoc" && prefix.filename() == "libexec") prefix = prefix.parent_path();
  return (prefix / "share" / "p2pdoc").lexically_normal();
}

}  // namespace

std::string site_templates_for(const std::string& root) {
  if (const char* s = std::getenv("P2PDOC_SITE_TEMPLATES")) return s;
  std::error_code ec;
  fs::path installed = beside_binary();
  bool is_installed = !installed.empty() && fs::equivalent(root, installed, ec);
  return is_installed && fs::is_directory(kSiteTemplates, ec) ? kSiteTemplates : "";
}

DataRoot find_data_root() {
  DataRoot d;
  if (const char* r = std::getenv("P2PDOC_ROOT")) {  // asked for: used even when wrong, so the error names it
    d.root = r;
    return d;
  }
  d.looked.push_back("$P2PDOC_ROOT (not set)");
  fs::path installed = beside_binary();
  if (!installed.empty()) {
    if (holds_data(installed)) {
      d.root = installed.string();
      return d;
    }
    d.looked.push_back(installed.string() + " (beside the binary)");
  }
#ifdef P2P_SOURCE_ROOT
  if (holds_data(P2P_SOURCE_ROOT)) {
    d.root = P2P_SOURCE_ROOT;
    return d;
  }
  d.looked.push_back(std::string(P2P_SOURCE_ROOT) + " (the source tree it was built from)");
#endif
  return d;
}

std::string not_found_message(const DataRoot& d) {
  std::string m = "cannot find templates/ and fonts/: looked in ";
  for (size_t i = 0; i < d.looked.size(); ++i) m += (i ? ", " : "") + d.looked[i];
  return m + "; pass --root DIR or set P2PDOC_ROOT";
}

}  // namespace p2p::cli
