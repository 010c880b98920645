// JsonLog: one JSON object per line, to stderr or appended to a file, each
// stamped with "time" (UTC, milliseconds). Callers put only what an operator
// needs (route, status, ms, case id, file, attempt) and never patient data:
// no names, no case contents, no bodies.
// Thread-safe: lines from several threads never interleave.
#pragma once

#include <cstdio>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "core/diagnostic.h"

namespace p2p::serve {

class JsonLog {
 public:
  JsonLog() = default;  // stderr
  ~JsonLog();
  JsonLog(const JsonLog&) = delete;
  JsonLog& operator=(const JsonLog&) = delete;

  // Appends to `path` from now on ("" keeps stderr). Fails when it cannot be opened.
  Result<bool> open(const std::string& path);
  void write(nlohmann::json event);

 private:
  std::mutex mutex_;
  std::FILE* file_ = nullptr;  // null: stderr
};

}  // namespace p2p::serve
