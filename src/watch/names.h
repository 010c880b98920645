// Watch names: which inbox entries are cases, and the names the watcher gives
// the files it moves or leaves behind. Pure functions over strings: no file
// system access, safe from any thread.
// The rules (docs/watch.md): a case file ends in ".json" and is not hidden;
// temporary names writers use while copying are never claimed. Filled
// post-call forms go into the inbox's `outcomes/` folder, end in ".pdf", and
// travel through the watcher as "outcomes/<name>" (is_form_job).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace p2p::watch {

// True for a name the watcher may claim: "<something>.json", not a dot-file
// (rsync, editors and our own temporaries), not a temporary name
// (".part", ".tmp", "~", ".swp", ".crdownload" anywhere at the end).
bool is_case_file_name(std::string_view name);

// A case file named "<something>.fhir.json": a payer's PAS response, taken
// in as a draft (intake/pas_intake.h) rather than generated as a case.
bool is_fhir_file_name(std::string_view name);

// The same rules for a filled post-call form in INBOX/outcomes/: "<something>.pdf".
bool is_form_file_name(std::string_view name);

// The folder of the inbox that takes filled forms, and the prefix of their job names.
inline constexpr std::string_view kOutcomesFolder = "outcomes";

// "outcomes/x.pdf": a filled form, recorded (outcome/record.h) rather than generated.
bool is_form_job(std::string_view job);

// "x.json" with n = 0 -> "x.json"; n = 3 -> "x.3.json" ("x.pdf" -> "x.3.pdf").
// The numbered form keeps a later file of the same name beside an earlier one
// in done/ or failed/.
std::string numbered_name(std::string_view name, int n);

// The error file beside a failed input: "x.json" -> "x.error.json",
// "x.3.json" -> "x.3.error.json", "x.pdf" -> "x.error.json".
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
