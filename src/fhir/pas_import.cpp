// import_pas: a PAS response (ClaimResponse) and the request it answers
// (Claim and the resources it names) mapped onto a p2p-case/1 draft. Each
// case field is filled by one small function that either sets it from a
// FHIR element it can read unambiguously or records a gap (draft.to_complete)
// saying what to write; docs/fhir.md is the same mapping as a table.

#include "fhir/pas_import.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <map>
#include <set>

#include "calendar/date.h"
#include "fhir/bundle.h"

namespace p2p::fhir {

namespace {

using ojson = nlohmann::ordered_json;

// ---- code systems -------------------------------------------------------------------

// X12 306 "Action Code" (HCR01): PAS 2.2.1 binds reviewActionCode to it.
constexpr std::string_view kX12ActionSystem = "https://codesystem.x12.org/005010/306";

bool is_cpt_system(std::string_view s) {
  return s == "http://www.ama-assn.org/go/cpt" || s == "urn:oid:2.16.840.1.113883.6.12";
}
bool is_hcpcs_system(std::string_view s) {
  return s.find("HCPCSReleaseCodeSets") != std::string_view::npos || s == "http://terminology.hl7.org/CodeSystem/HCPCS" ||
         s == "urn:oid:2.16.840.1.113883.6.285" || s == "urn:oid:2.16.840.1.113883.6.14";
}
bool is_icd10cm_system(std::string_view s) {
  return s == "http://hl7.org/fhir/sid/icd-10-cm" || s == "urn:oid:2.16.840.1.113883.6.90";
}
bool is_npi_system(std::string_view s) {
  return s == "http://hl7.org/fhir/sid/us-npi" || s == "urn:oid:2.16.840.1.113883.4.6";
}
bool is_pos_system(std::string_view s) {
  return s.find("place-of-service") != std::string_view::npos || s == "urn:oid:2.16.840.1.113883.6.50";
}
// PHDSC Source of Payment Typology, US Core's binding for Coverage.type.
bool is_sopt_system(std::string_view s) {
  return s == "https://nahdo.org/sopt" || s == "urn:oid:2.16.840.1.113883.3.221.5";
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool all_digits(std::string_view s) { return std::all_of(s.begin(), s.end(), is_digit); }

// The case format's shapes (docs/case-format.md, services[] and diagnoses[]).
bool is_cpt(std::string_view s) {
  return s.size() == 5 && all_digits(s.substr(0, 4)) && (is_digit(s[4]) || s[4] == 'F' || s[4] == 'T' || s[4] == 'U');
}
bool is_hcpcs(std::string_view s) { return s.size() == 5 && is_upper(s[0]) && all_digits(s.substr(1)); }
bool is_icd10_shape(std::string_view s) {
  auto alnum = [](char c) { return is_digit(c) || is_upper(c); };
  if (s.size() < 3 || !is_upper(s[0]) || !is_digit(s[1]) || !alnum(s[2])) return false;
  std::string_view rest = s.substr(3);
  if (!rest.empty() && rest[0] == '.') {
    rest.remove_prefix(1);
    if (rest.empty()) return false;
  }
  return rest.size() <= 4 && std::all_of(rest.begin(), rest.end(), alnum);
}

// NPI check digit: Luhn over "80840" + the first nine digits (CMS, "Requirements
// for NPI check digit", the card issuer prefix 80840).
bool is_valid_npi(std::string_view s) {
  if (s.size() != 10 || !all_digits(s)) return false;
  std::string digits = "80840" + std::string(s);
  int sum = 0;
  bool twice = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int d = *it - '0';
    if (twice) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

std::string describe(const Coding& c) {
  std::string s = c.code;
  if (!c.display.empty()) s += " \"" + c.display + "\"";
  return s + " (" + (c.system.empty() ? "no system" : c.system) + ")";
}

std::string describe_all(const std::vector<Coding>& cs) {
  std::string s;
  for (const Coding& c : cs) s += (s.empty() ? "" : ", ") + describe(c);
  return s;
}

// At most `max` bytes of `s`, cut before a UTF-8 character, never inside one
// (a cut inside would make the draft unwritable JSON).
std::string shortened(std::string s, std::size_t max = 120) {
  if (s.size() <= max) return s;
  while (max > 0 && (static_cast<unsigned char>(s[max]) & 0xC0) == 0x80) --max;
  return s.substr(0, max) + "...";
}

// Characters, as the case format counts them (code points).
std::size_t characters(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// ---- the decision -------------------------------------------------------------------

enum class Verdict { approved, denied, partial, modified, pended, unknown };

Verdict verdict_of(std::string_view code) {
  if (code == "A1") return Verdict::approved;  // Certified in total
  if (code == "A2") return Verdict::partial;   // Certified - partial
  if (code == "A3") return Verdict::denied;    // Not Certified
  if (code == "A4") return Verdict::pended;    // Pended
  if (code == "A6") return Verdict::modified;  // Modified
  if (code == "86") return Verdict::pended;    // "Pended for follow up" in the HL7 reference implementation
  return Verdict::unknown;
}

bool is_adverse(Verdict v) { return v == Verdict::denied || v == Verdict::partial || v == Verdict::modified; }

std::string_view verdict_name(Verdict v) {
  switch (v) {
    case Verdict::approved: return "approved";
    case Verdict::denied: return "denied";
    case Verdict::partial: return "partial";
    case Verdict::modified: return "modified";
    case Verdict::pended: return "pended";
    case Verdict::unknown: break;
  }
  return "unknown";
}

struct ReviewAction {
  std::string code, display, number, where;
  std::vector<Coding> reasons;  // reasonCode (X12 886 in PAS 2.2.1)
  std::string reason_text;      // legacy extension-reviewActionReason valueString
};

// One reviewAction extension, in any of the shapes seen: sub-extensions
// (PAS 2.x: reviewActionCode, number, reasonCode), a valueCodeableConcept,
// or a bare valueString (the reference implementation's legacy data).
std::optional<ReviewAction> read_review_action(const json& ext, const std::string& where) {
  ReviewAction a;
  a.where = where;
  auto take_code = [&](const json* cc) {
    for (const Coding& c : codings_of(cc)) {
      if (!c.system.empty() && c.system != kX12ActionSystem) continue;
      a.code = c.code;
      a.display = c.display;
      return;
    }
  };
  if (const json* v = member(ext, "valueString")) a.code = text_of(v);
  take_code(member(ext, "valueCodeableConcept"));
  if (const json* sub = extension_named(ext, "reviewActionCode")) take_code(member(*sub, "valueCodeableConcept"));
  if (const json* sub = extension_named(ext, "code")) take_code(member(*sub, "valueCodeableConcept"));
  if (const json* sub = extension_named(ext, "number")) a.number = text_at(*sub, "valueString");
  for (const json& sub : items_at(ext, "extension"))
    if (text_at(sub, "url") == "reasonCode" || text_at(sub, "url").ends_with("/extension-reasonCode"))
      for (Coding& c : codings_of(member(sub, "valueCodeableConcept"))) a.reasons.push_back(std::move(c));
  if (a.code.empty()) return std::nullopt;
  return a;
}

struct ItemDecision {
  long sequence = 0;  // ClaimResponse.item.itemSequence = Claim.item.sequence
  ReviewAction action;
  Verdict verdict = Verdict::unknown;
  std::optional<double> authorized_units;  // extension-itemAuthorizedDetail quantity
  std::string authorized_code;
  std::string admin_reference;  // extension-administrationReferenceNumber
};

std::optional<long> whole_number(const json* v) {
  if (!v || !v->is_number()) return std::nullopt;
  double d = v->get<double>();
  if (!std::isfinite(d) || d != std::floor(d) || d < 0 || d > 1e9) return std::nullopt;
  return static_cast<long>(d);
}

// ---- the importer -------------------------------------------------------------------

struct Gap {
  std::string path, what;
};

class Importer {
 public:
  Importer(const ResourcePool& pool, const Located& response, const Date& today)
      : pool_(pool), response_(response), today_(today) {}

  Result<PasImport> run();

 private:
  const json& cr() const { return *response_.resource; }
  void note(const std::string& where, std::string message) { notes_.push_back(warning_at(where, std::move(message))); }
  // A gap's line quotes what the data said; a hostile display or code must not
  // make it longer than the format allows (2,000 characters).
  void gap(std::string path, std::string what) { gaps_.push_back({std::move(path), shortened(std::move(what), 1500)}); }
  const Located* resolve(const json* reference, const Located& from, std::string_view type, const std::string& where);

  Diagnostics read_decisions();
  void read_claim();
  void map_patient();
  void map_payer();
  void map_denial();
  void map_people();
  void map_diagnoses();
  void map_services();
  void map_clinical_gaps();
  void finish_draft(PasImport& out);
  void settle_against_format();

  const ResourcePool& pool_;
  const Located& response_;
  Date today_;
  Diagnostics notes_;
  std::vector<Gap> gaps_;
  std::vector<ItemDecision> items_;  // per ClaimResponse.item with a decision
  std::optional<ReviewAction> overall_;
  const Located* claim_ = nullptr;
  const Located* patient_ = nullptr;
  const Located* coverage_ = nullptr;
  std::string place_of_service_;
  ojson doc_ = ojson::object();
};

const Located* Importer::resolve(const json* reference, const Located& from, std::string_view type,
                                 const std::string& where) {
  if (!reference) return nullptr;
  const Located* l = pool_.resolve(*reference, from);
  std::string ref = text_at(*reference, "reference");
  if (!l) {
    if (!ref.empty()) note(where, "the reference \"" + shortened(ref) + "\" is not in the bundle(s) read");
    return nullptr;
  }
  if (!type.empty() && l->type != type) {
    note(where, "the reference \"" + shortened(ref) + "\" names a " + l->type + ", not a " + std::string(type));
    return nullptr;
  }
  return l;
}

// ClaimResponse.item[].adjudication[].extension(reviewAction), item-level
// reviewAction, and the legacy ClaimResponse-level one. Fails on a code this
// importer does not know: it will not guess whether that is a denial.
Diagnostics Importer::read_decisions() {
  Diagnostics errors;
  const std::string base = response_.where;
  if (const json* ext = extension_named(cr(), "reviewAction")) overall_ = read_review_action(*ext, base + ".extension");
  if (overall_) {
    if (const json* why = extension_named(cr(), "reviewActionReason"))
      overall_->reason_text = text_at(*why, "valueString");
  }
  const json& items = items_at(cr(), "item");
  for (std::size_t i = 0; i < items.size(); ++i) {
    std::string at = base + ".item[" + std::to_string(i) + "]";
    std::optional<ReviewAction> found;
    const json& adjudications = items_at(items[i], "adjudication");
    for (std::size_t j = 0; j < adjudications.size() && !found; ++j)
      if (const json* ext = extension_named(adjudications[j], "reviewAction"))
        found = read_review_action(*ext, at + ".adjudication[" + std::to_string(j) + "].extension('reviewAction')");
    if (!found)
      if (const json* ext = extension_named(items[i], "reviewAction"))
        found = read_review_action(*ext, at + ".extension('reviewAction')");
    if (!found && !overall_) {
      note(at, "this item carries no review action (X12 306 code)");
      continue;
    }
    ItemDecision d;
    d.action = found ? *found : *overall_;
    auto seq = whole_number(member(items[i], "itemSequence"));
    if (!seq) note(at + ".itemSequence", "missing or not a whole number; the item cannot be matched to the request");
    d.sequence = seq.value_or(0);
    d.admin_reference = text_at(extension_named(items[i], "administrationReferenceNumber")
                                    ? *extension_named(items[i], "administrationReferenceNumber")
                                    : json(),
                                "valueString");
    if (const json* detail = extension_named(items[i], "itemAuthorizedDetail")) {
      if (const json* q = extension_named(*detail, "quantity"))
        if (const json* qv = member(*q, "valueQuantity"))
          if (const json* v = member(*qv, "value"); v && v->is_number()) d.authorized_units = v->get<double>();
      if (const json* code = extension_named(*detail, "productOrServiceCode")) {
        auto cs = codings_of(member(*code, "valueCodeableConcept"));
        if (!cs.empty()) d.authorized_code = cs.front().code;
      }
    }
    items_.push_back(std::move(d));
  }
  std::vector<ReviewAction*> actions;
  for (ItemDecision& d : items_) actions.push_back(&d.action);
  if (overall_) actions.push_back(&*overall_);
  for (ReviewAction* a : actions)
    if (verdict_of(a->code) == Verdict::unknown)
      errors.push_back(error_at(a->where, "review action \"" + shortened(a->code) +
                                              "\" is not one p2pdoc knows (X12 306: A1 certified, A2 certified in "
                                              "part, A3 not certified, A4 pended, A6 modified)"));
  for (ItemDecision& d : items_) d.verdict = verdict_of(d.action.code);
  return errors;
}

// The Claim the response answers: ClaimResponse.request, else the only
// preauthorization Claim read (said in a note), else none.
void Importer::read_claim() {
  const std::string at = response_.where + ".request";
  claim_ = resolve(member(cr(), "request"), response_, "Claim", at);
  if (claim_) return;
  auto claims = pool_.of_type("Claim");
  if (claims.size() == 1) {
    claim_ = claims.front();
    note(at, "the request is not named by a resolvable reference; read the only Claim given, " + claim_->where +
                 " (Claim/" + claim_->id + ")");
  } else if (claims.size() > 1) {
    note(at, "the request is not named by a resolvable reference and " + std::to_string(claims.size()) +
                 " Claims were given; none was used");
  }
}

// ---- patient --------------------------------------------------------------------------

std::string name_of(const json& resource) {
  const json& names = items_at(resource, "name");
  const json* chosen = nullptr;
  for (const json& n : names)
    if (text_at(n, "use") == "official") chosen = &n;
  if (!chosen && !names.empty()) chosen = &names[0];
  if (!chosen) return text_at(resource, "name");  // Organization.name is a string
  std::string text = text_at(*chosen, "text");
  if (!text.empty()) return text;
  std::string s;
  for (const json& g : items_at(*chosen, "given"))
    if (g.is_string()) s += (s.empty() ? "" : " ") + g.get<std::string>();
  std::string family = text_at(*chosen, "family");
  if (!family.empty()) s += (s.empty() ? "" : " ") + family;
  return s;
}

bool has_type_code(const json& identifier, std::string_view code) {
  for (const Coding& c : codings_of(member(identifier, "type")))
    if (c.code == code) return true;
  return false;
}

void Importer::map_patient() {
  const std::string at = response_.where + ".patient";
  patient_ = resolve(member(cr(), "patient"), response_, "Patient", at);
  if (!patient_ && claim_) patient_ = resolve(member(*claim_->resource, "patient"), *claim_, "Patient", claim_->where + ".patient");
  ojson p = ojson::object();
  if (!patient_) {
    gap("/patient", "the patient's name, date of birth and member id as on the member card (the response names no "
                    "Patient the bundle holds)");
    doc_["patient"] = p;
    return;
  }
  const json& pt = *patient_->resource;
  std::string name = name_of(pt);
  if (!name.empty()) p["name"] = name;
  else gap("/patient/name", "the patient's name as on the member card");
  std::string dob = text_at(pt, "birthDate");
  if (parse_date(dob)) p["dob"] = dob;
  else gap("/patient/dob", dob.empty() ? "the patient's date of birth (YYYY-MM-DD); the Patient resource has none"
                                       : "the patient's date of birth (YYYY-MM-DD); the Patient resource gives \"" +
                                             shortened(dob) + "\"");
  std::string gender = text_at(pt, "gender");
  if (gender == "male") p["sex"] = "M";
  if (gender == "female") p["sex"] = "F";

  // Member id: Coverage first (the payer's own number), then the Patient.
  std::string member_id, from;
  std::vector<std::string> unknown;
  if (coverage_) {
    for (const json& id : items_at(*coverage_->resource, "identifier"))
      if (has_type_code(id, "MB") && !text_at(id, "value").empty()) {
        member_id = text_at(id, "value");
        from = coverage_->where + ".identifier (type MB)";
        break;
      }
    if (member_id.empty() && !text_at(*coverage_->resource, "subscriberId").empty()) {
      member_id = text_at(*coverage_->resource, "subscriberId");
      from = coverage_->where + ".subscriberId";
    }
  }
  const json& ids = items_at(pt, "identifier");
  for (std::size_t i = 0; i < ids.size(); ++i) {
    std::string value = text_at(ids[i], "value"), system = text_at(ids[i], "system");
    if (value.empty()) continue;
    std::string where = patient_->where + ".identifier[" + std::to_string(i) + "]";
    if (has_type_code(ids[i], "MR")) {
      p["mrn"] = value;
    } else if (member_id.empty() && has_type_code(ids[i], "MB")) {
      member_id = value;
      from = where + " (type MB)";
    } else if (member_id.empty() && system == "http://hl7.org/fhir/sid/us-medicare") {
      member_id = value;
      from = where + " (Medicare beneficiary identifier)";
      note(where, "member id taken from the Patient's Medicare identifier; a Medicare Advantage plan has its own "
                  "member id, which belongs in /patient/member_id instead");
    } else {
      unknown.push_back(where + " (" + (system.empty() ? "no system" : shortened(system)) + ")");
    }
  }
  if (!member_id.empty()) {
    p["member_id"] = member_id;
    if (from.find(".subscriberId") != std::string::npos && coverage_) {
      bool self = false;
      for (const Coding& c : codings_of(member(*coverage_->resource, "relationship"))) self = self || c.code == "self";
      if (!self) note(from, "the subscriber's id; the patient may be a dependent with an id of their own");
    }
  } else {
    std::string what = "the patient's member id as on the member card";
    if (!unknown.empty()) {
      std::string list;
      for (const std::string& u : unknown) list += (list.empty() ? "" : ", ") + u;
      what += "; the Patient's identifiers are of systems p2pdoc cannot place: " + list +
              ". If one is the member id, copy it here";
    }
    gap("/patient/member_id", what);
  }
  if (coverage_)
    for (const json& cls : items_at(*coverage_->resource, "class"))
      for (const Coding& c : codings_of(member(cls, "type")))
        if (c.code == "group" && !text_at(cls, "value").empty()) p["group_number"] = text_at(cls, "value");
  doc_["patient"] = p;
}

// ---- payer ----------------------------------------------------------------------------

std::string slug_of(std::string_view name) {
  std::string s;
  for (char c : name) {
    char l = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if ((l >= 'a' && l <= 'z') || is_digit(l)) s += l;
    else if (!s.empty() && s.back() != '-') s += '-';
  }
  while (!s.empty() && s.back() == '-') s.pop_back();
  return s.substr(0, 40);
}

void Importer::map_payer() {
  ojson p = ojson::object();
  const std::string at = response_.where + ".insurer";
  const Located* insurer = resolve(member(cr(), "insurer"), response_, "Organization", at);
  if (!insurer && claim_)
    insurer = resolve(member(*claim_->resource, "insurer"), *claim_, "Organization", claim_->where + ".insurer");
  if (!insurer && coverage_) {
    const json& payors = items_at(*coverage_->resource, "payor");
    if (!payors.empty()) insurer = resolve(&payors[0], *coverage_, "Organization", coverage_->where + ".payor[0]");
  }
  std::string name = insurer ? text_at(*insurer->resource, "name") : std::string();
  if (name.empty()) {
    // A display on the reference is the payer's own label; "Unknown" is not a name.
    std::string display = member(cr(), "insurer") ? text_at(*member(cr(), "insurer"), "display") : std::string();
    std::string lower = display;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; });
    if (!display.empty() && lower != "unknown") {
      name = display;
      note(at + ".display", "payer name taken from the reference's display text");
    }
  }
  std::string state;
  if (insurer)
    for (const json& a : items_at(*insurer->resource, "address"))
      if (state.empty()) state = text_at(a, "state");
  if (!name.empty()) {
    p["name"] = name;
  } else {
    gap("/payer/name", "the payer's name as printed on the denial notice (the response names no insurer "
                       "Organization the bundle holds)");
  }
  gap("/payer/id", "the lowercase slug that selects payer-specific templates (uhc, cigna, aetna ...)" +
                       (name.empty() ? std::string() : "; for " + name + ", e.g. \"" + slug_of(name) + "\" if none exists yet"));

  // Plan and plan type from the Coverage, where it can be told.
  std::string plan_type;
  std::vector<Coding> types;
  if (coverage_) {
    for (const json& cls : items_at(*coverage_->resource, "class"))
      for (const Coding& c : codings_of(member(cls, "type")))
        if (c.code == "plan") {
          std::string plan = text_at(cls, "name");
          if (plan.empty()) plan = text_at(cls, "value");
          if (!plan.empty()) p["plan"] = plan;
        }
    types = codings_of(member(*coverage_->resource, "type"));
    for (const Coding& c : types) {
      if (!is_sopt_system(c.system)) continue;
      if (c.code == "11" || (c.code.size() == 3 && c.code.starts_with("11"))) plan_type = "medicare_advantage";
      if (c.code == "21" || (c.code.size() == 3 && c.code.starts_with("21"))) plan_type = "medicaid_managed_care";
    }
  }
  if (!plan_type.empty()) {
    p["plan_type"] = plan_type;
    note(coverage_->where + ".type", "plan type " + plan_type + " read from the payer type (Source of Payment Typology)");
  } else {
    std::string what = "erisa (self-funded employer plan), state_regulated (fully insured), medicare_advantage, "
                       "medicaid_managed_care, aca_marketplace, fehb or other: it decides which law the documents cite";
    if (!types.empty()) what += "; the Coverage's type is " + describe_all(types);
    gap("/payer/plan_type", what);
  }
  gap("/payer/state", "the two-letter state whose insurance law governs the plan" +
                          (state.empty() ? std::string() : " (the insurer's address is in " + shortened(state, 20) + ")"));
  doc_["payer"] = p;
}

// ---- denial ---------------------------------------------------------------------------

// FHIR dateTime with a time always carries an offset; the case format wants
// the same shape (YYYY-MM-DDThh:mm[:ss[.f]] and Z or +hh:mm).
bool has_time_and_offset(std::string_view s) {
  if (s.size() < 17 || s[10] != 'T') return false;
  if (s.back() == 'Z') return true;
  std::string_view tail = s.substr(s.size() - 6);
  return (tail[0] == '+' || tail[0] == '-') && is_digit(tail[1]) && is_digit(tail[2]) && tail[3] == ':';
}

void Importer::map_denial() {
  ojson d = ojson::object();
  std::string created = text_at(cr(), "created");
  if (created.size() >= 10 && parse_date(created.substr(0, 10))) {
    d["date"] = created.substr(0, 10);
    if (has_time_and_offset(created)) d["time"] = created;
  } else {
    gap("/denial/date", "the date of the denial notice (YYYY-MM-DD); ClaimResponse.created is " +
                            (created.empty() ? std::string("missing") : "\"" + shortened(created) + "\""));
  }
  // Every text the payer gave, verbatim, in the order given.
  std::vector<std::string> texts;
  if (std::string disp = text_at(cr(), "disposition"); !disp.empty()) texts.push_back(disp);
  for (const json& n : items_at(cr(), "processNote"))
    if (std::string t = text_at(n, "text"); !t.empty()) texts.push_back(t);
  std::string reason;
  for (const std::string& t : texts) reason += (reason.empty() ? "" : "\n") + t;
  std::set<std::string> codes;
  std::vector<std::string> code_list, displays;
  auto add_code = [&](const std::string& code, const std::string& display) {
    if (code.empty() || !codes.insert(code).second) return;
    code_list.push_back(code);
    if (!display.empty()) displays.push_back(code + " \"" + display + "\"");
  };
  std::set<std::string> numbers;
  std::string number_list, admin;
  for (const ItemDecision& i : items_) {
    if (!is_adverse(i.verdict)) continue;
    for (const Coding& c : i.action.reasons) add_code(c.code, c.display);
    add_code(i.action.reason_text, "");
    if (!i.action.number.empty() && numbers.insert(i.action.number).second)
      number_list += (number_list.empty() ? "" : ", ") + i.action.number;
    if (admin.empty()) admin = i.admin_reference;
  }
  if (items_.empty() && overall_) {
    for (const Coding& c : overall_->reasons) add_code(c.code, c.display);
    add_code(overall_->reason_text, "");
  }
  if (!reason.empty() && characters(reason) <= 2000) {
    d["reason"] = reason;
  } else {
    std::string what = "the payer's reason, word for word from the denial notice";
    if (reason.empty()) what += "; the response carries no disposition or processNote text";
    else what += "; the response's texts are " + std::to_string(characters(reason)) +
                 " characters together, more than the 2,000 allowed: quote the sentence that gives the reason";
    if (!displays.empty()) {
      std::string list;
      for (const std::string& s : displays) list += (list.empty() ? "" : ", ") + s;
      what += " (reason code " + list + ")";
    }
    gap("/denial/reason", what);
  }
  std::string code_text;
  for (const std::string& c : code_list) code_text += (code_text.empty() ? "" : ", ") + c;
  if (!code_text.empty()) d["reason_code"] = code_text;
  std::string pre = text_at(cr(), "preAuthRef");
  std::string reference = !pre.empty() ? pre : !number_list.empty() ? number_list : admin;
  std::string ref_from = !pre.empty()                ? "preAuthRef"
                         : !number_list.empty()      ? "item.adjudication.extension('reviewAction').extension('number')"
                                                     : "item.extension('administrationReferenceNumber')";
  if (reference.empty()) {
    const json& ids = items_at(cr(), "identifier");
    if (!ids.empty()) {
      reference = text_at(ids[0], "value");
      ref_from = "identifier[0]";
      if (!reference.empty())
        note(response_.where + ".identifier[0]",
             "denial reference taken from the response's identifier (a trace number); use the payer's own reference "
             "from the notice if it differs");
    }
  }
  if (!reference.empty()) d["reference_number"] = reference;
  else gap("/denial/reference_number", "the payer's reference or authorization number for this denial");
  gap("/denial/type", "what the payer calls the denial: medical_necessity, insufficient_documentation, "
                      "criteria_not_met, experimental_investigational, level_of_care, concurrent_review, "
                      "out_of_network, benefit_exclusion or administrative (the response gives only the review "
                      "action" + std::string(code_text.empty() ? "" : " and reason code " + code_text) + ")");
  doc_["denial"] = d;
  if (!reference.empty()) {
    std::string id = "pas-";
    for (char c : reference) id += (is_digit(c) || is_upper(c) || (c >= 'a' && c <= 'z') || c == '.' || c == '_' || c == '-') ? c : '-';
    doc_["case_id"] = id.substr(0, 64);
    note(response_.where + "." + ref_from, "case id made from the denial reference");
  }
}

// ---- people: physician and practice ----------------------------------------------------

std::string phone_of(const json& resource, std::string_view system) {
  for (const json& t : items_at(resource, "telecom"))
    if (text_at(t, "system") == system && !text_at(t, "value").empty()) return text_at(t, "value");
  return {};
}

std::string npi_of(const json& resource) {
  for (const json& id : items_at(resource, "identifier"))
    if (is_npi_system(text_at(id, "system"))) return text_at(id, "value");
  return {};
}

std::vector<std::string> address_lines(const json& org) {
  std::vector<std::string> lines;
  const json& addresses = items_at(org, "address");
  if (addresses.empty()) return lines;
  const json& a = addresses[0];
  for (const json& l : items_at(a, "line"))
    if (l.is_string() && !l.get<std::string>().empty()) lines.push_back(l.get<std::string>());
  std::string last = text_at(a, "city");
  std::string st = text_at(a, "state") + (text_at(a, "postalCode").empty() ? "" : " " + text_at(a, "postalCode"));
  if (!st.empty() && st != " ") last += (last.empty() ? "" : ", ") + st;
  if (!last.empty()) lines.push_back(last);
  if (lines.size() > 6) lines.resize(6);
  return lines;
}

void Importer::map_people() {
  // The requesting practitioner: Claim.provider, ClaimResponse.requestor,
  // then the Claim's care team, the first that is a Practitioner(Role).
  std::vector<std::pair<const json*, const Located*>> candidates;  // reference, its holder
  if (claim_) candidates.push_back({member(*claim_->resource, "provider"), claim_});
  candidates.push_back({member(cr(), "requestor"), &response_});
  if (claim_)
    for (const json& ct : items_at(*claim_->resource, "careTeam"))
      if (candidates.size() < 64) candidates.push_back({member(ct, "provider"), claim_});
  const Located* role = nullptr;
  const Located* practitioner = nullptr;
  const Located* org = nullptr;
  std::string dangling;
  for (auto& [ref, holder] : candidates) {
    if (!ref) continue;
    const Located* l = pool_.resolve(*ref, *holder);
    if (!l) {
      if (dangling.empty() && !text_at(*ref, "reference").empty()) dangling = text_at(*ref, "reference");
      continue;
    }
    if (l->type == "Organization" && !org) org = l;
    if (l->type == "PractitionerRole" && !role && !practitioner) role = l;
    if (l->type == "Practitioner" && !practitioner && !role) practitioner = l;
  }
  if (role) {
    const Located* p = pool_.resolve(member(*role->resource, "practitioner") ? *member(*role->resource, "practitioner") : json(), *role);
    if (p && p->type == "Practitioner") practitioner = p;
    else if (const json* r = member(*role->resource, "practitioner"))
      note(role->where + ".practitioner", "names \"" + shortened(text_at(*r, "reference")) + "\", which is not in the bundle(s) read");
    if (!org) {
      const Located* o = pool_.resolve(member(*role->resource, "organization") ? *member(*role->resource, "organization") : json(), *role);
      if (o && o->type == "Organization") org = o;
    }
  }
  ojson ph = ojson::object();
  if (practitioner) {
    const json& pr = *practitioner->resource;
    std::string name = name_of(pr);
    if (!name.empty()) ph["name"] = name;
    const json& names = items_at(pr, "name");
    if (!names.empty()) {
      const json& suffixes = items_at(names[0], "suffix");
      if (!suffixes.empty() && suffixes[0].is_string()) ph["credentials"] = suffixes[0].get<std::string>();
    }
  }
  if (!ph.contains("name"))
    gap("/physician/name", "the treating physician who will make the call" +
                               (dangling.empty() ? std::string() : " (the request names \"" + shortened(dangling) + "\", which is not in the bundle)"));
  std::vector<Coding> specialties;
  if (role)
    for (const json& s : items_at(*role->resource, "specialty"))
      for (Coding& c : codings_of(&s)) specialties.push_back(std::move(c));
  gap("/physician/specialty", "the physician's specialty named exactly (\"Orthopaedic spine surgery\", not "
                              "\"Surgery\"): the brief asks for a reviewer of the same specialty" +
                                  (specialties.empty() ? std::string() : "; the PractitionerRole gives " + describe_all(specialties)));
  if (practitioner) {
    std::string npi = npi_of(*practitioner->resource);
    if (!npi.empty()) {
      ph["npi"] = npi;
      if (!is_valid_npi(npi)) note(practitioner->where + ".identifier", "NPI \"" + shortened(npi) + "\" is not 10 digits with a valid check digit; check it");
    }
  }
  std::string phone = role ? phone_of(*role->resource, "phone") : std::string();
  if (phone.empty() && practitioner) phone = phone_of(*practitioner->resource, "phone");
  if (!phone.empty()) ph["phone"] = phone;
  ojson pr = ojson::object();
  if (org) {
    const json& o = *org->resource;
    if (!text_at(o, "name").empty()) pr["name"] = text_at(o, "name");
    auto lines = address_lines(o);
    if (!lines.empty()) pr["address"] = lines;
    if (!phone_of(o, "phone").empty()) pr["phone"] = phone_of(o, "phone");
    if (!phone_of(o, "fax").empty()) pr["fax"] = phone_of(o, "fax");
    std::string npi = npi_of(o);
    if (!npi.empty()) {
      pr["npi"] = npi;
      if (!is_valid_npi(npi)) note(org->where + ".identifier", "NPI \"" + shortened(npi) + "\" is not 10 digits with a valid check digit; check it");
    }
  }
  if (!pr.contains("name")) gap("/practice/name", "the requesting practice's name, as on its letterhead");
  doc_["practice"] = pr;
  doc_["physician"] = ph;
}

// ---- diagnoses and services ---------------------------------------------------------------

void Importer::map_diagnoses() {
  ojson list = ojson::array();
  if (!claim_) {
    gap("/diagnoses", "the ICD-10-CM diagnoses of the request (the Claim was not read: give --request)");
    doc_["diagnoses"] = list;
    return;
  }
  const json& dx = items_at(*claim_->resource, "diagnosis");
  for (std::size_t i = 0; i < dx.size() && list.size() < 12; ++i) {
    std::string at = claim_->where + ".diagnosis[" + std::to_string(i) + "]";
    std::vector<Coding> codes;
    const json* text_holder = member(dx[i], "diagnosisCodeableConcept");
    if (text_holder) codes = codings_of(text_holder);
    if (const json* ref = member(dx[i], "diagnosisReference")) {
      if (const Located* cond = resolve(ref, *claim_, "Condition", at + ".diagnosisReference")) {
        text_holder = member(*cond->resource, "code");
        codes = codings_of(text_holder);
      }
    }
    std::string path = "/diagnoses/" + std::to_string(list.size());
    ojson item = ojson::object();
    const Coding* icd = nullptr;
    for (const Coding& c : codes)
      if (is_icd10cm_system(c.system) && is_icd10_shape(c.code)) icd = &c;
    if (icd) {
      item["icd10"] = icd->code;
      std::string desc = !icd->display.empty() ? icd->display : text_holder ? text_at(*text_holder, "text") : std::string();
      if (!desc.empty()) item["description"] = desc;
      else gap(path + "/description", "the description of ICD-10-CM " + icd->code + " (the request gives the code without a display)");
    } else {
      gap(path, "an ICD-10-CM code and its description for this diagnosis; the request gives " +
                    (codes.empty() ? std::string("no code") : describe_all(codes)));
    }
    for (const Coding& t : codings_of(member(dx[i], "type")))
      if (t.code == "principal" || t.code == "ABK") item["primary"] = true;
    list.push_back(item);
  }
  if (dx.size() > 12) note(claim_->where + ".diagnosis", "more than 12 diagnoses; the first 12 were read (a claim carries at most 12)");
  if (list.empty()) gap("/diagnoses", "the ICD-10-CM diagnoses of the request (the Claim lists none)");
  doc_["diagnoses"] = list;
}

// The setting a CMS place-of-service code implies, where it is plain.
std::string setting_of(std::string_view pos) {
  static const std::map<std::string, std::string, std::less<>> kSettings = {
      {"01", "pharmacy"},   {"02", "outpatient"}, {"10", "home"},       {"11", "outpatient"}, {"12", "home"},
      {"19", "outpatient"}, {"21", "inpatient"},  {"22", "outpatient"}, {"24", "outpatient"}, {"49", "outpatient"},
      {"50", "outpatient"}, {"51", "inpatient"},  {"55", "residential"}, {"56", "residential"}, {"61", "inpatient"},
      {"81", "outpatient"}};
  auto it = kSettings.find(pos);
  return it == kSettings.end() ? std::string() : it->second;
}

struct ServiceCode {
  std::string system, code, display;
};

std::optional<ServiceCode> service_code(const std::vector<Coding>& codes, std::string& remark) {
  for (const Coding& c : codes) {
    if (is_cpt_system(c.system) && is_cpt(c.code)) return ServiceCode{"CPT", c.code, c.display};
    if (is_hcpcs_system(c.system) && is_hcpcs(c.code)) return ServiceCode{"HCPCS", c.code, c.display};
    // HCPCS Level I is CPT: a five-digit code under a HCPCS system is a CPT code.
    if (is_hcpcs_system(c.system) && is_cpt(c.code)) return ServiceCode{"CPT", c.code, c.display};
    if (is_cpt_system(c.system) && is_hcpcs(c.code)) {
      remark = "code " + c.code + " is sent under the CPT system but has the HCPCS Level II shape; read as HCPCS";
      return ServiceCode{"HCPCS", c.code, c.display};
    }
  }
  return std::nullopt;
}

void Importer::map_services() {
  ojson list = ojson::array();
  std::map<long, const ItemDecision*> by_sequence;
  for (const ItemDecision& d : items_) by_sequence[d.sequence] = &d;
  if (!claim_) {
    std::string denied;
    for (const ItemDecision& d : items_)
      if (is_adverse(d.verdict)) denied += (denied.empty() ? "" : ", ") + std::to_string(d.sequence);
    gap("/services", "the CPT/HCPCS services denied" + (denied.empty() ? std::string() : " (request item(s) " + denied + ")") +
                         "; the request (Claim) was not read: give --request REQUEST.json");
    doc_["services"] = list;
    return;
  }
  std::set<std::string> settings;
  const json& items = items_at(*claim_->resource, "item");
  for (std::size_t i = 0; i < items.size(); ++i) {
    const json& item = items[i];
    std::string at = claim_->where + ".item[" + std::to_string(i) + "]";
    if (const json* cancelled = modifier_extension_named(item, "itemCancelled"); cancelled && member(*cancelled, "valueBoolean") &&
        *member(*cancelled, "valueBoolean") == true) {
      note(at, "the request cancelled this item; it is not part of the case");
      continue;
    }
    auto seq = whole_number(member(item, "sequence"));
    const ItemDecision* d = nullptr;
    if (seq && by_sequence.count(*seq)) d = by_sequence[*seq];
    Verdict v = d ? d->verdict : (items_.empty() && overall_ ? verdict_of(overall_->code) : Verdict::unknown);
    if (v == Verdict::unknown) {
      note(at, "no decision in the response names this item; it is left out");
      continue;
    }
    if (!is_adverse(v)) continue;
    if (list.size() >= 20) {
      note(at, "more than 20 denied items; the first 20 were read");
      break;
    }
    std::string path = "/services/" + std::to_string(list.size());
    ojson s = ojson::object();
    const json* pos = member(item, "productOrService");
    std::string remark;
    auto code = service_code(codings_of(pos), remark);
    if (!remark.empty()) note(at + ".productOrService", remark);
    if (code) {
      s["code"] = code->code;
      s["system"] = code->system;
      std::string desc = !code->display.empty() ? code->display : pos ? text_at(*pos, "text") : std::string();
      if (!desc.empty()) s["description"] = desc;
      else gap(path + "/description", "the service in the practice's words (" + code->system + " " + code->code + " has no display)");
    } else {
      auto cs = codings_of(pos);
      gap(path, "the CPT or HCPCS code, its system and a description; the request item gives " +
                    (cs.empty() ? std::string("no code") : describe_all(cs)));
    }
    // Units: the request's quantity, less what a partial or modified decision certified.
    std::optional<long> requested = whole_number(member(member(item, "quantity") ? *member(item, "quantity") : json(), "value"));
    if (requested && *requested == 0) requested.reset();
    std::optional<long> units = requested;
    if (v == Verdict::partial || v == Verdict::modified) {
      bool other_code = d && !d->authorized_code.empty() && code && d->authorized_code != code->code;
      if (other_code) {
        note(at, "the payer certified " + d->authorized_code + " instead of " + code->code + "; the requested service counts as denied in full");
      } else if (d && d->authorized_units && requested && *d->authorized_units < static_cast<double>(*requested)) {
        units = *requested - static_cast<long>(std::ceil(*d->authorized_units));
        if (*units < 1) units.reset();
      } else {
        units.reset();
        gap(path + "/units", "the units the payer did not certify (decision " + (d ? d->action.code : std::string("?")) +
                                 ", certified in part; requested " + (requested ? std::to_string(*requested) : std::string("?")) + ")");
      }
    }
    if (units && *units >= 1) s["units"] = *units;
    std::string date = text_at(item, "servicedDate");
    if (date.empty() && member(item, "servicedPeriod")) date = text_at(*member(item, "servicedPeriod"), "start");
    if (date.size() >= 10 && parse_date(date.substr(0, 10))) s["date"] = date.substr(0, 10);
    for (const Coding& c : codings_of(member(item, "locationCodeableConcept")))
      if (is_pos_system(c.system)) {
        place_of_service_ = c.code;
        settings.insert(setting_of(c.code));
        if (setting_of(c.code).empty()) note(at + ".locationCodeableConcept", "place of service " + shortened(c.code, 20) + " has no plain setting; /setting left out");
      }
    list.push_back(s);
  }
  if (list.empty())
    gap("/services", "the CPT/HCPCS services denied; no denied item of the request could be read");
  if (settings.size() == 1 && !settings.begin()->empty()) doc_["setting"] = *settings.begin();
  else if (settings.size() > 1) note(claim_->where + ".item", "the denied items have different places of service; /setting left out");
  doc_["services"] = list;
}

void Importer::map_clinical_gaps() {
  doc_["clinical"] = ojson::object();
  gap("/clinical/summary", "the clinical bottom line in three sentences: the condition, what has been tried, why this "
                           "service now (a payer's response does not carry it)");
  gap("/clinical/prior_treatments", "each prior treatment with its start date and a measured outcome (\"ODI 52/100 to "
                                    "48/100\"), from the chart");
  gap("/clinical/if_upheld", "what happens clinically if the denial stands");
  gap("/policy", "the payer's coverage policy (number, title) and each criterion with how the patient meets it");
}

// Runs the case format's rules over the draft and turns every value they
// reject into a gap, so a draft never fails for something the importer
// copied (a name too long, a date of birth in the future): it is left for a
// person, with the rule it broke.
void Importer::settle_against_format() {
  for (int round = 0; round < 4; ++round) {
    ojson with_gaps = doc_;
    ojson list = ojson::array();
    for (const Gap& g : gaps_) list.push_back({{"path", g.path}, {"what", g.what}});
    with_gaps["draft"] = {{"to_complete", list}};
    DraftReview review = review_draft(json::parse(with_gaps.dump()), today_);
    bool changed = false;
    for (const Diagnostic& d : review.problems) {
      if (d.severity != Severity::error || d.path.empty() || d.path == "/draft") continue;
      ojson::json_pointer ptr(d.path);
      if (!doc_.contains(ptr)) {  // a required value nothing filled
        gap(d.path, d.message == "is required" ? "a required value the payer's data does not carry" : d.message);
        changed = true;
        continue;
      }
      std::string parent_path = d.path.substr(0, d.path.rfind('/'));
      ojson& parent = parent_path.empty() ? doc_ : doc_[ojson::json_pointer(parent_path)];
      if (parent.is_array()) doc_[ptr] = ojson::object();
      else parent.erase(d.path.substr(d.path.rfind('/') + 1));
      gap(d.path, "the value read from the payer's data was set aside: " + d.message);
      changed = true;
    }
    if (!changed) return;
  }
}

void Importer::finish_draft(PasImport& out) {
  ojson doc = ojson::object();
  doc["format"] = "p2p-case/1";
  if (doc_.contains("case_id")) doc["case_id"] = doc_["case_id"];
  else gap("/case_id", "an id for the case (letters, digits, . _ -), e.g. the denial's tracking number");
  for (const char* key : {"urgent", "setting", "practice", "physician", "patient", "payer", "denial", "diagnoses",
                          "services", "clinical"})
    if (doc_.contains(key)) doc[key] = doc_[key];
  doc_ = std::move(doc);
  settle_against_format();
  ojson list = ojson::array();
  for (const Gap& g : gaps_) {
    list.push_back({{"path", g.path}, {"what", g.what}});
    out.to_complete.push_back({g.path, g.what});
  }
  ojson decisions = ojson::array();
  for (const ItemDecision& d : items_) {
    ojson e = {{"item", d.sequence}, {"code", d.action.code}, {"decision", verdict_name(d.verdict)}};
    if (!d.action.display.empty()) e["display"] = d.action.display;
    if (!d.action.number.empty()) e["number"] = d.action.number;
    decisions.push_back(e);
  }
  if (items_.empty() && overall_) {
    ojson e = {{"item", "all"}, {"code", overall_->code}, {"decision", verdict_name(verdict_of(overall_->code))}};
    if (!overall_->reason_text.empty()) e["reason"] = overall_->reason_text;
    decisions.push_back(e);
  }
  ojson notes = ojson::array();
  for (const Diagnostic& n : notes_) notes.push_back(n.path + ": " + n.message);
  ojson draft = {{"source", "Da Vinci PAS ClaimResponse " + response_.where + (response_.id.empty() ? "" : " (ClaimResponse/" + response_.id + ")")}};
  if (claim_) draft["request"] = claim_->where + (claim_->id.empty() ? "" : " (Claim/" + claim_->id + ")");
  draft["decision"] = decisions;
  if (!place_of_service_.empty()) draft["place_of_service"] = place_of_service_;
  draft["to_complete"] = list;
  draft["notes"] = notes;
  doc_["draft"] = draft;
  out.draft = doc_;
}

Result<PasImport> Importer::run() {
  PasImport out;
  std::string outcome = text_at(cr(), "outcome");
  if (outcome == "error") {
    out.decision = PasDecision::error;
    const json& errors = items_at(cr(), "error");
    for (std::size_t i = 0; i < errors.size(); ++i) {
      std::string line;
      for (const Coding& c : codings_of(member(errors[i], "code"))) line += (line.empty() ? "" : ", ") + describe(c);
      if (const json* path = extension_named(errors[i], "errorPath")) line += " at " + shortened(text_at(*path, "valueString"));
      out.errors.push_back(response_.where + ".error[" + std::to_string(i) + "]: " + (line.empty() ? "no code" : line));
    }
    out.summary = "the payer could not process the request (outcome error, " + std::to_string(errors.size()) + " error(s))";
    return Result<PasImport>::ok(std::move(out));
  }
  Diagnostics errors = read_decisions();
  if (!errors.empty()) return Result<PasImport>::fail(std::move(errors));
  int adverse = 0, pended = 0, approved = 0, partial = 0;
  std::vector<Verdict> verdicts;
  for (const ItemDecision& d : items_) verdicts.push_back(d.verdict);
  if (items_.empty() && overall_) verdicts.push_back(verdict_of(overall_->code));
  for (Verdict v : verdicts) {
    adverse += is_adverse(v);
    partial += v == Verdict::partial || v == Verdict::modified;
    pended += v == Verdict::pended;
    approved += v == Verdict::approved;
  }
  std::string count = std::to_string(verdicts.size());
  if (verdicts.empty()) {
    if (outcome == "queued") {
      out.decision = PasDecision::pended;
      out.summary = "pended (outcome queued, no review action)";
      return Result<PasImport>::ok(std::move(out));
    }
    return Result<PasImport>::fail({error_at(response_.where, "no review action (X12 306 code) found in "
                                                              "item.adjudication.extension('reviewAction') or the "
                                                              "ClaimResponse's own extension; the decision cannot be told")});
  }
  if (adverse == 0) {
    out.decision = pended ? PasDecision::pended : PasDecision::approved;
    out.summary = pended ? "pended (A4) on " + std::to_string(pended) + " of " + count + " item(s)"
                         : "certified in total (A1) on " + count + " item(s)";
    out.notes = std::move(notes_);
    return Result<PasImport>::ok(std::move(out));
  }
  out.decision = (partial || approved || pended) ? PasDecision::partial : PasDecision::denied;
  out.summary = std::to_string(adverse) + " of " + count + " item(s) not certified or certified in part" +
                (approved ? ", " + std::to_string(approved) + " certified" : std::string()) +
                (pended ? ", " + std::to_string(pended) + " pended" : std::string());
  read_claim();
  if (claim_) {
    const json& insurance = items_at(*claim_->resource, "insurance");
    const json* chosen = nullptr;
    for (const json& ins : insurance)
      if (member(ins, "focal") && *member(ins, "focal") == true && !chosen) chosen = &ins;
    if (!chosen && !insurance.empty()) chosen = &insurance[0];
    if (chosen) coverage_ = resolve(member(*chosen, "coverage"), *claim_, "Coverage", claim_->where + ".insurance.coverage");
    if (const json* los = extension_named(*claim_->resource, "levelOfServiceCode"))
      for (const Coding& c : codings_of(member(*los, "valueCodeableConcept")))
        if (c.code == "U") {
          doc_["urgent"] = true;
          note(claim_->where + ".extension('levelOfServiceCode')", "the request was sent as Urgent (X12 1338 U): the case is marked urgent");
        }
  }
  map_people();
  map_patient();
  map_payer();
  map_denial();
  map_diagnoses();
  map_services();
  map_clinical_gaps();
  finish_draft(out);
  out.notes = std::move(notes_);
  return Result<PasImport>::ok(std::move(out));
}

}  // namespace

std::string_view decision_name(PasDecision d) {
  switch (d) {
    case PasDecision::denied: return "denied";
    case PasDecision::partial: return "partial";
    case PasDecision::approved: return "approved";
    case PasDecision::pended: return "pended";
    case PasDecision::error: return "error";
  }
  return "unknown";
}

Result<PasImport> import_pas_json(const nlohmann::json& response, const nlohmann::json* request, const Date& today) {
  try {
    std::string type = text_at(response, "resourceType");
    if (type != "Bundle" && type != "ClaimResponse")
      return Result<PasImport>::fail({error_at("resourceType", type.empty() ? "the response has no resourceType; a PAS response is a Bundle or a ClaimResponse"
                                                                              : "is \"" + shortened(type) + "\"; a PAS response is a Bundle or a ClaimResponse")});
    ResourcePool pool;
    pool.add(response, "");
    if (request) pool.add(*request, "request:");
    std::vector<const Located*> responses;
    for (const Located* l : pool.of_type("ClaimResponse"))
      if (!l->where.starts_with("request:")) responses.push_back(l);
    if (responses.empty())
      return Result<PasImport>::fail({error_at(type == "Bundle" ? "Bundle.entry" : "", "holds no ClaimResponse")});
    if (responses.size() > 1)
      return Result<PasImport>::fail({error_at("Bundle.entry", "holds " + std::to_string(responses.size()) +
                                                                   " ClaimResponses; import one response at a time")});
    Importer importer(pool, *responses.front(), today);
    return importer.run();
  } catch (const std::exception& e) {
    // Only a bug here can throw (every read above checks types); keep it a value.
    return Result<PasImport>::fail({error_at("", std::string("internal error while importing: ") + e.what())});
  }
}

Result<PasImport> import_pas(std::string_view response, std::optional<std::string_view> request, const Date& today) {
  auto parsed = parse_bounded_json(response, kMaxPasBytes);
  if (!parsed.is_ok()) return Result<PasImport>::fail(std::move(parsed.diagnostics()));
  std::optional<nlohmann::json> req;
  if (request) {
    auto r = parse_bounded_json(*request, kMaxPasBytes);
    if (!r.is_ok()) {
      Diagnostics ds = std::move(r.diagnostics());
      for (Diagnostic& d : ds) d.path = "request:" + d.path;
      return Result<PasImport>::fail(std::move(ds));
    }
    req = r.take();
  }
  return import_pas_json(parsed.value(), req ? &*req : nullptr, today);
}

}  // namespace p2p::fhir
