#include "watch/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>

namespace p2p::watch {

namespace {

void write_fd(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    ssize_t n = ::write(fd, s.data() + done, s.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a log that cannot be written must not stop the watcher
    done += static_cast<size_t>(n);
  }
}

constexpr const char* kClearLine = "\r\033[K";

}  // namespace

std::string utc_timestamp() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

Log::~Log() {
  if (fd_ > 2) ::close(fd_);
}

bool Log::open(const std::string& path, std::string& why) {
  path_ = path;
  if (path.empty()) return true;
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) {
    why = path + ": " + std::strerror(errno);
    return false;
  }
  if (fd_ > 2) ::close(fd_);
  fd_ = fd;
  return true;
}

void Log::reopen() {
  std::string why;
  if (!path_.empty()) open(path_, why);  // on failure keep writing to the old file
}

void Log::line(const nlohmann::ordered_json& fields) {
  nlohmann::ordered_json j;
  j["ts"] = utc_timestamp();
  for (auto it = fields.begin(); it != fields.end(); ++it) j[it.key()] = it.value();
  std::string text = j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  if (fd_ == 2)
    put_stderr(text);
  else
    write_fd(fd_, text);
}

void Log::put_stderr(const std::string& text) {
  if (bar_.empty()) return write_fd(2, text);
  write_fd(2, kClearLine + text + bar_);
}

void Log::set_progress(std::string bar) {
  bar_ = std::move(bar);
  write_fd(2, kClearLine + bar_);
}

void Log::clear_progress() {
  if (bar_.empty()) return;
  bar_.clear();
  write_fd(2, kClearLine);
}

void Log::say(const std::string& text) { put_stderr(text + "\n"); }

}  // namespace p2p::watch
