// Watch inbox: the folder layout and every file-system step of the watcher.
//   INBOX/x.json -> INBOX/working/x.json   claim (rename, never replacing)
//   INBOX/working/x.json -> INBOX/done/x.json or INBOX/failed/x.json (+ x.error.json)
//   INBOX/outcomes/x.pdf -> INBOX/outcomes/working/x.pdf -> outcomes/done/ or outcomes/failed/
//   (filled post-call forms; their names here are "outcomes/x.pdf", names.h)
// Moves never overwrite: a name already taken gets a number ("x.1.json").
// Nothing here deletes an input; the only things removed are our own
// leftovers (staging folders and temporaries of dead processes, crash markers).
// Thread contract: one Inbox per watcher, used from its single thread.
#pragma once

#include <sys/stat.h>

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/diagnostic.h"

namespace p2p::watch {

struct InboxEntry {
  std::string name;
  long long size = 0;
  timespec mtime{};
};

enum class Claim { claimed, busy, gone, failed };

// How a move out of working/ went. `gone`: working/<name> was removed by
// someone else (nothing was written); `failed`: the file system refused (a
// full disk, an I/O error), nothing is left behind and the move may be tried
// again later.
struct MoveResult {
  enum class Status { moved, gone, failed };
  Status status = Status::failed;
  std::string final_name;  // when moved: the name in done/ or failed/
  std::string error;       // when failed or gone: in words
  bool moved() const { return status == Status::moved; }
};

// Whether some process still has a file open for writing, as far as the
// kernel lets us see (a read lease is refused while a writer has it open).
enum class Writers { none, some, unknown };

class Inbox {
 public:
  // Creates INBOX (if missing) and working/, done/, failed/ in it, and the
  // same four in INBOX/outcomes/.
  static Result<Inbox> open(const std::string& dir);

  const std::string& dir() const { return dir_; }
  // A name is "x.json" (a case) or "outcomes/x.pdf" (a filled form).
  std::string inbox_path(const std::string& name) const;
  std::string working_path(const std::string& name) const;

  // Case files (is_case_file_name, regular files) and filled forms in
  // outcomes/ (is_form_file_name, as "outcomes/<name>"), oldest first. Fails
  // when a folder cannot be read.
  Result<std::vector<InboxEntry>> scan_inbox() const;
  Result<std::vector<InboxEntry>> scan_working() const;

  // rename INBOX/name -> working/name unless working/name exists (busy: the
  // same name is still in work) or INBOX/name went away (gone).
  Claim claim(const std::string& name) const;

  // Moves working/name to done/ under the first free numbered name (for a
  // form: outcomes/working/ to outcomes/done/; final_name is the name in
  // that folder).
  MoveResult finish_done(const std::string& name) const;

  // Writes failed/<final>.error.json (`error`, pretty-printed), then moves
  // working/name to failed/<final>. When the move does not happen the error
  // file just written is removed again: never an error file without its input
  // (only a crash between the two steps can leave one, and the next final
  // name is then taken).
  MoveResult finish_failed(const std::string& name, const nlohmann::ordered_json& error) const;

  // Worker crashes seen on working/name, kept in working/.<name>.crashes so a
  // restart does not forget them.
  int crashes(const std::string& name) const;
  void record_crashes(const std::string& name, int n) const;
  void clear_crashes(const std::string& name) const;

  Writers writers(const std::string& name) const;

  // Removes write_file_atomic temporaries of dead processes in working/ and
  // failed/. Returns how many.
  int remove_stale_temporaries() const;

  // Blocks (up to `wait_s`) for the exclusive lock INBOX/.p2pdoc-watch.lock,
  // which this process and its workers hold while they run: a second watcher
  // on the same inbox is refused, and a restart waits for the workers of a
  // killed one to be gone. Returns the descriptor, or -1.
  int lock(double wait_s) const;

 private:
  // "x.json" -> INBOX; "outcomes/x.pdf" -> INBOX/outcomes. And the name in it.
  std::string folder_of(const std::string& name) const;
  static std::string leaf_of(const std::string& name);

  std::string dir_;
};

// Removes OUT/.staging-* folders whose writer process is gone (a crash in
// write_packet). Returns how many.
int remove_stale_staging(const std::string& out_dir);

// Renames `from` to `to` only when `to` does not exist (renameat2
// RENAME_NOREPLACE). errno is set on failure (EEXIST when taken).
bool rename_no_replace(const std::string& from, const std::string& to);

// mkdir -p with mode 0750 for the folders created. Fails naming the folder.
Result<bool> make_folders(const std::string& path);

}  // namespace p2p::watch
