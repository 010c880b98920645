// Watch: batch generation from a watched folder that never loses a case.
// `watch_inbox` claims case files dropped into INBOX (atomic rename into
// INBOX/working/), has a pool of worker processes generate their packets into
// OUT/<case_id>/, then moves each input to INBOX/done/ or INBOX/failed/ (with
// <name>.error.json). Filled post-call forms dropped into INBOX/outcomes/
// take the same way through outcomes/working/, outcomes/done/ and
// outcomes/failed/, and are recorded like `p2pdoc record` records them
// (outcome/record.h). Nothing is ever deleted; after a crash or kill -9 a
// restart processes everything left in working/ again. docs/watch.md is the
// operator's manual; this header is the programmer's.
// Thread contract: watch_inbox forks, so call it from a single-threaded
// process (the CLI does); it owns the process's signal handling while it runs.
#pragma once

#include <string>
#include <string_view>

#include "core/diagnostic.h"
#include "pipeline/pipeline.h"

namespace p2p::watch {

// Every setting, with its default. The config file uses the names in
// comments ("key = value" lines); command-line flags override the file.
struct WatchConfig {
  std::string inbox;               // inbox: the watched folder
  std::string out;                 // out: packets go to OUT/<case_id>/
  std::string root;                // root: folder holding templates/ and fonts/
  std::string log;                 // log: append JSON log lines here ("" = stderr)
  std::string ledger;              // ledger: file or postgresql:// URI ("" = OUT/p2pdoc.db; docs/ledger.md)
  bool no_ledger = false;          // no_ledger: true records nothing
  int workers = 0;                 // workers: worker processes; 0 = one per usable CPU
  bool once = false;               // once: drain the inbox and exit
  double timeout_s = 120;          // timeout: seconds one case may take before its worker is killed
  int quiet_period_ms = 1000;      // quiet_period: a scanned file must be unchanged this long
  double rescan_s = 5;             // rescan_interval: seconds between safety-net scans
  long long max_bytes = 16 << 20;  // max_size: larger inputs fail without being read
  int max_crashes = 2;             // max_crashes: worker crashes on one case before it fails
  bool strict = false;             // strict: a case with warnings fails (failed/ with its error file)
  bool pdfa = false;               // pdfa: archival PDF/A-2b (Resources::output_intent)
};

// Reads "key = value" lines over `base`: '#' starts a comment, blank lines are
// skipped, a key may be spelled with '-' or '_'. Fails naming the line of each
// unknown key or bad value (`source` names the file in messages).
Result<WatchConfig> parse_watch_config(std::string_view text, WatchConfig base, const std::string& source);

// parse_watch_config on a file. Fails when it cannot be read.
Result<WatchConfig> load_watch_config(const std::string& path, WatchConfig base);

// The rules a complete configuration must meet (inbox and out set and
// different, positive limits). Empty when it is usable.
Diagnostics check_watch_config(const WatchConfig& c);

// Runs the watcher until SIGTERM/SIGINT (or, with `once`, until the inbox and
// working/ are empty). `res` is loaded once here and shared with the workers
// copy-on-write; SIGHUP reloads it from c.root. Returns the process exit code:
// 0 (stopped cleanly; with `once`, every case ok), 2 (`once`: some input
// invalid), 1 (setup failed, or `once`: some case failed for another reason).
int watch_inbox(const WatchConfig& c, Resources res);

}  // namespace p2p::watch
