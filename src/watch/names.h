// Watch names: which inbox entries are cases, and the names the watcher gives
// the files it moves or leaves behind. Pure functions over strings: no file
// system access, safe from any thread.
// The rules (docs/watch.md): a case file ends in ".json" and is not hidden;
// temporary names writers use while copying are never claimed.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace p2p::watch {

// True for a name the watcher may claim: "<something>.json", not a dot-file
// (rsync, editors and our own temporaries), not a temporary name
// (".part", ".tmp", "~", ".swp", ".crdownload" anywhere at the end).
bool is_case_file_name(std::string_view name);

// "x.json" with n = 0 -> "x.json"; n = 3 -> "x.3.json". The numbered form keeps
// a later file of the same name beside an earlier one in done/ or failed/.
std::string numbered_name(std::string_view name, int n);

// The error file beside a failed input: "x.json" -> "x.error.json",
// "x.3.json" -> "x.3.error.json".
std::string error_file_name(std::string_view name);

// The crash counter kept beside a claimed file: "x.json" -> ".x.json.crashes"
// (a dot-file, so it is never taken for a case).
std::string crash_marker_name(std::string_view name);

// The process that made a leftover of an atomic write, from its name:
// write_packet's staging folders ".staging-<case_id>-<pid>-<n>" and
// write_file_atomic's temporaries "<name>.tmp-<pid>-<n>". nullopt for any
// other name, so only these two forms are ever cleaned up.
std::optional<long> staging_owner(std::string_view name);
std::optional<long> temporary_owner(std::string_view name);

}  // namespace p2p::watch
