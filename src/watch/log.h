// Watch log: one JSON object per line ("ts" first), on stderr or appended to
// a file, and the --once progress bar on a terminal. Callers put case ids,
// file names, outcomes, counts and times in a line, never case content:
// diagnostics (which may quote a value) go only to the error file.
// Thread contract: the watcher's thread only. Each line is one write(2), so
// lines from a restarted watcher never interleave mid-line.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace p2p::watch {

// "2026-11-23T13:29:00.123Z"
std::string utc_timestamp();

class Log {
 public:
  Log() = default;
  ~Log();
  Log(const Log&) = delete;
  Log& operator=(const Log&) = delete;

  // "" = stderr. Fails (false, with the reason) when the file cannot be opened.
  bool open(const std::string& path, std::string& why);
  // Opens the file again (after logrotate moved it): SIGHUP.
  void reopen();

  // Writes {"ts": ..., fields...}.
  void line(const nlohmann::ordered_json& fields);

  // Shows the bar (stderr must be a terminal), redrawn around log lines.
  void set_progress(std::string bar);
  void clear_progress();
  // A plain line on stderr (the --once summary), below the bar.
  void say(const std::string& text);

 private:
  void put_stderr(const std::string& text);
  std::string path_;
  int fd_ = 2;
  std::string bar_;
};

}  // namespace p2p::watch
