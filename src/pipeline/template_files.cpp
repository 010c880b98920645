#include "pipeline/template_files.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "pipeline/files.h"

namespace p2p {

namespace fs = std::filesystem;

namespace {

// Every change that can alter what a path reads as: contents, permissions,
// a file or folder made, removed or renamed, the watched folder itself moved
// or deleted.
constexpr uint32_t kChanges = IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB | IN_CREATE | IN_DELETE | IN_MOVED_FROM |
                              IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF;

std::optional<std::string> read_regular_file(const std::string& path) {
  if (!file_exists(path)) return std::nullopt;
  return read_file(path);
}

}  // namespace

TemplateFiles::TemplateFiles(std::vector<std::string> folders) {
  for (std::string& f : folders)
    if (!f.empty()) folders_.push_back(std::move(f));
  inotify_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  std::lock_guard lock(mutex_);
  watch_all();
}

TemplateFiles::~TemplateFiles() {
  if (inotify_ >= 0) ::close(inotify_);
}

// A watch per folder, the folders found now: called again after any change,
// since a change may be a new folder or a folder moved into place.
void TemplateFiles::watch_all() {
  if (inotify_ < 0) return;
  for (const std::string& top : folders_) {
    std::error_code ec;
    bool ok = ::inotify_add_watch(inotify_, top.c_str(), kChanges) >= 0;
    for (fs::recursive_directory_iterator it(top, ec), end; ok && !ec && it != end; it.increment(ec))
      if (it->is_directory(ec)) ok = ::inotify_add_watch(inotify_, it->path().c_str(), kChanges) >= 0;
    if (!ok || ec) {  // a folder we cannot watch: stop keeping anything
      ::close(inotify_);
      inotify_ = -1;
      kept_.clear();
      return;
    }
  }
}

// Any event at all, or a queue that overflowed, drops everything kept: edits
// are rare, and a whole reload of a few templates costs less than deciding
// which paths an event touches (a renamed folder changes many).
void TemplateFiles::drop_if_changed() {
  if (inotify_ < 0) return;
  alignas(inotify_event) char buf[4096];
  bool changed = false;
  for (;;) {
    ssize_t n = ::read(inotify_, buf, sizeof buf);
    if (n > 0) {
      changed = true;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;  // EAGAIN: nothing more queued
  }
  if (!changed) return;
  kept_.clear();
  watch_all();
}

bool TemplateFiles::inside(const std::string& path) const {
  for (const std::string& top : folders_)
    if (path.size() > top.size() && path.compare(0, top.size(), top) == 0 && path[top.size()] == '/') return true;
  return false;
}

std::optional<std::string> TemplateFiles::read(const std::string& path) {
  std::lock_guard lock(mutex_);
  drop_if_changed();
  if (inotify_ < 0 || !inside(path)) {
    ++disk_reads_;
    return read_regular_file(path);
  }
  if (auto it = kept_.find(path); it != kept_.end()) return it->second;
  ++disk_reads_;
  auto bytes = read_regular_file(path);
  kept_.emplace(path, bytes);
  return bytes;
}

bool TemplateFiles::watching() const {
  std::lock_guard lock(mutex_);
  return inotify_ >= 0;
}

size_t TemplateFiles::disk_reads() const {
  std::lock_guard lock(mutex_);
  return disk_reads_;
}

}  // namespace p2p
