// `p2pdoc import pas` and validate's report on drafts (see import_command.h).
#include "cli/import_command.h"

#include <iostream>
#include <iterator>
#include <optional>

#include "case/case.h"
#include "fhir/pas_import.h"
#include "intake/pas_intake.h"
#include "fhir/prefill.h"
#include "ledger/ledger.h"
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

// The response in the ledger (intake/pas_intake.h, record_intake). Messages
// name the case id only.
int record_in_ledger(const std::string& location, const intake::PasIntake& in, const Env& env) {
  auto opened = open_ledger(location);
  if (!opened.is_ok()) {
    print("p2pdoc import: ledger", opened.diagnostics());
    return 1;
  }
  auto stored = intake::record_intake(*opened.value(), in, "import", env);
  if (!stored.is_ok()) {
    print("p2pdoc import: ledger", stored.diagnostics());
    return 1;
  }
  std::string kind = in.is_draft() ? "denial_received" : "pa_response_received";
  std::cout << (stored.value() ? "recorded " + kind + " for " : kind + " already recorded for ") << in.case_id << "\n";
  return 0;
}

// Prints the draft's deadlines: the counted ones and why the others are not.
void print_deadlines(const nlohmann::json& dl) {
  for (const char* key : {"p2p_request", "p2p_request_72_hours", "internal_appeal", "external_review"})
    if (dl.contains(key))
      std::cout << "  deadline " << key << ": " << dl[key].value("due", "") << " (" << dl[key].value("basis", "") << ")\n";
  for (const auto& n : dl.value("not_counted", nlohmann::json::array()))
    std::cout << "  not counted " << n.value("deadline", "") << ": " << n.value("why", "") << "\n";
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
  auto res = load_resources(a.root);
  if (!res.is_ok()) {
    print("p2pdoc", res.diagnostics());
    return 1;
  }
  Env env = Env::from_process();
  auto taken = intake::read_pas(*response, request ? std::optional<std::string_view>(*request) : std::nullopt, env);
  if (!taken.is_ok()) {
    print(a.response, taken.diagnostics());
    std::cerr << a.response << ": not imported, nothing written\n";
    return 2;
  }
  intake::PasIntake& in = taken.value();
  fhir::PasImport& r = in.imported;
  print(a.response, r.notes);
  int not_denial = 0;
  switch (r.decision) {
    case fhir::PasDecision::approved:
      std::cout << "approved: " << r.summary << "; not a denial, no case written\n";
      not_denial = kImportApproved;
      break;
    case fhir::PasDecision::pended:
      std::cout << "pended: " << r.summary << "; not a denial yet, no case written\n";
      not_denial = kImportPended;
      break;
    case fhir::PasDecision::error:
      std::cout << "error response: " << r.summary << "; no case written\n";
      for (const std::string& e : r.errors) std::cout << "  " << e << "\n";
      not_denial = kImportPayerError;
      break;
    case fhir::PasDecision::denied:
    case fhir::PasDecision::partial:
      break;
  }
  if (not_denial) {
    if (!a.ledger.empty() && record_in_ledger(a.ledger, in, env) != 0) return 1;
    return not_denial;
  }
  if (!a.clinical.empty() && !prefill_from(a, r)) {
    std::cerr << a.clinical << ": not pre-filled, nothing written\n";
    return 2;
  }
  if (auto d = intake::prepare_draft(in, res.value(), env); has_errors(d)) {
    print("p2pdoc", d);
    return 1;
  }
  std::string id = in.case_id.empty() ? "pas" : in.case_id;
  std::string out = a.out.empty() ? id + ".draft.json" : a.out;
  for (const std::string* path : std::initializer_list<const std::string*>{&out, &a.sheet})
    if (!a.force && !path->empty() && file_exists(*path)) {
      std::cerr << *path << ": exists; a draft may already hold a person's work (--force overwrites it)\n";
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
  print_deadlines(in.deadlines);
  if (!a.sheet.empty()) {
    if (!in.sheet) {
      print(a.sheet, in.sheet_problems);
      std::cerr << a.sheet << ": the preparation sheet could not be made; the draft is written\n";
      return 1;
    }
    auto sheet = write_file_atomic(a.sheet, in.sheet->pdf);
    if (!sheet.is_ok()) {
      print(a.sheet, sheet.diagnostics());
      return 1;
    }
    std::cout << "preparation sheet written to " << a.sheet << "\n";
  }
  if (!a.ledger.empty() && record_in_ledger(a.ledger, in, env) != 0) return 1;
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
