// `p2pdoc import pas` and validate's report on drafts (see import_command.h).
#include "cli/import_command.h"

#include <iostream>
#include <iterator>
#include <optional>

#include "case/case.h"
#include "fhir/pas_import.h"
#include "fhir/prefill.h"
#include "ledger/ledger.h"
#include "ledger/queue.h"
#include "pipeline/files.h"
#include "pipeline/pipeline.h"

namespace p2p::cli {

namespace {

void print(const std::string& name, const Diagnostics& ds) {
  for (const Diagnostic& d : ds) std::cerr << name << ": " << d.to_string() << "\n";
}

std::optional<std::string> read_input(const std::string& arg) {
  if (arg != "-") return read_file(arg);
  return std::string((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
}

void print_gaps(const std::vector<DraftItem>& gaps) {
  for (const DraftItem& g : gaps) std::cout << "  to complete " << g.path << ": " << g.what << "\n";
}

std::string string_at(const nlohmann::ordered_json& doc, const char* pointer) {
  nlohmann::ordered_json::json_pointer p(pointer);
  return doc.contains(p) && doc[p].is_string() ? doc[p].get<std::string>() : std::string();
}

// denial_received for a written draft (see import_command.h). Messages name
// the case id only.
int record_denial(const std::string& location, const fhir::PasImport& r) {
  std::string id = string_at(r.draft, "/case_id");
  std::string date = string_at(r.draft, "/denial/date"), time = string_at(r.draft, "/denial/time");
  auto at = parse_time_point(time.empty() ? date : time);
  if (id.empty() || !at) {
    std::cerr << "p2pdoc import: ledger: the draft has no case id or denial date yet; nothing recorded\n";
    return 1;
  }
  auto opened = open_ledger(location);
  if (!opened.is_ok()) {
    print("p2pdoc import: ledger", opened.diagnostics());
    return 1;
  }
  Ledger& ledger = *opened.value();
  auto existing = ledger.find_case(id);
  if (!existing.is_ok()) {
    print("p2pdoc import: ledger", existing.diagnostics());
    return 1;
  }
  if (!existing.value()) {
    CaseRow row;
    row.case_id = id;
    row.denial_date = date;
    row.physician = string_at(r.draft, "/physician/name");
    row.urgent = r.draft.value("urgent", false);
    for (const auto& s : r.draft.value("services", nlohmann::ordered_json::array()))
      if (s.is_object() && s.contains("code") && s["code"].is_string()) row.service_codes.push_back(s["code"].get<std::string>());
    if (auto d = ledger.put_case(row); !d.empty()) {
      print("p2pdoc import: ledger", d);
      return 1;
    }
  }
  Event e;
  e.case_id = id;
  e.kind = EventKind::denial_received;
  e.at = *at;
  e.recorded_by = "import";
  e.data = {{"denial_date", date}, {"source", "pas"}, {"decision", std::string(decision_name(r.decision))}, {"draft", true}};
  e.source_key = "denial";
  auto stored = ledger.append(e);
  if (!stored.is_ok()) {
    print("p2pdoc import: ledger", stored.diagnostics());
    return 1;
  }
  std::cout << (stored.value() ? "recorded denial_received for " : "denial_received already recorded for ") << id << "\n";
  return 0;
}

// Proposed clinical lines from the EHR's bundle (fhir/prefill.h); false,
// having said why, when the bundle or the code table cannot be used.
bool prefill_from(const ImportArgs& a, fhir::PasImport& r) {
  std::string table_file = a.root + "/templates/knowledge/clinical_codes.json";
  auto table_text = read_file(table_file);
  auto table = table_text ? parse_case_json(*table_text) : Result<nlohmann::json>::fail({error_at("", "cannot read the file")});
  if (!table.is_ok()) {
    print(table_file, table.diagnostics());
    return false;
  }
  auto codes = fhir::read_clinical_codes(table.value());
  if (!codes.is_ok()) {
    print(table_file, codes.diagnostics());
    return false;
  }
  auto bundle = read_file(a.clinical);
  if (!bundle) {
    std::cerr << a.clinical << ": cannot read the file\n";
    return false;
  }
  auto filled = fhir::prefill_clinical(r, *bundle, codes.value());
  if (!filled.is_ok()) {
    print(a.clinical, filled.diagnostics());
    return false;
  }
  const fhir::Prefill& p = filled.value();
  print(a.clinical, p.notes);
  std::cout << "proposed from " << a.clinical << " (" << p.resources << " resources): " << p.treatments << " treatment(s), "
            << p.findings << " finding(s)" << (p.functional_score ? ", a functional score" : "")
            << "; each is marked \"proposed\" until a person checks it\n";
  return true;
}

}  // namespace

int run_import_pas(const ImportArgs& a) {
  auto response = read_input(a.response);
  if (!response) {
    std::cerr << a.response << ": cannot read the file\n";
    return 2;
  }
  std::optional<std::string> request;
  if (!a.request.empty()) {
    request = read_file(a.request);
    if (!request) {
      std::cerr << a.request << ": cannot read the file\n";
      return 2;
    }
  }
  Env env = Env::from_process();
  auto imported = fhir::import_pas(*response, request ? std::optional<std::string_view>(*request) : std::nullopt, env.today);
  if (!imported.is_ok()) {
    print(a.response, imported.diagnostics());
    std::cerr << a.response << ": not imported, nothing written\n";
    return 2;
  }
  fhir::PasImport& r = imported.value();
  print(a.response, r.notes);
  switch (r.decision) {
    case fhir::PasDecision::approved:
      std::cout << "approved: " << r.summary << "; not a denial, no case written\n";
      return kImportApproved;
    case fhir::PasDecision::pended:
      std::cout << "pended: " << r.summary << "; not a denial yet, no case written\n";
      return kImportPended;
    case fhir::PasDecision::error:
      std::cout << "error response: " << r.summary << "; no case written\n";
      for (const std::string& e : r.errors) std::cout << "  " << e << "\n";
      return kImportPayerError;
    case fhir::PasDecision::denied:
    case fhir::PasDecision::partial:
      break;
  }
  if (!a.clinical.empty() && !prefill_from(a, r)) {
    std::cerr << a.clinical << ": not pre-filled, nothing written\n";
    return 2;
  }
  std::string id = r.draft.contains("case_id") ? r.draft["case_id"].get<std::string>() : "pas";
  std::string out = a.out.empty() ? id + ".draft.json" : a.out;
  if (!a.force && file_exists(out)) {
    std::cerr << out << ": exists; a draft may already hold a person's work (--force overwrites it)\n";
    return 2;
  }
  auto written = write_file_atomic(out, r.draft.dump(2) + "\n");
  if (!written.is_ok()) {
    print(out, written.diagnostics());
    return 1;
  }
  std::cout << decision_name(r.decision) << ": " << r.summary << "\n";
  std::cout << "draft " << id << " written to " << out << ", " << r.to_complete.size() << " field(s) to complete:\n";
  print_gaps(r.to_complete);
  if (!a.ledger.empty() && record_denial(a.ledger, r) != 0) return 1;
  return kImportDraftWritten;
}

bool validate_if_draft(const std::string& file, int& drafts, int& invalid) {
  if (file == "-") return false;
  auto text = read_file(file);
  if (!text) return false;
  auto parsed = parse_case_json(*text);
  if (!parsed.is_ok() || !is_draft(parsed.value())) return false;
  DraftReview review = review_draft(parsed.value(), Env::from_process().today);
  print(file, review.problems);
  const nlohmann::json& doc = parsed.value();
  std::string id = doc.contains("case_id") && doc["case_id"].is_string() ? doc["case_id"].get<std::string>() : "?";
  if (has_errors(review.problems)) {
    std::cout << "invalid  " << id << "  (" << file << "): a draft with errors besides its " << review.to_complete.size()
              << " field(s) to complete\n";
    ++invalid;
  } else {
    std::cout << "draft    " << id << "  (" << file << "): " << review.to_complete.size() << " field(s) to complete\n";
    print_gaps(review.to_complete);
    ++drafts;
  }
  return true;
}

}  // namespace p2p::cli
