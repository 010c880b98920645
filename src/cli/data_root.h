// Where p2pdoc finds its data (templates/, fonts/, schema/) and a site's
// overlay of templates/ (docs/install.md). Reads the environment and the
// file system only; no state, safe from any thread.
// Data, first found wins: --root DIR (the caller's flag, never seen here),
// $P2PDOC_ROOT, ../share/p2pdoc beside the binary (an installed copy), the
// source tree the binary was built from (a build tree).
#pragma once

#include <string>
#include <vector>

namespace p2p::cli {

struct DataRoot {
  std::string root;                 // "" when nothing was found
  std::vector<std::string> looked;  // each place tried, with where it came from
};

DataRoot find_data_root();

// The overlay for data under `root`: $P2PDOC_SITE_TEMPLATES when set (set
// but empty: none); else, when `root` is the installed copy beside the
// binary, /etc/p2pdoc/templates if that folder exists; else none. A build
// tree never picks up a machine's /etc (the tests stay hermetic).
std::string site_templates_for(const std::string& root);

// "cannot find templates/ and fonts/: looked in ...; pass --root DIR or set P2PDOC_ROOT"
std::string not_found_message(const DataRoot& d);

}  // namespace p2p::cli
