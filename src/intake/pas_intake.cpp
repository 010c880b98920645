// Intake of a PAS response (pas_intake.h).
#include "intake/pas_intake.h"

#include <unistd.h>

#include <atomic>
#include <cctype>

#include "case/case.h"
#include "ledger/queue.h"
#include "pipeline/files.h"
#include "pipeline/preparation_sheet.h"

#ifndef P2P_VERSION
#define P2P_VERSION "0.1.0"
#endif

namespace p2p::intake {

namespace {

using json = nlohmann::json;

std::string text_of(const json& v, const char* key) {
  if (!v.is_object()) return "";
  auto it = v.find(key);
  return it != v.end() && it->is_string() ? it->get<std::string>() : std::string();
}

const json& array_of(const json& v, const char* key) {
  static const json empty = json::array();
  if (!v.is_object()) return empty;
  auto it = v.find(key);
  return it != v.end() && it->is_array() ? *it : empty;
}

bool url_ends(const std::string& url, const std::string& name) {
  return url == name || url.ends_with("/extension-" + name) || url.ends_with("/" + name);
}

// The first ClaimResponse of a response document (a Bundle or the resource).
const json* claim_response_in(const json& doc) {
  if (text_of(doc, "resourceType") == "ClaimResponse") return &doc;
  for (const json& e : array_of(doc, "entry"))
    if (e.is_object() && e.contains("resource") && text_of(e["resource"], "resourceType") == "ClaimResponse")
      return &e["resource"];
  return nullptr;
}

// The response's reference, in the importer's order (docs/fhir.md,
// denial.reference_number): preAuthRef, an item's review number, an item's
// administration reference, the first identifier.
std::string reference_of(const json& cr) {
  if (std::string pre = text_of(cr, "preAuthRef"); !pre.empty()) return pre;
  std::string admin;
  for (const json& item : array_of(cr, "item")) {
    for (const json& adj : array_of(item, "adjudication"))
      for (const json& ext : array_of(adj, "extension"))
        if (url_ends(text_of(ext, "url"), "reviewAction"))
          for (const json& sub : array_of(ext, "extension"))
            if (text_of(sub, "url") == "number" && !text_of(sub, "valueString").empty()) return text_of(sub, "valueString");
    for (const json& ext : array_of(item, "extension"))
      if (admin.empty() && url_ends(text_of(ext, "url"), "administrationReferenceNumber")) admin = text_of(ext, "valueString");
  }
  if (!admin.empty()) return admin;
  const json& ids = array_of(cr, "identifier");
  return ids.empty() ? std::string() : text_of(ids[0], "value");
}

// "pas-" + the reference with every character outside [A-Za-z0-9._-] as '-'
// (the importer's case id).
std::string case_id_of(const std::string& reference) {
  if (reference.empty()) return "";
  std::string id = "pas-";
  for (char c : reference) id += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-') ? c : '-';
  return id.substr(0, 64);
}

// A FHIRPath location read inside a part of the posted document, made a
// location from the document's root: the part's own root ("Bundle",
// "ClaimResponse") is replaced by where the part sits.
std::string located_under(const std::string& prefix, const std::string& path) {
  if (prefix.empty()) return path;
  if (path.empty()) return prefix;
  if (!std::isupper(static_cast<unsigned char>(path[0]))) return prefix + "." + path;
  std::size_t end = path.find_first_of(".[");
  return prefix + (end == std::string::npos ? std::string() : path.substr(end));
}

struct Parts {
  std::string response_at, request_at;  // "" when the whole document is the response
};

std::string relocate(const Parts& parts, const std::string& path) {
  if (path.starts_with("request:")) return located_under(parts.request_at, path.substr(8));
  return located_under(parts.response_at, path);
}

void relocate_all(PasIntake& in, const Parts& parts) {
  if (parts.response_at.empty()) return;
  for (Diagnostic& d : in.imported.notes) d.path = relocate(parts, d.path);
  for (std::string& e : in.imported.errors) {
    std::size_t colon = e.find(": ");
    if (colon != std::string::npos) e = relocate(parts, e.substr(0, colon)) + e.substr(colon);
  }
  if (in.imported.draft.is_object() && in.imported.draft.contains("draft")) {
    auto& meta = in.imported.draft["draft"];
    nlohmann::ordered_json notes = nlohmann::ordered_json::array();
    for (const Diagnostic& n : in.imported.notes) notes.push_back(n.path + ": " + n.message);
    meta["notes"] = notes;
    const std::string lead = "Da Vinci PAS ClaimResponse ";
    if (meta.contains("source") && meta["source"].is_string() && meta["source"].get<std::string>().starts_with(lead))
      meta["source"] = lead + relocate(parts, meta["source"].get<std::string>().substr(lead.size()));
    if (meta.contains("request") && meta["request"].is_string())
      meta["request"] = relocate(parts, meta["request"].get<std::string>());
  }
}

json plain(const nlohmann::ordered_json& o) { return json::parse(o.dump()); }

Result<PasIntake> read_only(Result<fhir::PasImport> imported, const json& response) {
  if (!imported.is_ok()) return Result<PasIntake>::fail(imported.diagnostics());
  PasIntake in;
  in.imported = imported.take();
  if (const json* cr = claim_response_in(response)) {
    in.created = text_of(*cr, "created");
    in.case_id = case_id_of(reference_of(*cr));
  }
  if (in.is_draft()) in.case_id = text_of(plain(in.imported.draft), "case_id");
  return Result<PasIntake>::ok(std::move(in));
}

Result<PasIntake> finish(Result<fhir::PasImport> imported, const json& response, const Resources& res, const Env& env) {
  auto in = read_only(std::move(imported), response);
  if (!in.is_ok()) return in;
  if (auto d = prepare_draft(in.value(), res, env); has_errors(d)) return Result<PasIntake>::fail(d);
  return in;
}

bool holds_type(const json& bundle, const char* type) {
  if (text_of(bundle, "resourceType") == type) return true;
  for (const json& e : array_of(bundle, "entry"))
    if (e.is_object() && e.contains("resource") && text_of(e["resource"], "resourceType") == type) return true;
  return false;
}

}  // namespace

Diagnostics prepare_draft(PasIntake& in, const Resources& res, const Env& env) {
  if (!in.is_draft()) return {};
  json draft = plain(in.imported.draft);
  in.case_id = text_of(draft, "case_id");
  auto deadlines = draft_deadlines(draft, res, env);
  if (!deadlines.is_ok()) return deadlines.diagnostics();
  in.deadlines = deadlines.take();
  in.sheet.reset();
  in.sheet_problems.clear();
  auto sheet = render_preparation_sheet(draft, res, env);
  if (sheet.is_ok()) in.sheet = sheet.take();
  else in.sheet_problems = sheet.diagnostics();
  return {};
}

Result<fhir::ClinicalCodes> clinical_codes(const Resources& res) {
  std::string file = res.templates_dir + "/knowledge/clinical_codes.json";
  auto text = read_file(file);
  if (!text) return Result<fhir::ClinicalCodes>::fail({error_at("", "cannot read " + file)});
  auto table = parse_case_json(*text);
  if (!table.is_ok()) return Result<fhir::ClinicalCodes>::fail(table.diagnostics());
  return fhir::read_clinical_codes(table.value());
}

Result<PasIntake> read_pas(std::string_view response, std::optional<std::string_view> request, const Env& env) {
  auto parsed = parse_bounded_json(response, fhir::kMaxPasBytes);
  if (!parsed.is_ok()) return Result<PasIntake>::fail(parsed.diagnostics());
  std::optional<json> req;
  if (request) {
    auto r = parse_bounded_json(*request, fhir::kMaxPasBytes);
    if (!r.is_ok()) {
      Diagnostics ds = r.diagnostics();
      for (Diagnostic& d : ds) d.path = "request:" + d.path;
      return Result<PasIntake>::fail(ds);
    }
    req = r.take();
  }
  return read_only(fhir::import_pas_json(parsed.value(), req ? &*req : nullptr, env.today), parsed.value());
}

Result<PasIntake> take_pas(std::string_view response, std::optional<std::string_view> request, const Resources& res,
                           const Env& env) {
  auto in = read_pas(response, request, env);
  if (!in.is_ok()) return in;
  if (auto d = prepare_draft(in.value(), res, env); has_errors(d)) return Result<PasIntake>::fail(d);
  return in;
}

Result<PasIntake> take_fhir_document(std::string_view text, const Resources& res, const Env& env) {
  using R = Result<PasIntake>;
  auto parsed = parse_bounded_json(text, fhir::kMaxPasBytes);
  if (!parsed.is_ok()) return R::fail(parsed.diagnostics());
  const json& doc = parsed.value();
  // Bundles inside a collection: pick the response and the request apart.
  const json& entries = array_of(doc, "entry");
  bool nested = false;
  for (const json& e : entries)
    if (e.is_object() && e.contains("resource") && text_of(e["resource"], "resourceType") == "Bundle") nested = true;
  if (!nested) return finish(fhir::import_pas_json(doc, nullptr, env.today), doc, res, env);

  Parts parts;
  const json* response = nullptr;
  const json* request = nullptr;
  const json* clinical = nullptr;
  std::string clinical_at;
  Diagnostics errors, notes;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const json* r = entries[i].is_object() && entries[i].contains("resource") ? &entries[i]["resource"] : nullptr;
    std::string at = "Bundle.entry[" + std::to_string(i) + "].resource";
    if (!r || !r->is_object()) {
      errors.push_back(error_at("Bundle.entry[" + std::to_string(i) + "]", "has no resource"));
      continue;
    }
    if (holds_type(*r, "ClaimResponse")) {
      if (response) errors.push_back(error_at(at, "a second response (ClaimResponse): send one response at a time"));
      response = r;
      parts.response_at = at;
    } else if (holds_type(*r, "Claim")) {
      if (request) errors.push_back(error_at(at, "a second request (Claim): send the request the response answers"));
      request = r;
      parts.request_at = at;
    } else if (text_of(*r, "resourceType") == "Bundle") {
      if (clinical) errors.push_back(error_at(at, "a second clinical bundle: send the patient's record once"));
      clinical = r;
      clinical_at = at;
    } else {
      notes.push_back(warning_at(at, "a " + text_of(*r, "resourceType") + " beside the bundles: ignored"));
    }
  }
  if (!response) errors.push_back(error_at("Bundle.entry", "holds no PAS response: a Bundle (or entry) with a ClaimResponse"));
  if (!errors.empty()) return R::fail(errors);
  auto imported = fhir::import_pas_json(*response, request, env.today);
  if (!imported.is_ok()) {
    Diagnostics ds = imported.diagnostics();
    for (Diagnostic& d : ds) d.path = relocate(parts, d.path);
    return R::fail(ds);
  }
  auto in = read_only(std::move(imported), *response);
  if (!in.is_ok()) return in;
  relocate_all(in.value(), parts);
  PasIntake& out = in.value();
  // the EHR's record of the patient: proposed lines (fhir/prefill.h), before the sheet is made
  if (clinical && out.is_draft()) {
    auto codes = clinical_codes(res);
    if (!codes.is_ok()) return R::fail(codes.diagnostics());
    auto filled = fhir::prefill_clinical_json(out.imported, *clinical, codes.value());
    if (!filled.is_ok()) {
      Diagnostics ds = filled.diagnostics();
      for (Diagnostic& d : ds) d.path = located_under(clinical_at, d.path);
      return R::fail(ds);
    }
    for (Diagnostic d : filled.value().notes) {
      d.path = located_under(clinical_at, d.path);
      notes.push_back(d);
    }
  }
  out.imported.notes.insert(out.imported.notes.end(), notes.begin(), notes.end());
  if (auto d = prepare_draft(out, res, env); has_errors(d)) return R::fail(d);
  return in;
}

json draft_manifest(const PasIntake& in, const Env& env) {
  json gaps = json::array();
  for (const DraftItem& g : in.imported.to_complete) gaps.push_back({{"path", g.path}, {"what", g.what}});
  json notes = json::array();
  for (const Diagnostic& n : in.imported.notes) notes.push_back({{"path", n.path}, {"message", n.message}});
  json docs = json::array();
  docs.push_back({{"kind", "draft"}, {"format", "json"}, {"file", "case.draft.json"}});
  if (in.sheet)
    docs.push_back({{"kind", in.sheet->kind},
                    {"format", "pdf"},
                    {"file", in.sheet->file_name},
                    {"template", "templates/" + in.sheet->template_choice.chosen},
                    {"pages", in.sheet->pages},
                    {"bytes", in.sheet->pdf.size()},
                    {"sha256", sha256_hex(in.sheet->pdf)},
                    {"content_sha256", in.sheet->content_sha256}});
  json m = {{"case_id", in.case_id},
            {"status", "draft"},
            {"decision", std::string(fhir::decision_name(in.imported.decision))},
            {"summary", in.imported.summary},
            {"generator", std::string("p2pdoc ") + P2P_VERSION},
            {"generated", iso_utc(env.timestamp)},
            {"deadlines", in.deadlines},
            {"to_complete", gaps},
            {"documents", docs},
            {"notes", notes}};
  if (!in.sheet_problems.empty()) {
    json why = json::array();
    for (const Diagnostic& d : in.sheet_problems) why.push_back({{"path", d.path}, {"message", d.message}});
    m["sheet_not_made"] = why;
  }
  return m;
}

Result<std::string> write_draft(const PasIntake& in, const std::string& out_dir, const Env& env) {
  using R = Result<std::string>;
  if (!in.is_draft()) return R::fail({error_at("", "not a denial: there is no draft to write")});
  if (in.case_id.empty())
    return R::fail({error_at("/case_id", "the response gives no reference to name the case by; import it with "
                                          "p2pdoc import pas -o and choose an id")});
  std::string dir = out_dir + "/" + in.case_id;
  if (auto existing = read_file(dir + "/manifest.json")) {
    json m = json::parse(*existing, nullptr, false);
    if (!m.is_object() || m.value("status", "") != "draft")
      return R::fail({error_at("/case_id", "a packet for " + in.case_id +
                                               " exists already; a draft never replaces it (the completed case is there)")});
  }
  static std::atomic<unsigned> counter{0};
  std::string staged = out_dir + "/.staging-" + in.case_id + "-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
  auto fail = [&](const Diagnostics& d) {
    remove_tree(staged);
    return R::fail(d);
  };
  auto w = write_file_atomic(staged + "/case.draft.json", in.imported.draft.dump(2) + "\n");
  if (!w.is_ok()) return fail(w.diagnostics());
  if (in.sheet) {
    w = write_file_atomic(staged + "/" + in.sheet->file_name, in.sheet->pdf);
    if (!w.is_ok()) return fail(w.diagnostics());
  }
  w = write_file_atomic(staged + "/manifest.json", draft_manifest(in, env).dump(2) + "\n");
  if (!w.is_ok()) return fail(w.diagnostics());
  auto installed = install_directory(staged, dir, dir + ".prev");
  if (!installed.is_ok()) return fail(installed.diagnostics());
  return R::ok(dir);
}

namespace {

Result<bool> record_draft(Ledger& ledger, const PasIntake& in, const std::string& recorded_by) {
  using R = Result<bool>;
  const json draft = plain(in.imported.draft);
  std::string date = draft.contains("denial") ? text_of(draft["denial"], "date") : "";
  std::string time = draft.contains("denial") ? text_of(draft["denial"], "time") : "";
  auto at = parse_time_point(time.empty() ? date : time);
  if (in.case_id.empty() || !at)
    return R::fail({error_at("", "ledger: the draft has no case id or denial date yet; nothing recorded")});
  auto existing = ledger.find_case(in.case_id);
  if (!existing.is_ok()) return R::fail(existing.diagnostics());
  if (!existing.value()) {
    CaseRow row;
    row.case_id = in.case_id;
    row.denial_date = date;
    row.physician = draft.contains("physician") ? text_of(draft["physician"], "name") : "";
    row.urgent = draft.value("urgent", false) == true;
    for (const json& s : array_of(draft, "services"))
      if (!text_of(s, "code").empty()) row.service_codes.push_back(text_of(s, "code"));
    // the P2P window from the denial date, so the queue counts it at once
    if (in.deadlines.is_object() && in.deadlines.contains("p2p_request")) {
      row.deadlines["p2p_request"] = in.deadlines["p2p_request"].value("due", "");
      if (in.deadlines["p2p_request"].contains("time"))
        row.deadlines["p2p_request_time"] = in.deadlines["p2p_request"]["time"];
    }
    if (auto d = ledger.put_case(row); !d.empty()) return R::fail(d);
  }
  Event e;
  e.case_id = in.case_id;
  e.kind = EventKind::denial_received;
  e.at = *at;
  e.recorded_by = recorded_by;
  e.data = {{"denial_date", date}, {"source", "pas"}, {"decision", std::string(fhir::decision_name(in.imported.decision))},
            {"draft", true}};
  e.source_key = "denial";
  return ledger.append(e);
}

Result<bool> record_response(Ledger& ledger, const PasIntake& in, const std::string& recorded_by, const Env& env) {
  if (in.case_id.empty())
    return Result<bool>::fail({error_at("", "ledger: the response gives no reference to name a case by; nothing recorded")});
  Event e;
  e.case_id = in.case_id;
  e.kind = EventKind::pa_response_received;
  e.at = parse_time_point(in.created).value_or(env.timestamp);
  e.recorded_by = recorded_by;
  e.data = {{"decision", std::string(fhir::decision_name(in.imported.decision))},
            {"summary", in.imported.summary},
            {"source", "pas"}};
  if (!in.created.empty()) e.data["created"] = in.created;
  if (!in.imported.errors.empty()) e.data["errors"] = in.imported.errors;
  // one response counts once, however often it is taken in
  e.source_key = "pa_response:" + std::string(fhir::decision_name(in.imported.decision)) + ":" + in.created;
  return ledger.append(e);
}

}  // namespace

Result<bool> record_intake(Ledger& ledger, const PasIntake& in, const std::string& recorded_by, const Env& env) {
  return in.is_draft() ? record_draft(ledger, in, recorded_by) : record_response(ledger, in, recorded_by, env);
}

}  // namespace p2p::intake
