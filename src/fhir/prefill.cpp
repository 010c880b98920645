// prefill_clinical: the EHR's clinical bundle read into proposed lines of a
// PAS draft. Three steps: tell which resources are related to the draft's
// diagnoses (by ICD-10-CM category, SNOMED CT through the knowledge table),
// turn the related ones into treatments (merged when the EHR repeats an
// order), findings and a functional score, then write them into the draft
// with their gaps and one note per group of lines left out.

#include "fhir/prefill.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <map>
#include <optional>
#include <set>

#include "calendar/date.h"
#include "fhir/bundle.h"

namespace p2p::fhir {

namespace {

using ojson = nlohmann::ordered_json;

constexpr std::string_view kSnomed = "http://snomed.info/sct";
constexpr std::string_view kLoinc = "http://loinc.org";
// The case format's limits (docs/case-format.md, "Limits").
constexpr std::size_t kShortText = 200, kLongText = 2000;
constexpr Date kFirstDate{1900, 1, 1}, kLastDate{2100, 12, 31};

bool is_icd10cm_system(std::string_view s) {
  return s == "http://hl7.org/fhir/sid/icd-10-cm" || s == "urn:oid:2.16.840.1.113883.6.90";
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// At most `max` characters (code points), cut on a UTF-8 boundary.
std::string clip(const std::string& s, std::size_t max) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;
    if (n++ == max - 1) {
      std::size_t end = i + 1;
      while (end < s.size() && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) ++end;
      return end >= s.size() ? s : s.substr(0, i) + "\u2026";
    }
  }
  return s;
}

// The day of a FHIR date or dateTime ("2011-10-03T12:01:49+00:00"), when it
// is a full date inside the case format's range.
std::optional<Date> day_of(const std::string& s) {
  if (s.size() < 10) return std::nullopt;
  auto d = parse_date(std::string_view(s).substr(0, 10));
  if (!d || *d < kFirstDate || kLastDate < *d) return std::nullopt;
  return d;
}

// ICD-10-CM category: the first three characters, without a dot.
std::string category_of(std::string code) {
  code.erase(std::remove(code.begin(), code.end(), '.'), code.end());
  return code.size() >= 3 ? code.substr(0, 3) : std::string();
}

// The text a person reads for a cc_in: its text, else the first display.
std::string concept_text(const json* cc) {
  if (!cc) return {};
  std::string t = text_at(*cc, "text");
  if (!t.empty()) return t;
  for (const Coding& c : codings_of(cc))
    if (!c.display.empty()) return c.display;
  return {};
}

std::string system_label(std::string_view system) {
  if (system == kSnomed) return "SNOMED CT";
  if (system == kLoinc) return "LOINC";
  if (is_icd10cm_system(system)) return "ICD-10-CM";
  return system.empty() ? "no system" : std::string(system);
}

// How one reason (a Condition's code, a reasonCode) stands to the denial.
enum class Relation { none, untold, other, related };

struct Reason {
  Relation relation = Relation::none;
  std::string label;  // "\"Osteoarthritis of knee\" (SNOMED CT 239873007)"
};

Reason stronger(Reason a, Reason b) { return b.relation > a.relation ? b : a; }

// One proposed treatment, possibly several resources the EHR repeated.
struct Treatment {
  std::string text, source, where;
  Date start;
  std::optional<Date> end;
  bool ongoing = false, end_unknown = false;
  std::string end_why;  // why the end is unknown ("status stopped")
  std::size_t more = 0;  // resources merged into this line
};

struct MeasureValue {
  std::size_t measure;  // index into ClinicalCodes::measures
  Date day;
  std::string score, source;
};

class Prefiller {
 public:
  Prefiller(PasImport& import, const ResourcePool& pool, const ClinicalCodes& codes)
      : import_(import), pool_(pool), codes_(codes) {}
  Result<Prefill> run();

 private:
  void note(const std::string& where, std::string message) { out_.notes.push_back(warning_at(where, std::move(message))); }
  Diagnostics check_patient();
  Reason classify(const json* cc_in) const;
  Reason reason_of(const Located& l, std::initializer_list<std::string_view> reference_lists,
                   std::string_view code_list) const;
  void consider(const Located& l, const Reason& r, std::optional<Treatment> t);
  std::optional<Treatment> treatment_of(const Located& l);
  void read_measures();
  std::string outcome_of(const Treatment& t) const;
  void read_findings();
  void write();

  PasImport& import_;
  const ResourcePool& pool_;
  const ClinicalCodes& codes_;
  Prefill out_;
  std::set<std::string> categories_;  // of the draft's diagnoses
  std::string claim_codes_;           // "G89.4, M17.11", for notes
  std::map<std::string, Treatment> treatments_;  // by lower-case text
  std::vector<MeasureValue> measures_;           // relevant ones, by date
  std::vector<ojson> findings_;
  // lines left out, by reason label and resource type: counts and a location
  std::map<std::string, std::map<std::string, std::size_t>> left_out_;
  std::map<std::string, std::string> left_out_where_;
  std::map<std::string, Relation> left_out_relation_;
};

Reason Prefiller::classify(const json* cc_in) const {
  Reason r;
  if (!cc_in) return r;
  std::string text = concept_text(cc_in);
  for (const Coding& c : codings_of(cc_in)) {
    std::vector<std::string> cats;
    if (is_icd10cm_system(c.system)) cats.push_back(category_of(c.code));
    else if (c.system == kSnomed)
      for (const auto& m : codes_.conditions)
        if (m.snomed == c.code) cats = m.icd10_categories;
    Reason here;
    std::string name = text.empty() ? c.display : text;
    here.label = (name.empty() ? "" : "\"" + clip(name, 80) + "\" ") + "(" + system_label(c.system) + " " + c.code + ")";
    here.relation = Relation::untold;
    for (const std::string& cat : cats) {
      here.relation = Relation::other;
      if (categories_.count(cat)) {
        here.relation = Relation::related;
        break;
      }
    }
    if (!cats.empty() && here.relation == Relation::other) here.label += ", ICD-10-CM " + cats.front();
    r = stronger(r, here);
  }
  if (r.relation == Relation::none && !text.empty()) r = {Relation::untold, "\"" + clip(text, 80) + "\" (no code)"};
  return r;
}

// A resource's reasons: Conditions it references (through the lists named)
// and the concepts in `code_list`.
Reason Prefiller::reason_of(const Located& l, std::initializer_list<std::string_view> reference_lists,
                            std::string_view code_list) const {
  Reason r;
  for (std::string_view list : reference_lists)
    for (const json& ref : items_at(*l.resource, list)) {
      const Located* c = pool_.resolve(ref, l);
      if (c && c->type == "Condition") r = stronger(r, classify(member(*c->resource, "code")));
      else if (!c && member(ref, "display")) r = stronger(r, {Relation::untold, "\"" + clip(text_at(ref, "display"), 80) + "\" (a reference not in the bundle)"});
    }
  if (!code_list.empty())
    for (const json& cc : items_at(*l.resource, code_list)) r = stronger(r, classify(&cc));
  return r;
}

Diagnostics Prefiller::check_patient() {
  std::vector<const Located*> patients = pool_.of_type("Patient");
  if (patients.size() != 1)
    return {error_at("clinical:Bundle.entry", patients.empty() ? "holds no Patient: whose record it is cannot be told"
                                                                : "holds " + std::to_string(patients.size()) + " Patients; a clinical bundle is one patient's")};
  const json& p = *patients.front()->resource;
  const ojson& draft = import_.draft;
  std::string dob = draft.contains("patient") ? draft["patient"].value("dob", "") : "";
  std::string name = draft.contains("patient") ? lower(draft["patient"].value("name", "")) : "";
  std::string bundle_dob = text_at(p, "birthDate");
  std::vector<std::string> families;
  for (const json& n : items_at(p, "name"))
    if (!text_at(n, "family").empty()) families.push_back(lower(text_at(n, "family")));
  const std::string where = "clinical:" + patients.front()->where;
  Diagnostics errors;
  if (!dob.empty() && !bundle_dob.empty() && dob != bundle_dob)
    errors.push_back(error_at(where + ".birthDate", "the clinical bundle's patient was born on another day than the draft's: another patient's record"));
  // a whole word of the draft's name ("Lee" is not in "Kathleen")
  std::string words = " " + name + " ";
  for (char& c : words)
    if (c == ',' || c == '.' || c == '\t') c = ' ';
  bool family_found = families.empty() || name.empty();
  for (const std::string& f : families) family_found = family_found || words.find(" " + f + " ") != std::string::npos;
  if (!family_found)
    errors.push_back(error_at(where + ".name", "the clinical bundle's patient has another family name than the draft's: another patient's record"));
  if (errors.empty() && (dob.empty() || bundle_dob.empty() || name.empty() || families.empty()))
    note(where, "the draft or the bundle lacks the patient's name or birth date: that the record is this patient's could not be checked");
  return errors;
}

void Prefiller::consider(const Located& l, const Reason& r, std::optional<Treatment> t) {
  if (r.relation == Relation::related && !t) {
    consider(l, {Relation::untold, "a related resource not carried out (or without a name or a start date)"}, std::nullopt);
    return;
  }
  if (r.relation == Relation::related) {
    auto [it, fresh] = treatments_.try_emplace(lower(t->text), *t);
    if (fresh) return;
    Treatment& m = it->second;  // the EHR repeated the order: one line, first start, last end
    ++m.more;
    if (t->start < m.start) {
      m.start = t->start;
      m.source = t->source;
      m.where = t->where;
    }
    if (t->ongoing) m.ongoing = true, m.end.reset(), m.end_unknown = false;
    else if (!m.ongoing) {
      if (t->end_unknown) m.end_unknown = true, m.end_why = t->end_why;
      else if (t->end && (!m.end || *m.end < *t->end)) m.end = t->end;
    }
    return;
  }
  std::string label = r.relation == Relation::none ? std::string("no reason given") : r.label;
  ++left_out_[label][l.type];
  left_out_where_.try_emplace(label, "clinical:" + l.where);
  left_out_relation_[label] = r.relation;
}

std::string reference_of(const Located& l) { return l.type + "/" + (l.id.empty() ? "(no id)" : l.id); }

// The dates, text and status of one treatment resource; nothing when it
// was never carried out (not-done, cancelled, entered in error) or has no
// start date.
std::optional<Treatment> Prefiller::treatment_of(const Located& l) {
  const json& r = *l.resource;
  std::string status = text_at(r, "status");
  if (status == "entered-in-error" || status == "not-done" || status == "cancelled" || status == "revoked" || status == "draft")
    return std::nullopt;
  Treatment t;
  t.source = reference_of(l);
  t.where = l.where;
  std::string start, end;
  if (l.type == "Procedure") {
    t.text = concept_text(member(r, "code"));
    if (const json* p = member(r, "performedPeriod")) start = text_at(*p, "start"), end = text_at(*p, "end");
    else start = end = text_at(r, "performedDateTime");
    if (status == "in-progress") end.clear(), t.ongoing = true;
  } else if (l.type == "MedicationRequest" || l.type == "MedicationStatement") {
    t.text = concept_text(member(r, "medicationCodeableConcept"));
    if (t.text.empty())
      if (const json* ref = member(r, "medicationReference")) {
        const Located* m = pool_.resolve(*ref, l);
        t.text = m ? concept_text(member(*m->resource, "code")) : text_at(*ref, "display");
      }
    if (l.type == "MedicationRequest") {
      start = text_at(r, "authoredOn");
      if (const json* dr = member(r, "dispenseRequest"))
        if (const json* vp = member(*dr, "validityPeriod")) end = text_at(*vp, "end");
    } else if (const json* p = member(r, "effectivePeriod")) {
      start = text_at(*p, "start"), end = text_at(*p, "end");
    } else {
      start = text_at(r, "effectiveDateTime");
    }
    for (const json& d : items_at(r, "dosageInstruction"))
      if (member(d, "asNeededBoolean") && *member(d, "asNeededBoolean") == true) {
        t.text += " as needed";
        break;
      }
    if (status == "active") t.ongoing = true, end.clear();
  } else {  // CarePlan: its category, then what it plans
    t.text = concept_text(items_at(r, "category").empty() ? nullptr : &items_at(r, "category")[0]);
    std::string acts;
    for (const json& a : items_at(r, "activity"))
      if (const json* d = member(a, "detail")) {
        std::string s = concept_text(member(*d, "code"));
        if (!s.empty() && acts.find(s) == std::string::npos) acts += (acts.empty() ? "" : ", ") + s;
      }
    if (!acts.empty()) t.text = t.text.empty() ? acts : t.text + ": " + acts;
    if (const json* p = member(r, "period")) start = text_at(*p, "start"), end = text_at(*p, "end");
    if (status == "active") t.ongoing = true, end.clear();
  }
  auto s = day_of(start);
  if (t.text.empty() || !s) return std::nullopt;
  t.start = *s;
  if (auto e = day_of(end); e && !(*e < t.start)) t.end = e;
  else if (!t.ongoing) {
    t.end_unknown = true;
    t.end_why = status.empty() ? "no status" : "status " + status;
  }
  t.text = clip(t.text, kLongText);
  return t;
}

// A measure's value as printed: "4/10", or with its unit ("7.1 %").
std::string score_text(const json& obs, const ClinicalCodes::Measure& m) {
  const json* q = member(obs, "valueQuantity");
  if (!q) return {};
  const json* v = member(*q, "value");
  if (!v || !v->is_number()) return {};
  double d = v->get<double>();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", d);  // Synthea writes 7.929570270187812 for a pain score
  std::string s = buf;
  if (m.max > 0) {
    std::snprintf(buf, sizeof buf, "%g", m.max);
    return s + "/" + buf;
  }
  std::string unit = text_at(*q, "unit");
  return unit.empty() || unit[0] == '{' ? s : s + " " + unit;
}

// Observations that carry an outcome measure of the draft's diagnoses.
void Prefiller::read_measures() {
  std::vector<std::size_t> relevant;
  for (std::size_t i = 0; i < codes_.measures.size(); ++i)
    for (const std::string& prefix : codes_.measures[i].for_icd10)
      for (const std::string& cat : categories_)
        if (cat.rfind(prefix, 0) == 0 && std::find(relevant.begin(), relevant.end(), i) == relevant.end()) relevant.push_back(i);
  if (relevant.empty()) return;
  for (const Located* l : pool_.of_type("Observation")) {
    const json& o = *l->resource;
    std::string status = text_at(o, "status");
    if (status == "entered-in-error" || status == "cancelled" || status == "preliminary") continue;
    const json* code = member(o, "code");
    std::string text = lower(concept_text(code));
    for (std::size_t i : relevant) {
      const auto& m = codes_.measures[i];
      bool match = !m.text.empty() && text.find(m.text) != std::string::npos;
      for (const Coding& c : codings_of(code)) match = match || (c.system == kLoinc && !m.loinc.empty() && c.code == m.loinc);
      auto day = day_of(text_at(o, "effectiveDateTime"));
      if (!day)
        if (const json* p = member(o, "effectivePeriod")) day = day_of(text_at(*p, "start"));
      std::string score = score_text(o, m);
      if (match && day && !score.empty()) {
        measures_.push_back({i, *day, score, reference_of(*l)});
        break;
      }
    }
  }
  std::stable_sort(measures_.begin(), measures_.end(), [](const MeasureValue& a, const MeasureValue& b) { return a.day < b.day; });
}

// Per measure: the last value on or before the start (else the first after
// it) to the last value up to the end, each with its date.
std::string Prefiller::outcome_of(const Treatment& t) const {
  std::string out;
  for (std::size_t i = 0; i < codes_.measures.size(); ++i) {
    const MeasureValue *base = nullptr, *last = nullptr;
    for (const MeasureValue& v : measures_) {
      if (v.measure != i || (t.end && *t.end < v.day)) continue;
      if (!(t.start < v.day)) base = &v;
      else if (!base) base = &v;
      else last = &v;
    }
    if (!base) continue;
    std::string clause = codes_.measures[i].name + " " + base->score + " (" + base->day.iso() + ")";
    if (last) clause += " to " + last->score + " (" + last->day.iso() + ")";
    out += (out.empty() ? "" : "; ") + clause;
  }
  return out;
}

// DiagnosticReport conclusions whose conclusionCode is a diagnosis of the
// draft; those without such a code are left out with a note.
void Prefiller::read_findings() {
  std::vector<std::pair<Date, ojson>> found;
  for (const Located* l : pool_.of_type("DiagnosticReport")) {
    const json& r = *l->resource;
    std::string conclusion = text_at(r, "conclusion");
    Reason why;
    for (const json& cc : items_at(r, "conclusionCode")) {
      why = stronger(why, classify(&cc));
      if (conclusion.empty()) conclusion = concept_text(&cc);
    }
    if (conclusion.empty()) continue;  // a panel of results, no conclusion to propose
    auto day = day_of(text_at(r, "effectiveDateTime"));
    if (!day) day = day_of(text_at(r, "issued"));
    if (why.relation != Relation::related) {
      consider(*l, why.relation == Relation::none ? Reason{Relation::untold, "a report conclusion without a code"} : why, std::nullopt);
      continue;
    }
    std::string name = concept_text(member(r, "code"));
    std::string text = (name.empty() ? "" : name + (day ? " " + day->iso() : std::string()) + ": ") + conclusion;
    found.emplace_back(day.value_or(kFirstDate), ojson{{"text", clip(text, kLongText)}, {"source", clip(reference_of(*l), kShortText)}, {"proposed", true}});
  }
  std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return b.first < a.first; });  // latest first
  for (auto& f : found)
    if (findings_.size() < kMaxProposedFindings) findings_.push_back(std::move(f.second));
  if (found.size() > kMaxProposedFindings)
    note("clinical:Bundle.entry", std::to_string(found.size() - kMaxProposedFindings) + " older related report conclusion(s) not proposed (at most " +
                                      std::to_string(kMaxProposedFindings) + ")");
}

// Removes the gaps under `prefix` from both lists.
void drop_gap(PasImport& import, const std::string& path) {
  auto& list = import.to_complete;
  list.erase(std::remove_if(list.begin(), list.end(), [&](const DraftItem& g) { return g.path == path; }), list.end());
  ojson kept = ojson::array();
  for (const auto& g : import.draft["draft"]["to_complete"])
    if (g.value("path", "") != path) kept.push_back(g);
  import.draft["draft"]["to_complete"] = kept;
}

void add_gap(PasImport& import, const std::string& path, const std::string& what) {
  import.to_complete.push_back({path, what});
  import.draft["draft"]["to_complete"].push_back({{"path", path}, {"what", what}});
}

void Prefiller::write() {
  ojson& clinical = import_.draft["clinical"];
  if (!clinical.is_object()) clinical = ojson::object();
  // the most recent treatments, in the order they started
  std::vector<Treatment> list;
  for (auto& [key, t] : treatments_) list.push_back(t);
  std::stable_sort(list.begin(), list.end(), [](const Treatment& a, const Treatment& b) { return b.start < a.start; });
  if (list.size() > kMaxProposedTreatments) {
    note("clinical:Bundle.entry", std::to_string(list.size() - kMaxProposedTreatments) + " older related treatment(s) not proposed (at most " +
                                      std::to_string(kMaxProposedTreatments) + ")");
    list.resize(kMaxProposedTreatments);
  }
  std::reverse(list.begin(), list.end());
  bool had = clinical.contains("prior_treatments") && clinical["prior_treatments"].is_array();
  if (!had) clinical["prior_treatments"] = ojson::array();
  for (const Treatment& t : list) {
    std::size_t i = clinical["prior_treatments"].size();
    std::string at = "/clinical/prior_treatments/" + std::to_string(i);
    ojson line = {{"treatment", t.text}, {"start", t.start.iso()}};
    if (t.end) line["end"] = t.end->iso();
    std::string outcome = outcome_of(t);
    if (!outcome.empty()) line["outcome"] = clip(outcome, kLongText);
    std::string source = t.source + (t.more ? " and " + std::to_string(t.more) + " more" : "");
    line["source"] = clip(source, kShortText);
    line["proposed"] = true;
    clinical["prior_treatments"].push_back(line);
    if (outcome.empty())
      add_gap(import_, at + "/outcome", "the outcome of \"" + clip(t.text, 80) + "\" with numbers and dates; the EHR's record holds no outcome measure for it");
    if (t.end_unknown)
      add_gap(import_, at + "/end", "the day \"" + clip(t.text, 80) + "\" ended (the record says " + t.end_why + " but gives no end date)");
  }
  if (!list.empty()) drop_gap(import_, "/clinical/prior_treatments");
  else if (!had) clinical.erase("prior_treatments");
  out_.treatments = list.size();
  if (!findings_.empty()) {
    if (!clinical.contains("findings")) clinical["findings"] = ojson::array();
    for (ojson& f : findings_)
      if (clinical["findings"].size() < 20) clinical["findings"].push_back(std::move(f)), ++out_.findings;
  }
  if (!clinical.contains("functional_score") && !measures_.empty()) {
    // the latest value of the first measure (in the table's order) that has one
    for (std::size_t i = 0; i < codes_.measures.size() && !out_.functional_score; ++i)
      for (auto v = measures_.rbegin(); v != measures_.rend(); ++v)
        if (v->measure == i) {
          clinical["functional_score"] = {{"measure", codes_.measures[i].name}, {"score", v->score}, {"date", v->day.iso()},
                                          {"source", clip(v->source, kShortText)}, {"proposed", true}};
          out_.functional_score = true;
          break;
        }
  }
  for (const auto& [label, types] : left_out_) {
    std::string what;
    for (const auto& [type, n] : types) what += (what.empty() ? "" : ", ") + std::to_string(n) + " " + type;
    Relation rel = left_out_relation_[label];
    std::string why = label.rfind("a related", 0) == 0 ? std::string("nothing a person could check as a line")
                      : rel == Relation::other     ? "another condition than the denial's (" + claim_codes_ + ")"
                      : rel == Relation::none    ? "whether it concerns the denial's diagnoses cannot be told"
                                                 : "this code is not in templates/knowledge/clinical_codes.json, so whether it is the denial's diagnosis (" +
                                                    claim_codes_ + ") cannot be told";
    if (rel == Relation::none) note(left_out_where_[label], "not proposed: " + what + " with no reason (reasonReference, reasonCode, addresses): " + why);
    else note(left_out_where_[label], "not proposed: " + what + " for " + label + ": " + why);
  }
  std::size_t documents = pool_.of_type("DocumentReference").size();
  if (documents)
    note("clinical:Bundle.entry", std::to_string(documents) + " DocumentReference(s) (clinical notes, reports as files) not read: attach what supports the case");
  ojson& draft = import_.draft["draft"];
  draft["prefill"] = {{"resources", out_.resources}, {"treatments", out_.treatments}, {"findings", out_.findings},
                      {"functional_score", out_.functional_score}};
  if (!draft.contains("notes")) draft["notes"] = ojson::array();
  for (const Diagnostic& n : out_.notes) draft["notes"].push_back(n.path + ": " + n.message);
}

Result<Prefill> Prefiller::run() {
  if (!import_.draft.is_object() || !import_.draft.contains("draft"))
    return Result<Prefill>::fail({error_at("", "no draft to pre-fill (the response was not a denial)")});
  out_.resources = pool_.all().size();
  Diagnostics wrong_patient = check_patient();
  if (!wrong_patient.empty()) return Result<Prefill>::fail(std::move(wrong_patient));
  if (import_.draft.contains("diagnoses"))
    for (const auto& d : import_.draft["diagnoses"]) {
      std::string code = d.is_object() ? d.value("icd10", "") : "";
      if (code.empty()) continue;
      categories_.insert(category_of(code));
      claim_codes_ += (claim_codes_.empty() ? "" : ", ") + code;
    }
  if (categories_.empty()) {
    note("clinical:Bundle", "the draft has no ICD-10-CM diagnosis yet, so no line of the record can be told to concern the denial: nothing proposed");
    claim_codes_ = "none yet";
  }
  for (const char* type : {"Procedure", "MedicationRequest", "MedicationStatement", "CarePlan"})
    for (const Located* l : pool_.of_type(type)) {
      Reason r = std::string_view(type) == "CarePlan" ? reason_of(*l, {"addresses"}, "")
                                                      : reason_of(*l, {"reasonReference"}, "reasonCode");
      consider(*l, r, r.relation == Relation::related ? treatment_of(*l) : std::nullopt);
    }
  read_measures();
  read_findings();
  write();
  return Result<Prefill>::ok(std::move(out_));
}

}  // namespace

Result<ClinicalCodes> read_clinical_codes(const nlohmann::json& table) {
  ClinicalCodes out;
  auto strings = [](const json& v) {
    std::vector<std::string> s;
    if (v.is_array())
      for (const json& x : v)
        if (x.is_string()) s.push_back(x.get<std::string>());
    return s;
  };
  const json& conditions = items_at(table, "conditions");
  for (std::size_t i = 0; i < conditions.size(); ++i) {
    ClinicalCodes::Condition c{text_at(conditions[i], "snomed"), text_at(conditions[i], "term"), {}};
    if (const json* cats = member(conditions[i], "icd10_categories")) c.icd10_categories = strings(*cats);
    if (c.snomed.empty() || c.icd10_categories.empty() || text_at(conditions[i], "source").empty())
      return Result<ClinicalCodes>::fail({error_at("/conditions/" + std::to_string(i), "needs snomed, icd10_categories and source")});
    out.conditions.push_back(std::move(c));
  }
  const json& measures = items_at(table, "measures");
  for (std::size_t i = 0; i < measures.size(); ++i) {
    ClinicalCodes::Measure m;
    m.loinc = text_at(measures[i], "loinc");
    m.text = lower(text_at(measures[i], "text"));
    m.name = text_at(measures[i], "name");
    if (const json* mx = member(measures[i], "max"); mx && mx->is_number()) m.max = mx->get<double>();
    if (const json* f = member(measures[i], "for_icd10")) m.for_icd10 = strings(*f);
    if ((m.loinc.empty() && m.text.empty()) || m.name.empty() || m.for_icd10.empty() || text_at(measures[i], "source").empty())
      return Result<ClinicalCodes>::fail({error_at("/measures/" + std::to_string(i), "needs loinc or text, name, for_icd10 and source")});
    out.measures.push_back(std::move(m));
  }
  if (out.conditions.empty() && out.measures.empty())
    return Result<ClinicalCodes>::fail({error_at("", "holds no conditions and no measures")});
  return Result<ClinicalCodes>::ok(std::move(out));
}

Result<Prefill> prefill_clinical_json(PasImport& import, const nlohmann::json& bundle, const ClinicalCodes& codes) {
  try {
    std::string type = text_at(bundle, "resourceType");
    if (type != "Bundle")
      return Result<Prefill>::fail({error_at("clinical:resourceType", "is \"" + clip(type, 40) + "\"; the clinical record is read from a Bundle")});
    ResourcePool pool;
    pool.add(bundle, "");
    PasImport changed = import;  // all or nothing: the caller's draft changes only on success
    Prefiller p(changed, pool, codes);
    auto r = p.run();
    if (r.is_ok()) import = std::move(changed);
    return r;
  } catch (const std::exception& e) {
    return Result<Prefill>::fail({error_at("clinical:", std::string("internal error while pre-filling: ") + e.what())});
  }
}

Result<Prefill> prefill_clinical(PasImport& import, std::string_view bundle, const ClinicalCodes& codes) {
  auto parsed = parse_bounded_json(bundle, kMaxClinicalBytes);
  if (!parsed.is_ok()) {
    Diagnostics ds = std::move(parsed.diagnostics());
    for (Diagnostic& d : ds) d.path = "clinical:" + d.path;
    return Result<Prefill>::fail(std::move(ds));
  }
  return prefill_clinical_json(import, parsed.value(), codes);
}

}  // namespace p2p::fhir
