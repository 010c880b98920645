// `p2pdoc record FILLED.pdf...`: filled post-call forms -> call_held events
// and regenerated packets (outcome/record.h; docs/ledger.md, "Recording
// outcomes"). Single-threaded, like the rest of the CLI.
#pragma once

#include <string>
#include <vector>

namespace p2p::cli {

struct RecordArgs {
  std::vector<std::string> forms;
  std::string out = "out";   // packets live in OUT/<case_id>/
  std::string ledger;        // "" = OUT/p2pdoc.db
  bool no_ledger = false;
  std::string case_file;     // the case to regenerate from (default OUT/<case_id>/case.json)
  std::string case_id;       // when the form's title does not name it
  bool no_regenerate = false;
  std::string root;
  bool pdfa = false;         // the regenerated documents as PDF/A-2b (docs/archival.md)
};

// Exit code: 0 every form recorded (or already recorded), 2 some form
// invalid, 1 the ledger or the packet could not be written.
int run_record(const RecordArgs& a);

}  // namespace p2p::cli
