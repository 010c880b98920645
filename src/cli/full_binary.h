// The front and the full binary. `p2pdoc` (the front) is built without the
// parts a one-shot document command never uses: the HTTP server and client
// (cpp-httplib, libcurl and what they load: GnuTLS, Kerberos, LDAP, SSH ...),
// PostgreSQL's libpq, and PoDoFo (about 20 libraries with its own), which only
// reading a PDF needs: `record` reads filled post-call forms; every PDF is
// written by our own writer (pdf/object_writer.h). Loading and relocating those 25-odd shared
// libraries cost more than making a brief (docs/performance.md, "A fast
// one-shot"). Commands and options that need them run in `p2pdoc-full`, the
// same command line built with everything, which the front execs with the
// arguments unchanged: same process id, same exit code, so people, scripts
// and systemd units only ever call `p2pdoc`.
// p2pdoc-full sits beside the front in the build tree and in
// PREFIX/libexec/p2pdoc/ when installed.
#pragma once

namespace p2p::cli {

// True when the command line needs p2pdoc-full: `watch`, `serve`,
// `serve-worker`, `record` (it reads PDFs: PoDoFo), the top-level help
// (which lists every command), a PostgreSQL ledger (postgresql:// or postgres:// anywhere in the
// arguments) or a PubMed option (--pubmed, --pubmed-base, --pubmed-cache).
bool needs_full_binary(int argc, char** argv);

// Replaces this process with p2pdoc-full running `argv`. Returns only when
// it cannot: then it has said on stderr where it looked, and the result is
// the exit code (1).
int run_full_binary(char** argv);

}  // namespace p2p::cli
