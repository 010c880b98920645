// Recording a call's outcome (see record.h).
#include "outcome/record.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <utility>

#include "ledger/packet_events.h"
#include "pdf/form_read.h"
#include "pipeline/coverage.h"
#include "pipeline/files.h"

namespace p2p {

using json = nlohmann::json;

namespace {

bool is_case_id(const std::string& s) {
  if (s.empty() || s.size() > 64 || s[0] == '.') return false;
  for (char c : s)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
          c == '-'))
      return false;
  return true;
}

// "2026-11-24T10:30:00-05:00" -> Unix seconds; the event's time. The string
// has passed the case format's date-time rule.
std::optional<long long> epoch_of(const std::string& iso) {
  auto day = parse_date(iso.substr(0, 10));
  int h = 0, m = 0, s = 0;
  if (!day || iso.size() < 16 || std::sscanf(iso.c_str() + 11, "%2d:%2d", &h, &m) != 2) return std::nullopt;
  size_t zone = iso.find_first_of("Z+-", 16);
  if (iso.size() > 17 && iso[16] == ':') std::sscanf(iso.c_str() + 17, "%2d", &s);
  long long east = 0;
  if (zone != std::string::npos && iso[zone] != 'Z') {
    int oh = 0, om = 0;
    std::sscanf(iso.c_str() + zone + 1, "%2d:%2d", &oh, &om);
    east = (iso[zone] == '-' ? -1 : 1) * (oh * 3600LL + om * 60LL);
  }
  return day->days_since_epoch() * 86400LL + h * 3600LL + m * 60LL + s - east;
}

// The case the packet keeps, with the recorded call in place of any earlier one.
struct CaseWithCall {
  std::optional<Case> c;   // nullopt: no case file to regenerate from (a warning says so)
  bool packet_has_call = false;  // the packet on disk already shows this call
};

Result<CaseWithCall> case_with_call(const CallDraft& draft, const json& call, const RecordRequest& req,
                                    const Resources& res, const Env& env, Diagnostics& warnings) {
  std::string file = req.case_file.empty() ? req.out_dir + "/" + req.case_id + "/case.json" : req.case_file;
  CaseWithCall out;
  auto text = read_file(file);
  if (!text) {
    warnings.push_back(warning_at("", "no case file " + file +
                                          ": the call is recorded but the follow-up documents are not regenerated "
                                          "(generate the packet again, or pass the case with --case)"));
    return Result<CaseWithCall>::ok(std::move(out));
  }
  auto doc = parse_case_json(*text);
  if (!doc.is_ok() || !doc.value().is_object())
    return Result<CaseWithCall>::fail({error_at("", file + " is not a case file (JSON object)")});
  json d = doc.take();
  const json id = d.contains("case_id") ? d["case_id"] : json();
  if (id != req.case_id)
    return Result<CaseWithCall>::fail({error_at("", file + " is the case " + id.dump() + ", not " + req.case_id)});
  json recorded = call;
  // What a modified call approved, code by code, has no place on the form:
  // a form saying "modified" keeps what the case already recorded.
  if (d.contains("call") && d["call"].is_object() && d["call"].contains("approved") && !recorded.contains("approved") &&
      recorded.value("disposition", "") == "modified" && d["call"].value("disposition", json()) == "modified")
    recorded["approved"] = d["call"]["approved"];
  out.packet_has_call = d.contains("call") && d["call"] == recorded;
  d["call"] = recorded;
  auto loaded = load_case_checked(d.dump(), res, env);
  Diagnostics of_call, of_case;
  for (const Diagnostic& diag : loaded.diagnostics()) {
    // the call's problems by the reader's names; the case's by their paths in the case file
    if (diag.path == "/call" || diag.path.rfind("/call/", 0) == 0) {
      Diagnostic inner = diag;
      inner.path = diag.path.substr(5);
      of_call.push_back(name_for_reader(draft, inner));
    } else {
      Diagnostic outer = diag;
      outer.message = "in " + file + ": " + outer.message;
      of_case.push_back(outer);
    }
  }
  if (!loaded.is_ok()) {
    of_call.insert(of_call.end(), of_case.begin(), of_case.end());
    return Result<CaseWithCall>::fail(of_call);
  }
  // the case's own warnings were reported when its packet was generated; the
  // call's, by validate_call_record already (the same rules)
  for (const Diagnostic& w : of_call) {
    bool known = false;
    for (const Diagnostic& seen : warnings) known = known || (seen.path == w.path && seen.message == w.message);
    if (!known) warnings.push_back(w);
  }
  out.c = loaded.take();
  return Result<CaseWithCall>::ok(std::move(out));
}

// What the form showed, field by field, for its flattened copy: the values
// exactly as read, not the call made of them (that is the ledger's).
FilledValues filled_values(const std::vector<FormFieldValue>& fields) {
  FilledValues out;
  for (const FormFieldValue& f : fields) {
    FilledValue v;
    if (f.kind == FormFieldValue::Kind::checkbox || f.kind == FormFieldValue::Kind::radio) v.checked = f.on;
    else v.text = f.value;
    out[f.name] = v;
  }
  return out;
}

// The flattened copy of the filled post-call form, under a name that tells
// one call from the next: post-call-record-20261124-1030.pdf (the call's
// start as written on it, in its own time zone), so the records of several
// calls on one case sit side by side in the packet.
Result<GeneratedDocument> filled_copy(const Case& c, const json& call, const FilledValues& filled,
                                      const Resources& res, const Env& env, bool& bad_input) {
  std::string file = "post-call-record.pdf";
  std::string started = call.value("started", "");
  if (started.size() >= 16) {
    std::string stamp = started.substr(0, 4) + started.substr(5, 2) + started.substr(8, 2) + "-" +
                        started.substr(11, 2) + started.substr(14, 2);
    if (std::all_of(stamp.begin(), stamp.end(), [](char ch) { return ch == '-' || (ch >= '0' && ch <= '9'); }))
      file = "post-call-record-" + stamp + ".pdf";
  }
  json values = json::object();
  for (const auto& [name, v] : filled) values[name] = v.text;
  Diagnostics unprintable = check_printable_text(values, *res.printable);
  if (has_errors(unprintable)) {
    bad_input = true;
    for (Diagnostic& d : unprintable) d.path = d.path.substr(1);  // "/reviewer_name" -> the field's name
    return Result<GeneratedDocument>::fail(unprintable);
  }
  return generate_filled_copy(c, "post-call", filled, file, res, env);
}

}  // namespace

std::string case_id_from_title(const std::string& title) {
  const std::string marker = " case ";
  size_t at = title.rfind(marker);
  if (at == std::string::npos) return {};
  std::string id = title.substr(at + marker.size());
  return is_case_id(id) ? id : std::string();
}

namespace {

// record_call, and for a filled form (`filled` set) its flattened copy filed
// in the regenerated packet.
RecordResult record_draft(const CallDraft& draft, const RecordRequest& req, Ledger* ledger, const Resources& res,
                          const Env& env, const FilledValues* filled) {
  auto input = [&](Diagnostics d) { return RecordResult{Result<RecordedCall>::fail(std::move(d)), false, req.case_id}; };
  auto ours = [&](Diagnostics d) { return RecordResult{Result<RecordedCall>::fail(std::move(d)), true, req.case_id}; };
  auto done = [&](RecordedCall r) {
    Diagnostics warnings = r.warnings;
    return RecordResult{Result<RecordedCall>::ok(std::move(r), std::move(warnings)), false, req.case_id};
  };
  auto valid = validate_call_record(draft, env.today);
  if (!valid.is_ok()) return input(valid.diagnostics());
  RecordedCall rec;
  rec.case_id = req.case_id;
  rec.call = valid.value();
  rec.warnings = valid.diagnostics();

  CaseWithCall cw;
  if (req.regenerate) {
    auto found = case_with_call(draft, rec.call, req, res, env, rec.warnings);
    if (!found.is_ok()) return input(found.diagnostics());
    cw = found.take();
  }
  // made before anything is written: a copy that cannot be made writes nothing
  std::optional<GeneratedDocument> copy;
  if (filled && cw.c) {
    bool bad_input = false;
    auto made = filled_copy(*cw.c, rec.call, *filled, res, env, bad_input);
    if (!made.is_ok()) return bad_input ? input(made.diagnostics()) : ours(made.diagnostics());
    copy = made.take();
  }

  if (ledger) {
    Event e;
    e.case_id = req.case_id;
    e.kind = EventKind::call_held;
    e.at = rec.call.contains("started") ? epoch_of(rec.call["started"].get<std::string>()).value_or(env.timestamp)
                                        : env.timestamp;
    e.recorded_by = req.recorded_by;
    e.data = rec.call;
    e.source_key = call_key(rec.call).value_or("");
    auto stored = append_event(*ledger, e);
    if (!stored.is_ok()) return ours(stored.diagnostics());
    rec.already_recorded = !stored.value();
  }
  if (!cw.c || (rec.already_recorded && cw.packet_has_call)) return done(std::move(rec));

  auto packet = req.render ? req.render(*cw.c) : generate_packet(*cw.c, res, env);
  if (!packet.is_ok()) return ours(packet.diagnostics());
  packet.value().warnings = rec.warnings;
  std::string copy_name = copy ? copy->file_name : "";
  if (copy) packet.value().records.push_back(std::move(*copy));
  auto written = write_packet(packet.value(), req.out_dir, env);
  if (!written.is_ok()) return ours(written.diagnostics());
  rec.packet_dir = written.value().dir;
  if (!copy_name.empty()) rec.filed_copy = rec.packet_dir + "/" + copy_name;
  if (ledger) {
    Diagnostics failed = record_packet(*ledger, *cw.c, res, written.value().manifest, req.recorded_by, env);
    if (has_errors(failed)) return ours(failed);
  }
  if (req.written) {
    Diagnostics failed = req.written(*cw.c, packet.value());
    if (has_errors(failed)) return ours(failed);
  }
  return done(std::move(rec));
}

}  // namespace

RecordResult record_call(const CallDraft& draft, const RecordRequest& req, Ledger* ledger, const Resources& res,
                         const Env& env) {
  return record_draft(draft, req, ledger, res, env, nullptr);
}

RecordResult record_call_form(std::string_view pdf, const RecordRequest& req, Ledger* ledger, const Resources& res,
                              const Env& env) {
  auto input = [](Diagnostics d) { return RecordResult{Result<RecordedCall>::fail(std::move(d)), false, ""}; };
  auto form = read_form(pdf);
  if (!form.is_ok()) return input(form.diagnostics());
  RecordRequest r = req;
  if (r.case_id.empty()) r.case_id = case_id_from_title(form.value().title);
  if (r.case_id.empty())
    return input({error_at("", "the form does not say which case it belongs to (its title "
                                                    "lacks \"case <case_id>\"): pass the case id with --case-id")});
  if (!is_case_id(r.case_id)) return input({error_at("", json(r.case_id).dump() + " is not a case id")});
  CallDraft draft = call_from_form(form.value().fields);
  FilledValues filled = filled_values(form.value().fields);
  return record_draft(draft, r, ledger, res, env, &filled);
}

}  // namespace p2p
