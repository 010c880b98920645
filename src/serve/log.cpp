#include "serve/log.h"

#include <chrono>
#include <cstring>
#include <ctime>

namespace p2p::serve {

JsonLog::~JsonLog() {
  if (file_) std::fclose(file_);
}

Result<bool> JsonLog::open(const std::string& path) {
  if (path.empty()) return Result<bool>::ok(true);
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (!f) return Result<bool>::fail({error_at("", "cannot open the log " + path + ": " + std::strerror(errno))});
  std::lock_guard lock(mutex_);
  if (file_) std::fclose(file_);
  file_ = f;
  return Result<bool>::ok(true);
}

void JsonLog::write(nlohmann::json event) {
  using namespace std::chrono;
  auto now = system_clock::now();
  std::time_t t = system_clock::to_time_t(now);
  long ms = static_cast<long>(duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char stamp[48];
  std::snprintf(stamp, sizeof stamp, "%s.%03ldZ", buf, ms);
  nlohmann::ordered_json line = {{"time", stamp}};
  for (auto it = event.begin(); it != event.end(); ++it) line[it.key()] = it.value();
  // replace: a stray invalid UTF-8 byte must not throw out of a log call
  std::string text = line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  std::lock_guard lock(mutex_);
  std::FILE* out = file_ ? file_ : stderr;
  std::fwrite(text.data(), 1, text.size(), out);
  std::fflush(out);
}

}  // namespace p2p::serve
