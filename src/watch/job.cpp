#include "watch/job.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "intake/pas_intake.h"
#include "ledger/packet_events.h"
#include "outcome/record.h"
#include "pipeline/files.h"

namespace p2p::watch {

using nlohmann::json;

const char* to_string(Outcome o) {
  switch (o) {
    case Outcome::ok: return "ok";
    case Outcome::invalid: return "invalid";
    case Outcome::error: return "error";
    case Outcome::timeout: return "timeout";
    case Outcome::crash: return "crash";
  }
  return "error";
}

std::optional<Outcome> outcome_from_string(std::string_view s) {
  for (Outcome o : {Outcome::ok, Outcome::invalid, Outcome::error, Outcome::timeout, Outcome::crash})
    if (s == to_string(o)) return o;
  return std::nullopt;
}

namespace {

JobResult failed(Outcome o, Diagnostics d, std::string case_id = "") {
  JobResult r;
  r.outcome = o;
  r.case_id = std::move(case_id);
  r.diagnostics = std::move(d);
  return r;
}

// Reads the whole file through one descriptor, so the size checked is the
// size of the file read.
std::optional<std::string> read_bounded(const std::string& path, long long max_bytes, std::string& why) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    why = std::string("cannot open the file: ") + std::strerror(errno);
    return std::nullopt;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    why = "not a regular file";
    return std::nullopt;
  }
  if (st.st_size > max_bytes) {
    ::close(fd);
    why = "the file is " + std::to_string(st.st_size) + " bytes, more than the " + std::to_string(max_bytes) +
          " allowed (max_size)";
    return std::nullopt;
  }
  std::string text;
  text.resize(static_cast<size_t>(st.st_size));
  size_t got = 0;
  for (;;) {
    if (got == text.size()) text.resize(text.size() + 4096);  // grew since fstat
    ssize_t n = ::read(fd, text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      why = std::string("cannot read the file: ") + std::strerror(errno);
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
    if (static_cast<long long>(got) > max_bytes) {
      ::close(fd);
      why = "the file grew past the " + std::to_string(max_bytes) + " bytes allowed (max_size)";
      return std::nullopt;
    }
  }
  ::close(fd);
  text.resize(got);
  return text;
}

}  // namespace

JobResult process_case_file(const std::string& path, const Resources& res, const std::string& out_dir,
                            long long max_bytes, bool strict, Ledger* ledger, const std::string& ledger_location) {
  std::string why;
  auto text = read_bounded(path, max_bytes, why);
  if (!text) return failed(Outcome::invalid, {error_at("", why)});
  Env env = Env::from_process();
  auto loaded = load_case_checked(*text, res, env);
  if (strict) loaded = refuse_warnings(std::move(loaded));
  if (!loaded.is_ok()) return failed(Outcome::invalid, loaded.diagnostics());
  const Case& c = loaded.value();
  std::optional<TriageHistory> history;
  if (ledger) {
    auto h = triage_history(*ledger, c, res, ledger_location);
    if (!h.is_ok()) return failed(Outcome::error, h.diagnostics(), c.id);
    history = h.take();
  }
  auto packet = generate_packet(c, res, env, history ? &*history : nullptr);
  if (!packet.is_ok()) return failed(Outcome::error, packet.diagnostics(), c.id);
  packet.value().warnings = loaded.diagnostics();
  auto written = write_packet(packet.value(), out_dir, env);
  if (!written.is_ok()) return failed(Outcome::error, written.diagnostics(), c.id);
  if (ledger) {  // packet first, event after
    Diagnostics d = record_packet(*ledger, c, res, written.value().manifest, "watch", env);
    if (!d.empty()) {
      d.push_back(error_at("", "the packet is written; the watcher records it in the ledger when it starts next"));
      return failed(Outcome::error, d, c.id);
    }
  }
  JobResult r;
  r.outcome = Outcome::ok;
  r.case_id = c.id;
  r.documents = static_cast<int>(packet.value().documents.size());
  r.diagnostics = loaded.diagnostics();
  return r;
}

JobResult process_form_file(const std::string& path, const Resources& res, const std::string& out_dir,
                            long long max_bytes, Ledger* ledger) {
  std::string why;
  auto pdf = read_bounded(path, max_bytes, why);
  if (!pdf) return failed(Outcome::invalid, {error_at("", why)});
  RecordRequest req;
  req.out_dir = out_dir;
  req.recorded_by = "watch";
  RecordResult done = record_call_form(*pdf, req, ledger, res, Env::from_process());
  if (!done.outcome.is_ok())
    return failed(done.our_fault ? Outcome::error : Outcome::invalid, done.outcome.diagnostics(), done.case_id);
  const RecordedCall& rc = done.outcome.value();
  JobResult r;
  r.outcome = Outcome::ok;
  r.case_id = rc.case_id;
  r.already_recorded = rc.already_recorded;
  r.diagnostics = done.outcome.diagnostics();
  if (!rc.packet_dir.empty()) {
    auto text = read_file(rc.packet_dir + "/manifest.json");
    json manifest = text ? json::parse(*text, nullptr, false) : json();
    if (manifest.is_object() && manifest.contains("documents") && manifest["documents"].is_array())
      r.documents = static_cast<int>(manifest["documents"].size());
  }
  return r;
}

JobResult process_fhir_file(const std::string& path, const Resources& res, const std::string& out_dir,
                            long long max_bytes, Ledger* ledger) {
  std::string why;
  auto text = read_bounded(path, max_bytes, why);
  if (!text) return failed(Outcome::invalid, {error_at("", why)});
  Env env = Env::from_process();
  auto taken = intake::take_fhir_document(*text, res, env);
  if (!taken.is_ok()) return failed(Outcome::invalid, taken.diagnostics());
  const intake::PasIntake& in = taken.value();
  JobResult r;
  r.case_id = in.case_id;
  r.decision = std::string(fhir::decision_name(in.imported.decision));
  r.diagnostics = in.imported.notes;
  if (in.is_draft()) {
    auto dir = intake::write_draft(in, out_dir, env);
    if (!dir.is_ok()) {
      bool refused = !dir.diagnostics().empty() && dir.diagnostics()[0].path == "/case_id";
      Diagnostics all = r.diagnostics;
      all.insert(all.end(), dir.diagnostics().begin(), dir.diagnostics().end());
      return failed(refused ? Outcome::invalid : Outcome::error, all, in.case_id);
    }
    r.documents = in.sheet ? 2 : 1;
    for (const Diagnostic& d : in.sheet_problems) r.diagnostics.push_back(warning_at(d.path, "preparation sheet not made: " + d.message));
  }
  if (ledger && !in.case_id.empty()) {  // the draft first, the event after
    auto stored = intake::record_intake(*ledger, in, "watch", env);
    if (!stored.is_ok()) {
      Diagnostics all = stored.diagnostics();
      all.push_back(error_at("", "the response was read (and a draft written) but the ledger failed"));
      JobResult f = failed(Outcome::error, all, in.case_id);
      f.decision = r.decision;
      return f;
    }
    r.already_recorded = !stored.value();
  }
  r.outcome = Outcome::ok;
  return r;
}

namespace {

template <typename Json>
Json diagnostics_as(const Diagnostics& ds) {
  Json a = Json::array();
  for (const Diagnostic& d : ds)
    a.push_back({{"severity", d.severity == Severity::error ? "error" : "warning"},
                 {"path", d.path},
                 {"message", d.message}});
  return a;
}

}  // namespace

nlohmann::ordered_json diagnostics_json(const Diagnostics& ds) { return diagnostics_as<nlohmann::ordered_json>(ds); }

json to_json(const JobResult& r) {
  return {{"outcome", to_string(r.outcome)},
          {"case_id", r.case_id},
          {"documents", r.documents},
          {"already_recorded", r.already_recorded},
          {"decision", r.decision},
          {"diagnostics", diagnostics_as<json>(r.diagnostics)}};
}

JobResult job_result_from_json(const json& j) {
  JobResult r;
  auto o = outcome_from_string(j.value("outcome", ""));
  r.outcome = o ? *o : Outcome::error;
  r.case_id = j.value("case_id", "");
  r.documents = j.value("documents", 0);
  r.already_recorded = j.value("already_recorded", false);
  r.decision = j.value("decision", "");
  if (j.contains("diagnostics") && j["diagnostics"].is_array())
    for (const json& d : j["diagnostics"]) {
      Diagnostic x;
      x.severity = d.value("severity", "error") == "warning" ? Severity::warning : Severity::error;
      x.path = d.value("path", "");
      x.message = d.value("message", "");
      r.diagnostics.push_back(std::move(x));
    }
  return r;
}

}  // namespace p2p::watch
