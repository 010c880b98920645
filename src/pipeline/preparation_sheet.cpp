// The preparation sheet and a draft's deadlines (preparation_sheet.h).
#include "pipeline/preparation_sheet.h"

#include <string>

#include "expand/expand.h"
#include "knowledge/deadlines.h"
#include "markdown/markdown.h"
#include "pdf/pdf_export.h"
#include "pipeline/files.h"

namespace p2p {

namespace {

using json = nlohmann::json;

std::string text_at(const json& doc, const char* pointer) {
  const json::json_pointer p(pointer);
  return doc.contains(p) && doc.at(p).is_string() ? doc.at(p).get<std::string>() : std::string();
}

json deadline_json(const Deadline& d) {
  json out = {{"due", d.due.iso()}, {"display", d.due.display()}, {"basis", d.basis}, {"source", d.source},
              {"passed", d.passed}, {"due_today", d.due_today}};
  if (!d.time.empty()) out["time"] = d.time;
  return out;
}

// The case the deadline rules need, made from what the draft holds: no
// payer id (so the library's default window), the plan type and state only
// when the draft has them, no denial type.
Case case_for_counting(const json& draft, const Date& denial_date) {
  Case c;
  c.doc = json::object();
  if (draft.contains("denial")) c.doc["denial"] = draft["denial"];
  c.id = text_at(draft, "/case_id");
  c.urgent = draft.value("urgent", false) == true;
  c.plan_type = text_at(draft, "/payer/plan_type");
  c.state = text_at(draft, "/payer/state");
  c.denial_date = denial_date;
  return c;
}

json not_counted(const char* deadline, const char* label, const std::string& why) {
  return {{"deadline", deadline}, {"label", label}, {"why", why}};
}

// Why the appeal and external-review deadlines are not counted: which of
// the fields their rules need the draft lacks.
std::string missing_for_appeal(const Case& c) {
  if (c.plan_type.empty())
    return "the filing window depends on the plan type (ERISA, state-regulated, Medicare Advantage, Medicaid "
           "managed care, FEHB ...), which a PAS response does not carry: fill in /payer/plan_type and "
           "/payer/state, then generate counts it";
  if (c.state.empty())
    return "the library has no rule for plan type " + c.plan_type +
           " without the governing state: fill in /payer/state, then generate counts it";
  return "the library has no rule in force for plan type " + c.plan_type + " in " + c.state + " on the denial date";
}

}  // namespace

Result<json> draft_deadlines(const json& draft, const Resources& res, const Env& env) {
  json out = {{"not_counted", json::array()}};
  auto date = parse_date(text_at(draft, "/denial/date"));
  if (!date) {
    std::string why = "the response gives no usable denial date (ClaimResponse.created): fill in /denial/date";
    for (auto [key, label] : {std::pair{"p2p_request", "P2P request"}, std::pair{"internal_appeal", "Internal appeal"},
                              std::pair{"external_review", "External review"}})
      out["not_counted"].push_back(not_counted(key, label, why));
    return Result<json>::ok(out);
  }
  Case c = case_for_counting(draft, *date);
  auto counted = compute_deadlines(c, res.knowledge.deadlines, res.knowledge.regulations, env.today);
  if (!counted.is_ok()) return Result<json>::fail(counted.diagnostics());
  const CaseDeadlines& d = counted.value();
  out["counted_from"] = date->iso();
  out["p2p_request"] = deadline_json(d.p2p_request);
  out["p2p_request"]["payer_window"] =
      "the library's default; the payer's own window applies once /payer/id names its entry, and the denial "
      "notice states it";
  // The shortest window payers use (domain: "some only 72 hours"), counted
  // the same way, so the sheet can show the earliest the window may close.
  json rules72 = res.knowledge.deadlines;
  rules72["p2p_request"]["default"] = {{"hours", 72}, {"source", "the shortest window payers use (72 hours)"}};
  auto short_window = compute_deadlines(c, rules72, res.knowledge.regulations, env.today);
  if (short_window.is_ok() && (short_window.value().p2p_request.due != d.p2p_request.due || !short_window.value().p2p_request.time.empty()))
    out["p2p_request_72_hours"] = deadline_json(short_window.value().p2p_request);
  if (d.internal_appeal) out["internal_appeal"] = deadline_json(*d.internal_appeal);
  else out["not_counted"].push_back(not_counted("internal_appeal", "Internal appeal", missing_for_appeal(c)));
  if (d.external_review) out["external_review"] = deadline_json(*d.external_review);
  else if (d.external_review_automatic) out["external_review_automatic"] = true;
  else out["not_counted"].push_back(not_counted("external_review", "External review", missing_for_appeal(c)));
  if (c.urgent) out["expedited"] = true;
  else
    out["not_counted"].push_back(not_counted(
        "expedited", "Expedited handling",
        "depends on the denial type (concurrent review and level of care are expedited), which the response "
        "does not name: fill in /denial/type"));
  return Result<json>::ok(out);
}

namespace {

// The to-complete list with a section name for people ("Patient").
json gaps_view(const json& draft) {
  static const std::pair<const char*, const char*> kSections[] = {
      {"/case_id", "Case"},         {"/practice", "Practice"}, {"/physician", "Physician"}, {"/patient", "Patient"},
      {"/payer", "Payer"},          {"/denial", "Denial"},     {"/diagnoses", "Diagnoses"}, {"/services", "Services"},
      {"/clinical", "Clinical"},    {"/policy", "Policy"},
  };
  json list = json::array();
  const json* gaps = draft.contains("draft") && draft["draft"].is_object() && draft["draft"].contains("to_complete")
                         ? &draft["draft"]["to_complete"]
                         : nullptr;
  if (!gaps || !gaps->is_array()) return list;
  for (const json& g : *gaps) {
    if (!g.is_object()) continue;
    std::string path = g.value("path", ""), section = "Other";
    for (const auto& [prefix, name] : kSections)
      if (path.starts_with(prefix)) section = name;
    list.push_back({{"path", path}, {"what", g.value("what", "")}, {"section", section}});
  }
  return list;
}

// An object of the non-empty texts only: mustache takes "" for a value, and
// the template's sections must see an absent field as absent.
json texts(std::initializer_list<std::pair<const char*, std::string>> fields) {
  json out = json::object();
  for (const auto& [key, value] : fields)
    if (!value.empty()) out[key] = value;
  return out;
}

json first_flags(json list) {
  for (std::size_t i = 0; i < list.size(); ++i) list[i]["first"] = i == 0;
  return list;
}

json deadlines_view(const json& dl) {
  json items = json::array();
  auto add = [&](const char* key, const char* label) {
    if (!dl.contains(key)) return;
    json item = dl[key];
    item["label"] = label;
    items.push_back(item);
  };
  add("p2p_request", "P2P request (library default window)");
  add("p2p_request_72_hours", "P2P request, if the payer's window is 72 hours");
  add("internal_appeal", "Internal appeal filed");
  add("external_review", "External review requested");
  // deadlines left out for the same reason share one line
  json not_counted = json::array();
  for (const json& n : dl.value("not_counted", json::array())) {
    bool joined = false;
    for (json& seen : not_counted)
      if (seen["why"] == n["why"]) {
        seen["label"] = seen["label"].get<std::string>() + ", " + n.value("label", "");
        joined = true;
      }
    if (!joined) not_counted.push_back({{"label", n.value("label", "")}, {"why", n.value("why", "")}});
  }
  json view = {{"items", items}, {"not_counted", not_counted},
               {"expedited", dl.value("expedited", false)},
               {"external_review_automatic", dl.value("external_review_automatic", false)}};
  if (dl.contains("counted_from")) {
    auto d = parse_date(dl["counted_from"].get<std::string>());
    if (d) view["counted_from"] = d->long_display();
  }
  return view;
}

}  // namespace

json preparation_sheet_view(const json& draft, const json& deadlines, const Env& env) {
  json view = json::object();
  auto put = [&](const char* key, const char* pointer) {
    std::string v = text_at(draft, pointer);
    if (!v.empty()) view[key] = v;
  };
  put("case_id", "/case_id");
  view["patient"] = json::object();
  view["payer"] = json::object();
  view["denial"] = json::object();
  view["physician"] = json::object();
  for (auto [key, pointer] : {std::pair{"name", "/patient/name"}, std::pair{"dob", "/patient/dob"},
                              std::pair{"member_id", "/patient/member_id"}})
    if (std::string v = text_at(draft, pointer); !v.empty()) view["patient"][key] = v;
  for (auto [key, pointer] : {std::pair{"name", "/payer/name"}, std::pair{"plan", "/payer/plan"},
                              std::pair{"plan_type", "/payer/plan_type"}})
    if (std::string v = text_at(draft, pointer); !v.empty()) view["payer"][key] = v;
  for (auto [key, pointer] : {std::pair{"reference_number", "/denial/reference_number"},
                              std::pair{"reason", "/denial/reason"}, std::pair{"reason_code", "/denial/reason_code"}})
    if (std::string v = text_at(draft, pointer); !v.empty()) view["denial"][key] = v;
  if (auto d = parse_date(text_at(draft, "/denial/date"))) view["denial"]["date_display"] = d->long_display();
  for (auto [key, pointer] : {std::pair{"name", "/physician/name"}, std::pair{"npi", "/physician/npi"}})
    if (std::string v = text_at(draft, pointer); !v.empty()) view["physician"][key] = v;
  if (std::string v = text_at(draft, "/practice/name"); !v.empty()) view["practice"] = v;
  view["urgent"] = draft.value("urgent", false) == true;

  json services = json::array();
  for (const json& s : draft.value("services", json::array()))
    if (s.is_object() && s.contains("code"))
      services.push_back(texts({{"code", s.value("code", "")}, {"system", s.value("system", "")},
                                {"description", s.value("description", "")},
                                {"units", s.contains("units") ? s["units"].dump() : std::string()}}));
  view["services"] = first_flags(services);
  json diagnoses = json::array();
  for (const json& d : draft.value("diagnoses", json::array()))
    if (d.is_object() && d.contains("icd10"))
      diagnoses.push_back(texts({{"icd10", d.value("icd10", "")}, {"description", d.value("description", "")}}));
  view["diagnoses"] = first_flags(diagnoses);

  const json meta = draft.value("draft", json::object());
  json decisions = json::array();
  for (const json& e : meta.value("decision", json::array()))
    if (e.is_object())
      decisions.push_back(texts({{"item", !e.contains("item")        ? std::string("item ?")
                                          : e["item"].is_string() ? std::string("all items")
                                                                  : "item " + e["item"].dump()},
                                 {"code", e.value("code", "")}, {"decision", e.value("decision", "")},
                                 {"display", e.value("display", "")}}));
  view["decisions"] = first_flags(decisions);
  view["source"] = meta.value("source", "");
  view["notes_count"] = meta.contains("notes") && meta["notes"].is_array() ? meta["notes"].size() : 0;
  json gaps = gaps_view(draft);
  view["to_complete_count"] = gaps.size();
  view["to_complete"] = gaps;
  view["deadlines"] = deadlines_view(deadlines);
  view["prepared"] = env.today.long_display();
  return view;
}

Result<GeneratedDocument> render_preparation_sheet(const json& draft, const Resources& res, const Env& env) {
  using R = Result<GeneratedDocument>;
  if (!is_draft(draft)) return R::fail({error_at("/draft", "not a draft: the preparation sheet is for drafts")});
  auto deadlines = draft_deadlines(draft, res, env);
  if (!deadlines.is_ok()) return R::fail(deadlines.diagnostics());
  const std::string rel = "preparation-sheet/default.md";
  auto text = read_file(res.templates_dir + "/" + rel);
  if (!text) return R::fail({error_at("", "cannot read templates/" + rel)});
  TemplateText tpl = split_front_matter(*text);
  auto expanded = expand_template(tpl.body, preparation_sheet_view(draft, deadlines.value(), env), "templates/" + rel);
  if (!expanded.is_ok()) return R::fail(expanded.diagnostics());

  std::string case_id = text_at(draft, "/case_id");
  PageStyle style;
  style.letterhead.name = text_at(draft, "/practice/name");
  style.letterhead.name_field = "/practice/name";
  style.footer_left = (case_id.empty() ? std::string("Draft case") : "Case " + case_id) +
                      "  \xC2\xB7  Draft: not a P2P packet  \xC2\xB7  Confidential: protected health information";
  LayoutResult laid = layout_one_page(parse_markdown(expanded.value()), style, res.sans);
  if (has_errors(laid.diagnostics)) return R::fail(laid.diagnostics);

  auto title = tpl.front.find("title");
  GeneratedDocument doc;
  doc.kind = "preparation-sheet";
  doc.file_name = kPreparationSheetFile;
  doc.title = title == tpl.front.end() ? "Preparation sheet" : title->second;
  doc.template_choice.chosen = rel;
  DocumentInfo info;
  info.title = doc.title + (case_id.empty() ? std::string() : " \xE2\x80\x93 case " + case_id);
  info.author = text_at(draft, "/practice/name");
  info.subject = text_at(draft, "/payer/name") + " denial of " + text_at(draft, "/denial/date") + " (draft)";
  info.keywords = "p2pdoc; draft; preparation sheet";
  // PDF/A when the entry point asked for it (use_archival_pdf), like the packet's documents
  auto pdf = export_pdf(laid.pages, res.sans, PdfMetadata{info, std::string("p2pdoc ") + P2P_VERSION, env.timestamp, res.output_intent});
  if (!pdf.is_ok()) return R::fail(pdf.diagnostics());
  doc.pdf = pdf.take();
  doc.content_sha256 = sha256_hex(expanded.value());
  doc.pages = static_cast<int>(laid.pages.size());
  doc.body_size = laid.body_size;
  doc.items_cut = laid.items_cut;
  return R::ok(std::move(doc));
}

}  // namespace p2p
