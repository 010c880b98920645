// TemplateFiles: the document templates a long-running process reads for
// every packet, kept in memory and dropped as soon as anything under the
// template folders changes (inotify), so that an edit takes effect with the
// next packet, as it does without it, while an unchanged template costs no
// stat and no read (they were 7 % of a service worker's CPU: a stat of every
// candidate select_template tries, then a read of the chosen file).
// A process that cannot watch (no inotify, or its watches used up) reads
// the disk every time, as before.
// Thread contract: internally locked; shared through Resources by threads.
// Not for a process that forks after making it: parent and child would share
// one inotify queue, and each would miss the events the other read.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace p2p {

class TemplateFiles {
 public:
  // Watches every folder under each of `folders` ("" entries are skipped).
  explicit TemplateFiles(std::vector<std::string> folders);
  ~TemplateFiles();
  TemplateFiles(const TemplateFiles&) = delete;
  TemplateFiles& operator=(const TemplateFiles&) = delete;

  // The bytes of the regular file at `path`; nullopt when there is none or it
  // cannot be read. A path outside the folders is read from disk every time.
  std::optional<std::string> read(const std::string& path);
  bool exists(const std::string& path) { return read(path).has_value(); }

  bool watching() const;
  // Files read from disk so far (tests: a cached read adds nothing).
  size_t disk_reads() const;

 private:
  void drop_if_changed();   // caller holds mutex_
  void watch_all();         // caller holds mutex_
  bool inside(const std::string& path) const;

  std::vector<std::string> folders_;
  mutable std::mutex mutex_;
  int inotify_ = -1;        // -1: not watching, every read goes to disk
  std::map<std::string, std::optional<std::string>> kept_;   // path -> bytes, or nullopt: no such file
  size_t disk_reads_ = 0;
};

}  // namespace p2p
