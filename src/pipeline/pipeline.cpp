#include "pipeline/pipeline.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "expand/expand.h"
#include "knowledge/deadlines.h"
#include "layout/flatten.h"
#include "markdown/markdown.h"
#include "pdf/pdf_export.h"
#include "pipeline/coverage.h"
#include "pipeline/files.h"
#include "pipeline/merge.h"

namespace p2p {

namespace {

using json = nlohmann::json;

const char* kFaceSuffix[4] = {"-Regular.ttf", "-Bold.ttf", "-Italic.ttf", "-BoldItalic.ttf"};

Letterhead letterhead_of(const json& practice) {
  Letterhead lh;
  lh.name = practice.value("name", "");
  lh.name_field = "/practice/name";
  const json address = practice.value("address", json::array());
  for (size_t i = 0; i < address.size(); ++i)
    if (address[i].is_string()) {
      lh.lines.push_back(address[i].get<std::string>());
      lh.line_fields.push_back("/practice/address/" + std::to_string(i));
    }
  std::string contact;
  if (practice.contains("phone")) contact += "Tel " + practice["phone"].get<std::string>();
  if (practice.contains("fax")) contact += (contact.empty() ? "" : "  \xC2\xB7  ") + ("Fax " + practice["fax"].get<std::string>());
  if (!contact.empty()) {
    lh.lines.push_back(contact);
    lh.line_fields.push_back(practice.contains("phone") ? "/practice/phone" : "/practice/fax");
  }
  if (practice.contains("npi")) {
    lh.lines.push_back("NPI " + practice["npi"].get<std::string>());
    lh.line_fields.push_back("/practice/npi");
  }
  return lh;
}

DocumentInfo info_of(const Case& c, const std::string& title) {
  const json& d = c.doc;
  DocumentInfo info;
  info.title = title + " \xE2\x80\x93 case " + c.id;
  info.author = d["physician"].value("name", "") + ", " + d["practice"].value("name", "");
  std::string codes;
  for (const json& s : d["services"]) codes += (codes.empty() ? "" : ", ") + s.value("code", "");
  info.subject = d["payer"].value("name", "") + " denial of " + c.denial_date.iso() + " (" + codes + ")";
  info.keywords = "p2pdoc; " + c.payer_id + "; " + c.denial_type;
  return info;
}

bool front_flag(const std::map<std::string, std::string>& front, const char* key, bool fallback) {
  auto it = front.find(key);
  if (it == front.end()) return fallback;
  return it->second == "true" || it->second == "yes";
}

std::string front_text(const std::map<std::string, std::string>& front, const char* key, const std::string& fallback) {
  auto it = front.find(key);
  return it == front.end() ? fallback : it->second;
}

// Appends a number as an integer count of 1/scale (a hundredth of a point
// for positions: far below what a printer or a reader can see), then a space.
// to_chars, not printf: a page has hundreds of items.
void put_number(std::string& s, double v, double scale = 100) {
  char buf[24];
  auto end = std::to_chars(buf, buf + sizeof buf, std::llround(v * scale)).ptr;
  s.append(buf, end);
  s += ' ';
}

void put_color(std::string& s, const Color& c) {
  for (float part : {c.r, c.g, c.b}) put_number(s, part, 1000);
}

// Length-prefixed, so any bytes in the text cannot run into the next item.
void put_text(std::string& s, const std::string& text) {
  put_number(s, static_cast<double>(text.size()), 1);
  s += text;
  s += '\n';
}

// Everything the pages show, in a fixed text form, hashed.
std::string drawn_content_digest(const std::vector<Page>& pages) {
  std::string s;
  for (const Page& p : pages) {
    s += "page ";
    for (double v : {p.width, p.height}) put_number(s, v);
    for (const RectItem& r : p.rects) {
      s += "\nrect ";
      for (double v : {r.x, r.y, r.w, r.h}) put_number(s, v);
      put_color(s, r.fill);
    }
    for (const LineItem& l : p.lines) {
      s += "\nline ";
      for (double v : {l.x1, l.y1, l.x2, l.y2, l.width}) put_number(s, v);
      put_color(s, l.color);
    }
    for (const TextItem& t : p.texts) {
      s += "\ntext ";
      for (double v : {t.x, t.baseline, static_cast<double>(t.font), t.size}) put_number(s, v);
      put_color(s, t.color);
      put_text(s, t.text);
    }
    for (const FieldItem& f : p.fields) {
      s += "\nfield ";
      for (double v : {static_cast<double>(static_cast<int>(f.kind)), f.x, f.y, f.w, f.h, f.font_size}) put_number(s, v);
      for (const std::string* v : {&f.name, &f.label, &f.value}) put_text(s, *v);
    }
    s += '\n';
  }
  return sha256_hex(s);
}

// A last section giving the whole value of each field that did not fit in
// its box on the flattened form (layout/flatten.h): a record keeps all that
// was filled in. Markdown, appended to the expanded template.
std::string continued_fields(const std::vector<Page>& pages, const std::vector<std::string>& overflowed,
                             const FilledValues& filled) {
  std::string md = "\n\n## Fields continued\n\nThe whole text of each field too long for its box above:\n";
  for (const std::string& name : overflowed) {
    std::string label = name;
    for (const Page& p : pages)
      for (const FieldItem& f : p.fields)
        if (f.name == name && !f.label.empty()) label = f.label;
    md += "\n**" + escape_markdown(label) + "**\n\n";
    const std::string& text = filled.at(name).text;
    size_t start = 0;
    while (true) {  // each line of the value as a line of its own (a hard break between)
      size_t end = text.find_first_of("\r\n", start);
      md += escape_markdown(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
      if (end == std::string::npos) break;
      start = end + (text.compare(end, 2, "\r\n") == 0 ? 2 : 1);
      md += "\\\n";
    }
    md += "\n";
  }
  return md;
}

// The template files as this process reads them: from memory when its
// entry point asked (keep_templates_in_memory), else from disk.
std::optional<std::string> read_template(const Resources& res, const std::string& path) {
  return res.template_files ? res.template_files->read(path) : read_file(path);
}
bool template_exists(const Resources& res, const std::string& path) {
  return res.template_files ? res.template_files->exists(path) : file_exists(path);
}

// The template select/ picks for `doc` and this case among the files the
// resources have: what generation uses and `explain` shows.
Result<TemplateChoice> choose_template(const DocumentKind& doc, const Case& c, const Resources& res) {
  return select_template(doc.kind, c.payer_id, c.denial_type, [&](const std::string& rel) {
    return template_exists(res, template_file(res, rel));
  }, doc.text ? ".txt" : ".md");
}

// A document laid out and not yet painted: the packet paints its documents
// once all are laid out, so that they can share their font subsets.
struct LaidDocument {
  GeneratedDocument doc;      // complete already for a text document
  const FontSet* fonts = nullptr;   // null: a text document, nothing to paint
  std::vector<Page> pages;
  PdfMetadata meta;
};

// One document: select its template, expand it, lay it out.
// The template's front matter says how: title, font (sans or serif),
// one_page (the brief's fit rule), footer (e.g. a draft notice).
// `filled`, when set: the form as filled in, flattened (generate_filled_copy).
Result<LaidDocument> lay_out_document(const DocumentKind& doc_kind, const Case& c, const TemplateData& view,
                                      const Resources& res, const Env& env, const FilledValues* filled = nullptr) {
  using R = Result<LaidDocument>;
  const std::string& kind = doc_kind.kind;
  auto choice = choose_template(doc_kind, c, res);
  if (!choice.is_ok()) return R::fail(choice.diagnostics());
  std::string file = template_file(res, choice.value().chosen);
  // the manifest names a site's own file by its folder, a shipped one as templates/...
  if (!file.starts_with(res.templates_dir + "/")) choice.value().folder = res.site_templates_dir;
  std::string tpl_path = choice.value().folder + "/" + choice.value().chosen;
  auto text = read_template(res, file);
  if (!text) return R::fail({error_at("", "cannot read " + tpl_path)});
  TemplateText tpl = split_front_matter(*text);
  auto expanded = expand_template(tpl.body, view, tpl_path, doc_kind.text ? Escaping::none : Escaping::markdown);
  if (!expanded.is_ok()) return R::fail(expanded.diagnostics());

  LaidDocument out;
  GeneratedDocument& doc = out.doc;
  doc.kind = kind;
  doc.file_name = doc_kind.file;
  doc.title = front_text(tpl.front, "title", kind);
  doc.template_choice = choice.value();
  if (doc_kind.text) {
    doc.pdf = expanded.take();
    doc.content_sha256 = sha256_hex(doc.pdf);  // a text document has no clock-dependent parts
    return R::ok(std::move(out));
  }

  const FontSet& fonts = front_text(tpl.front, "font", "sans") == "serif" ? res.serif : res.sans;
  PageStyle style;
  style.letterhead = letterhead_of(c.doc["practice"]);
  std::string footer = front_text(tpl.front, "footer", "");
  style.footer_left = "Case " + c.id + "  \xC2\xB7  " + (footer.empty() ? "Confidential: protected health information" : footer);
  Blocks blocks = parse_markdown(expanded.value());
  LayoutResult laid = front_flag(tpl.front, "one_page", false) ? layout_one_page(blocks, style, fonts)
                                                               : layout_document(blocks, style, fonts);
  if (has_errors(laid.diagnostics)) return R::fail(laid.diagnostics);
  if (filled) {
    FlattenedPages flat = flatten_fields(laid.pages, *filled, fonts);
    if (!flat.overflowed.empty()) {
      // appended at the end, so nothing above moves: the same boxes, the same values
      Blocks more = parse_markdown(expanded.value() + continued_fields(laid.pages, flat.overflowed, *filled));
      laid = layout_document(more, style, fonts);
      if (has_errors(laid.diagnostics)) return R::fail(laid.diagnostics);
      flat = flatten_fields(laid.pages, *filled, fonts);
    }
    laid.pages = std::move(flat.pages);
  }
  out.fonts = &fonts;
  out.meta = PdfMetadata{info_of(c, doc.title), std::string("p2pdoc ") + P2P_VERSION, env.timestamp, res.output_intent};
  doc.content_sha256 = drawn_content_digest(laid.pages);
  doc.pages = static_cast<int>(laid.pages.size());
  doc.body_size = laid.body_size;
  doc.items_cut = laid.items_cut;
  out.pages = std::move(laid.pages);
  return R::ok(std::move(out));
}

// The laid-out document painted into its PDF, with `shared` subsets where
// they are for its fonts.
Result<GeneratedDocument> paint_document(LaidDocument laid, const SharedSubsets* shared = nullptr) {
  using R = Result<GeneratedDocument>;
  if (laid.fonts == nullptr) return R::ok(std::move(laid.doc));
  auto pdf = export_pdf(laid.pages, *laid.fonts, laid.meta, shared);
  if (!pdf.is_ok()) return R::fail(pdf.diagnostics());
  laid.doc.pdf = pdf.take();
  return R::ok(std::move(laid.doc));
}

// One document on its own: its fonts subset for it alone.
Result<GeneratedDocument> render_document(const DocumentKind& doc_kind, const Case& c, const TemplateData& view,
                                          const Resources& res, const Env& env,
                                          const FilledValues* filled = nullptr) {
  auto laid = lay_out_document(doc_kind, c, view, res, env, filled);
  if (!laid.is_ok()) return Result<GeneratedDocument>::fail(laid.diagnostics());
  return paint_document(laid.take());
}

// The packet's documents drawn with `fonts`, each face subset once for all
// of them (pdf_export.h, SharedSubsets); none when fewer than two share it.
Result<SharedSubsets> packet_subsets(const std::vector<LaidDocument>& laid, const FontSet& fonts) {
  std::vector<const std::vector<Page>*> documents;
  for (const LaidDocument& d : laid)
    if (d.fonts == &fonts) documents.push_back(&d.pages);
  if (documents.size() < 2) return Result<SharedSubsets>::ok(SharedSubsets{});
  return share_subsets(documents, fonts);
}

json load_json(const std::string& path, Diagnostics& errors) {
  auto text = read_file(path);
  if (!text) {
    errors.push_back(error_at("", "cannot read " + path));
    return json::object();
  }
  json j = json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    errors.push_back(error_at("", path + " is not a JSON object"));
    return json::object();
  }
  return j;
}

// templates/packet.json: {"documents": [{"kind", "file", "format"?}, ...]}
// The shipped templates/ and a site's overlay of it, file by file.
struct TemplateFolders {
  std::string shipped, site;  // site: "" = no overlay

  // `exists`: how to ask whether the site has the file (the resources'
  // template reads, once they are loaded)
  template <class Exists = bool (*)(const std::string&)>
  std::string path_of(const std::string& rel, Exists exists = file_exists) const {
    if (!site.empty() && exists(site + "/" + rel)) return site + "/" + rel;
    return shipped + "/" + rel;
  }
  // The *.json names in `rel_dir` of either folder, sorted, each once.
  std::vector<std::string> json_files_in(const std::string& rel_dir, Diagnostics& errors) const {
    std::set<std::string> names;
    for (const std::string* base : {&shipped, &site}) {
      if (base->empty()) continue;
      std::error_code ec;
      std::string dir = *base + "/" + rel_dir;
      if (base == &site && !std::filesystem::is_directory(dir)) continue;  // a site overlays only what it wants
      for (const auto& e : std::filesystem::directory_iterator(dir, ec))
        if (e.path().extension() == ".json") names.insert(e.path().filename().string());
      if (ec) errors.push_back(error_at("", "cannot read " + dir + ": " + ec.message()));
    }
    return {names.begin(), names.end()};
  }
};

void load_packet(const std::string& path, std::vector<DocumentKind>& out, Diagnostics& errors) {
  json packet = load_json(path, errors);
  for (const json& d : packet.value("documents", json::array())) {
    DocumentKind k{d.value("kind", ""), d.value("file", ""), d.value("format", "pdf") == "text"};
    bool safe = !k.kind.empty() && !k.file.empty() && k.file.find('/') == std::string::npos && k.file[0] != '.';
    if (safe) out.push_back(k);
    else errors.push_back(error_at("", path + ": each document needs a kind and a plain file name"));
  }
  if (out.empty() && !has_errors(errors)) errors.push_back(error_at("", path + " lists no documents"));
}

// denial_words.json: {"about": ..., "boilerplate": ["word", ...]}, each
// word kept in lower case (the matching compares lower-case words).
std::shared_ptr<const std::set<std::string>> boilerplate_words(const json& file, Diagnostics& errors) {
  auto words = std::make_shared<std::set<std::string>>();
  const json& list = file.is_object() ? file.value("boilerplate", json()) : json();
  if (!list.is_array()) {
    if (file.is_object() && !file.empty())
      errors.push_back(error_at("", "denial_words.json: \"boilerplate\" must be a list of words"));
    return words;
  }
  for (const json& w : list) {
    if (!w.is_string()) continue;
    std::string word = w.get<std::string>();
    for (char& ch : word) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    words->insert(word);
  }
  return words;
}

// The library files; each payer's P2P window and added holidays join the
// deadline rules so that deadlines are computed from one table.
void load_knowledge(const TemplateFolders& folders, KnowledgeLibrary& lib, Diagnostics& errors) {
  auto load = [&](const std::string& name) { return load_json(folders.path_of("knowledge/" + name), errors); };
  lib.deadlines = load("deadlines.json");
  lib.citations = load("citations.json");
  lib.policies = load("policies.json");
  lib.denial_types = load("denial_types.json");
  lib.regulations = load("regulations.json");
  lib.benchmarks = load("benchmarks.json");
  lib.triage = load("triage.json");
  lib.boilerplate_words = boilerplate_words(load("denial_words.json"), errors);
  size_t before = errors.size();
  json categories_file = load("service_categories.json");
  if (errors.size() == before) {  // read: check it (a missing file is one error, not three)
    auto categories = service_categories_from_json(categories_file);
    if (categories.is_ok()) lib.service_categories = categories.take();
    else errors.insert(errors.end(), categories.diagnostics().begin(), categories.diagnostics().end());
  }
  for (const std::string& name : folders.json_files_in("knowledge/payers", errors)) {
    std::string id = std::filesystem::path(name).stem().string();
    json payer = load_json(folders.path_of("knowledge/payers/" + name), errors);
    if (payer.contains("p2p_request") && lib.deadlines.is_object())
      lib.deadlines["p2p_request"]["payers"][id] = payer["p2p_request"];
    if (payer.contains("holidays") && lib.deadlines.is_object())
      lib.deadlines["holidays"]["payers"][id] = payer["holidays"];
    lib.payers[id] = std::move(payer);
  }
}

}  // namespace

Env Env::at(long long timestamp) {
  Env e;
  e.timestamp = timestamp;
  e.today = Date::from_days(static_cast<long>(timestamp >= 0 ? timestamp / 86400 : (timestamp - 86399) / 86400));
  return e;
}

Env Env::from_process() {
  if (const char* s = std::getenv("SOURCE_DATE_EPOCH")) {
    char* end = nullptr;
    long long t = std::strtoll(s, &end, 10);
    if (end && *end == '\0' && end != s) return at(t);
  }
  return at(static_cast<long long>(std::time(nullptr)));
}

void keep_templates_in_memory(Resources& res) {
  res.template_files = std::make_shared<TemplateFiles>(std::vector<std::string>{res.templates_dir, res.site_templates_dir});
}

std::string template_file(const Resources& res, const std::string& rel) {
  return TemplateFolders{res.templates_dir, res.site_templates_dir}.path_of(
      rel, [&](const std::string& path) { return template_exists(res, path); });
}

Result<std::shared_ptr<const std::string>> read_srgb_profile(const std::string& icc_path) {
  using R = Result<std::shared_ptr<const std::string>>;
  auto icc = read_file(icc_path);
  auto fail = [&](const std::string& why) {
    return R::fail({error_at("", "PDF/A: the sRGB ICC profile " + icc_path + " " + why +
                                     " (Debian ships it in icc-profiles-free)")});
  };
  if (!icc) return fail("cannot be read");
  // an ICC header: size at 0, 'mntr' device class at 12, 'RGB ' colour space
  // at 16, 'acsp' at 36 (ICC.1, clause 7.2)
  if (icc->size() < 128 || icc->compare(36, 4, "acsp") != 0) return fail("is not an ICC profile");
  if (icc->compare(16, 4, "RGB ") != 0) return fail("is not an RGB profile");
  return R::ok(std::make_shared<const std::string>(std::move(*icc)));
}

Diagnostics use_archival_pdf(Resources& res, const std::string& icc_path) {
  auto profile = read_srgb_profile(icc_path);
  if (!profile.is_ok()) return profile.diagnostics();
  res.output_intent = profile.take();
  return {};
}

Result<Resources> load_resources(const std::string& root, const std::string& site_templates) {
  Resources res;
  res.root = root;
  res.templates_dir = root + "/templates";
  res.site_templates_dir = site_templates;
  Diagnostics errors;
  if (!site_templates.empty() && !std::filesystem::is_directory(site_templates))
    errors.push_back(error_at("", "the site templates folder " + site_templates + " is not a folder"));
  for (int i = 0; i < 4; ++i) {
    for (auto [family, set] : {std::pair{"LiberationSans", &res.sans}, std::pair{"LiberationSerif", &res.serif}}) {
      auto face = FontFace::load(root + "/fonts/" + family + kFaceSuffix[i]);
      if (face.is_ok()) set->faces[i] = face.value();
      else errors.insert(errors.end(), face.diagnostics().begin(), face.diagnostics().end());
    }
  }
  TemplateFolders folders{res.templates_dir, res.site_templates_dir};
  load_packet(folders.path_of("packet.json"), res.documents, errors);
  load_knowledge(folders, res.knowledge, errors);
  if (has_errors(errors)) return Result<Resources>::fail(errors);
  res.printable = std::make_shared<const TextCoverage>(packet_text_coverage({&res.sans, &res.serif}));
  return Result<Resources>::ok(std::move(res));
}

namespace {

// The case as the packet keeps it: the document as validated, without what
// load_case_checked added after validation (a citation's full "reference"
// from PubMed is no key of the format), so it loads again as it is.
std::string case_file_text(const Case& c) {
  json doc = c.doc;
  if (doc.contains("citations") && doc["citations"].is_array())
    for (json& cit : doc["citations"])
      if (cit.is_object()) cit.erase("reference");
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

// The triage's inputs gathered from the case, its deadlines and the library.
Triage triage_with(const Case& c, const CaseDeadlines& d, const Resources& res, const TriageHistory* history) {
  const json* type = nullptr;
  const json& types = res.knowledge.denial_types;
  if (types.is_object() && types.contains("denial_types") && types["denial_types"].contains(c.denial_type))
    type = &types["denial_types"][c.denial_type];
  TriageInput in;
  in.p2p_fit = type ? type->value("p2p_fit", true) : true;
  in.denial_type_label = type ? type->value("label", c.denial_type) : c.denial_type;
  in.call_held = c.doc.contains("call");
  in.call_booked = c.doc.contains("p2p") && c.doc["p2p"].is_object() && c.doc["p2p"].contains("scheduled");
  in.window_open = !d.p2p_request.passed;
  in.window_date = d.p2p_request.due.display() + (d.p2p_request.time.empty() ? "" : " " + d.p2p_request.time);
  in.appeal_open = !d.internal_appeal || !d.internal_appeal->passed;
  in.payer_name = c.doc.contains("payer") ? c.doc["payer"].value("name", c.payer_id) : c.payer_id;
  if (c.doc.contains("services")) in.services = c.doc["services"];
  in.history = history;
  return triage_case(in, {res.knowledge.benchmarks, res.knowledge.service_categories, res.knowledge.triage});
}

}  // namespace

Result<Triage> triage_for_case(const Case& c, const Resources& res, const Env& env, const TriageHistory* history) {
  auto deadlines = compute_deadlines(c, res.knowledge.deadlines, res.knowledge.regulations, env.today);
  if (!deadlines.is_ok()) return Result<Triage>::fail(deadlines.diagnostics());
  return Result<Triage>::ok(triage_with(c, deadlines.value(), res, history));
}

namespace {

// The merge stage's output for one case with its triage: what every
// document's template sees. `triage` receives the triage as JSON.
Result<json> document_view(const Case& c, const Resources& res, const Env& env, const TriageHistory* history,
                           json& triage) {
  auto deadlines = compute_deadlines(c, res.knowledge.deadlines, res.knowledge.regulations, env.today);
  if (!deadlines.is_ok()) return Result<json>::fail(deadlines.diagnostics());
  json merged = merge_case_view(c, deadlines.value(), gather_evidence(c, res.knowledge), env.today);
  triage = triage_json(triage_with(c, deadlines.value(), res, history));
  merged["triage"] = triage;
  return Result<json>::ok(std::move(merged));
}

}  // namespace

Result<Packet> generate_packet(const Case& c, const Resources& res, const Env& env, const TriageHistory* history) {
  Packet packet;
  packet.case_id = c.id;
  auto merged = document_view(c, res, env, history, packet.triage);
  if (!merged.is_ok()) return Result<Packet>::fail(merged.diagnostics());
  TemplateData view(merged.take());
  std::vector<LaidDocument> laid;
  laid.reserve(res.documents.size());
  for (const DocumentKind& kind : res.documents) {
    auto doc = lay_out_document(kind, c, view, res, env);
    if (!doc.is_ok()) return Result<Packet>::fail(doc.diagnostics());
    laid.push_back(doc.take());
  }
  SharedSubsets shared[2];
  const FontSet* sets[2] = {&res.sans, &res.serif};
  for (int i = 0; i < 2; ++i) {
    auto made = packet_subsets(laid, *sets[i]);
    if (!made.is_ok()) return Result<Packet>::fail(made.diagnostics());
    shared[i] = made.take();
  }
  for (LaidDocument& d : laid) {
    const SharedSubsets* mine = d.fonts == &res.serif ? &shared[1] : &shared[0];
    auto doc = paint_document(std::move(d), mine);
    if (!doc.is_ok()) return Result<Packet>::fail(doc.diagnostics());
    packet.documents.push_back(doc.take());
  }
  packet.case_json = case_file_text(c);
  return Result<Packet>::ok(std::move(packet));
}

Result<GeneratedDocument> generate_document(const Case& c, const std::string& kind, const Resources& res,
                                            const Env& env, const TriageHistory* history) {
  auto known = std::find_if(res.documents.begin(), res.documents.end(),
                            [&](const DocumentKind& k) { return k.kind == kind; });
  if (known == res.documents.end()) {
    std::string kinds;
    for (const DocumentKind& k : res.documents) kinds += (kinds.empty() ? "" : ", ") + k.kind;
    return Result<GeneratedDocument>::fail({error_at("", "no document '" + kind + "' in templates/packet.json (the packet has " + kinds + ")")});
  }
  json triage;
  auto merged = document_view(c, res, env, history, triage);
  if (!merged.is_ok()) return Result<GeneratedDocument>::fail(merged.diagnostics());
  TemplateData view(merged.take());
  return render_document(*known, c, view, res, env);
}

Result<GeneratedDocument> generate_filled_copy(const Case& c, const std::string& kind, const FilledValues& filled,
                                               const std::string& file_name, const Resources& res, const Env& env) {
  auto known = std::find_if(res.documents.begin(), res.documents.end(),
                            [&](const DocumentKind& k) { return k.kind == kind && !k.text; });
  if (known == res.documents.end())
    return Result<GeneratedDocument>::fail({error_at("", "no form document '" + kind + "' in templates/packet.json")});
  // the values are printed as filled: each must be printable with the shipped fonts
  json values = json::object();
  for (const auto& [name, v] : filled) values[name] = v.text;
  if (Diagnostics bad = check_printable_text(values, *res.printable); has_errors(bad))
    return Result<GeneratedDocument>::fail(bad);
  json triage;
  auto merged = document_view(c, res, env, nullptr, triage);
  if (!merged.is_ok()) return Result<GeneratedDocument>::fail(merged.diagnostics());
  TemplateData view(merged.take());
  DocumentKind copy = *known;
  copy.file = file_name;
  return render_document(copy, c, view, res, env, &filled);
}

Result<json> case_view(const Case& c, const Resources& res, const TriageHistory* history) {
  Env env = Env::from_process();
  auto deadlines = compute_deadlines(c, res.knowledge.deadlines, res.knowledge.regulations, env.today);
  if (!deadlines.is_ok()) return Result<json>::fail(deadlines.diagnostics());
  json view = merge_case_view(c, deadlines.value(), gather_evidence(c, res.knowledge), env.today);
  view["triage"] = triage_json(triage_with(c, deadlines.value(), res, history));
  return Result<json>::ok(std::move(view));
}

namespace {

struct CompletedCitations {
  std::map<size_t, std::string> references;  // citation index -> full reference
  Diagnostics warnings;
};

bool is_pmid(const std::string& s) {
  return !s.empty() && s.size() <= 9 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool lacks_text(const json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() || (it->is_string() && it->get<std::string>().find_first_not_of(" \t\r\n") == std::string::npos);
}

// Runs before validation, on the parsed document, so the format's required
// title and source can come from PubMed. Touches only citation objects with
// a well-formed pmid; anything malformed is left for validate_case to report.
CompletedCitations complete_citations(json& doc, const CitationLookup& lookup, const Date& today) {
  CompletedCitations out;
  if (!doc.is_object() || !doc.contains("citations") || !doc["citations"].is_array()) return out;
  json& cits = doc["citations"];
  for (size_t i = 0; i < cits.size(); ++i) {
    json& cit = cits[i];
    if (!cit.is_object() || !cit.contains("pmid") || !cit["pmid"].is_string()) continue;
    std::string pmid = cit["pmid"].get<std::string>();
    if (!is_pmid(pmid)) continue;
    std::string path = "/citations/" + std::to_string(i);
    bool no_title = lacks_text(cit, "title"), no_source = lacks_text(cit, "source");
    auto found = lookup.look_up(pmid);
    std::vector<std::string> filled;
    if (found.is_ok()) {
      const CitationRecord& r = found.value();
      auto fill = [&](const char* key, const json& value) {
        cit[key] = value;
        filled.push_back(key);
      };
      if (no_title && !r.title.empty()) fill("title", r.title), no_title = false;
      if (no_source && !r.source.empty()) fill("source", r.source), no_source = false;
      bool year_ok = r.year >= 1900 && r.year <= today.year + 1;
      if (!cit.contains("year") && year_ok) fill("year", r.year);
      else if (year_ok && cit["year"].is_number_integer() && cit["year"].get<int>() != r.year)
        out.warnings.push_back(warning_at(path + "/year", "PubMed gives " + std::to_string(r.year) + " for PMID " +
                                                              pmid + ": check the year and the PMID"));
      if (!r.reference.empty()) out.references[i] = r.reference;
    } else {
      std::string why = found.diagnostics().empty() ? "no answer" : found.diagnostics()[0].message;
      out.warnings.push_back(warning_at(path + "/pmid", "PMID " + pmid + " could not be looked up in PubMed (" + why +
                                                            "): printed as the case gives it"));
    }
    if (!filled.empty()) {
      std::string list;
      for (const std::string& f : filled) list += (list.empty() ? "" : ", ") + f;
      out.warnings.push_back(warning_at(path, list + " completed from PubMed (PMID " + pmid + "): check before sending"));
    }
    // Never fail a case for PubMed: a visible placeholder the reviewer must replace.
    if (no_source) cit["source"] = "PubMed";
    if (no_title) cit["title"] = "[PMID " + pmid + ": title not retrieved, check before sending]";
  }
  return out;
}

}  // namespace

Result<Case> load_case_checked(std::string_view text, const Resources& res, const Env& env) {
  auto parsed = parse_case_json(text);
  if (!parsed.is_ok()) return Result<Case>::fail(parsed.diagnostics());
  return load_parsed_case_checked(parsed.take(), res, env);
}

Result<Case> load_parsed_case_checked(json doc, const Resources& res, const Env& env) {
  CompletedCitations completed;
  if (env.citations) completed = complete_citations(doc, *env.citations, env.today);
  Diagnostics all = completed.warnings;
  // Library-key problems are reported with the format errors, not after they
  // are fixed (issue 9), so they are checked on the parsed document first.
  Diagnostics keys = check_library_keys(doc, res.knowledge);
  auto loaded = load_parsed_case(std::move(doc), env.today);
  all.insert(all.end(), loaded.diagnostics().begin(), loaded.diagnostics().end());
  all.insert(all.end(), keys.begin(), keys.end());
  if (!loaded.is_ok()) return Result<Case>::fail(all);
  Diagnostics unprintable = check_printable_text(loaded.value().doc, *res.printable, unknown_key_paths(all));
  all.insert(all.end(), unprintable.begin(), unprintable.end());
  // the letterhead is on every page in either family: refuse it here, as
  // bad input, rather than when the first document is laid out
  PageStyle page;
  page.letterhead = letterhead_of(loaded.value().doc["practice"]);
  Diagnostics letterhead = check_letterhead(page, res.serif);
  if (!has_errors(letterhead)) letterhead = check_letterhead(page, res.sans);
  all.insert(all.end(), letterhead.begin(), letterhead.end());
  if (has_errors(all)) return Result<Case>::fail(all);
  // added after validation: "reference" is not a key of the case format
  for (const auto& [i, reference] : completed.references) {
    json& cit = loaded.value().doc["citations"][i];
    if (cit.is_object() && !cit.contains("reference")) cit["reference"] = reference;
  }
  return Result<Case>::ok(loaded.take(), all);
}

Result<Case> refuse_warnings(Result<Case> loaded) {
  if (!loaded.is_ok() || loaded.diagnostics().empty()) return loaded;
  Diagnostics errors = loaded.diagnostics();
  for (Diagnostic& d : errors) {
    d.severity = Severity::error;
    d.message += " (strict: warnings are errors)";
  }
  return Result<Case>::fail(std::move(errors));
}

std::string explain_case(const Case& c, const Resources& res, const TriageHistory* history) {
  std::ostringstream out;
  out << "case " << c.id << ": payer " << c.payer_id << ", denial type " << c.denial_type << ", plan type "
      << c.plan_type << ", state " << c.state << "\n\n";
  for (const DocumentKind& doc : res.documents) {
    const std::string& kind = doc.kind;
    std::string ext = doc.text ? ".txt" : ".md";
    auto choice = choose_template(doc, c, res);
    out << doc.file << ":\n";
    for (const std::string& cand : template_candidates(kind, c.payer_id, c.denial_type, ext)) {
      bool chosen = choice.is_ok() && choice.value().chosen == cand;
      bool tried = choice.is_ok() && std::find(choice.value().candidates.begin(), choice.value().candidates.end(),
                                               cand) != choice.value().candidates.end();
      std::string file = template_file(res, cand);
      bool site = !file.starts_with(res.templates_dir + "/");
      out << "  " << (chosen ? "-> " : tried ? "   " : "   ") << (site ? res.site_templates_dir : "templates") << "/"
          << cand << (chosen ? "  (chosen)" : tried ? "  (not present)" : "  (not tried: a more specific file won)")
          << (site && chosen ? " (the site's own file)" : "") << "\n";
    }
  }
  Evidence ev = gather_evidence(c, res.knowledge);
  out << "\npayer entry: templates/knowledge/" << ev.payer_file << "\n";
  out << "denial type: " << ev.denial_type.value("label", c.denial_type)
      << (ev.denial_type.value("p2p_fit", true) ? "" : " (a P2P is unlikely to help)") << "\n";
  out << "citations:\n";
  for (const json& cit : ev.citations)
    out << "  " << (cit.contains("key") ? "library   " : "case      ") << cit.value("source", "?") << ": "
        << cit.value("title", cit.value("key", "?")) << "\n";
  for (const json& cit : ev.suggested)
    out << "  suggested " << cit.value("source", "?") << ": " << cit.value("title", "?") << " (key "
        << cit.value("key", "?") << "; for review, not in the letters until the case lists the key)\n";
  for (const json& u : ev.unknown_keys)
    out << "  unknown   " << u["key"].get<std::string>() << " (left out)\n";
  out << "policy criteria: "
      << (ev.policy_from_library ? "from the library (" + ev.policy_source + "), status unknown"
                                 : ev.policy.contains("criteria") ? "from the case" : "none")
      << "\n";
  auto d = compute_deadlines(c, res.knowledge.deadlines, res.knowledge.regulations, Env::from_process().today);
  if (d.is_ok()) {
    out << "P2P request by " << d.value().p2p_request.due.iso() << " (" << d.value().p2p_request.basis << "; "
        << d.value().p2p_request.source << ")\n";
    if (d.value().internal_appeal)
      out << "internal appeal by " << d.value().internal_appeal->due.iso() << " (" << d.value().internal_appeal->basis
          << "; " << d.value().internal_appeal->source << ")\n";
    else
      out << "internal appeal: no rule in the library for plan type " << c.plan_type << "\n";
    if (d.value().external_review)
      out << "external review: " << d.value().external_review->basis << " (from this denial: "
          << d.value().external_review->due.iso() << ")\n";
    if (!d.value().next.empty()) out << "next deadline: " << d.value().next << "\n";
    if (d.value().expedited) out << "expedited: " << d.value().expedited_note << "\n";
    out << "\n" << triage_arithmetic(triage_with(c, d.value(), res, history));
  }
  return out.str();
}

namespace {

json manifest_entry(const GeneratedDocument& d) {
  return {{"kind", d.kind},
                    {"title", d.title},
                    {"format", d.pages ? "pdf" : "text"},
                    {"file", d.file_name},
                    {"template", d.template_choice.folder + "/" + d.template_choice.chosen},
                    {"template_candidates", d.template_choice.candidates},
                    {"pages", d.pages},
                    {"bytes", d.pdf.size()},
                    {"sha256", sha256_hex(d.pdf)},
                    {"content_sha256", d.content_sha256},
                    {"body_size_pt", d.body_size},
                    {"items_cut", d.items_cut}};
}

// The records the packet at `dir` lists (manifest entry, bytes) that `p`
// does not replace. A record that cannot be read (a packet swapped away
// at this moment) is left where it is.
std::vector<std::pair<json, std::string>> kept_records(const std::string& dir, const Packet& p) {
  std::vector<std::pair<json, std::string>> kept;
  auto text = read_file(dir + "/manifest.json");
  if (!text) return kept;
  json old = json::parse(*text, nullptr, false);
  if (!old.is_object() || !old.contains("records") || !old["records"].is_array()) return kept;
  for (const json& r : old["records"]) {
    if (!r.is_object() || !r.contains("file") || !r["file"].is_string()) continue;
    std::string file = r["file"].get<std::string>();
    if (file.empty() || file.find('/') != std::string::npos || file[0] == '.') continue;
    bool replaced = std::any_of(p.records.begin(), p.records.end(),
                                [&](const GeneratedDocument& d) { return d.file_name == file; });
    if (replaced) continue;
    if (auto bytes = read_file(dir + "/" + file)) kept.emplace_back(r, std::move(*bytes));
  }
  return kept;
}

}  // namespace

json packet_manifest(const Packet& p, const Env& env) {
  json docs = json::array();
  for (const GeneratedDocument& d : p.documents) docs.push_back(manifest_entry(d));
  json warnings = json::array();
  for (const Diagnostic& w : p.warnings) warnings.push_back({{"path", w.path}, {"message", w.message}});
  json manifest = {{"case_id", p.case_id},
                   {"generator", std::string("p2pdoc ") + P2P_VERSION},
                   {"generated", iso_utc(env.timestamp)},
                   {"documents", docs},
                   {"warnings", warnings}};
  if (!p.triage.is_null()) manifest["triage"] = p.triage;
  if (!p.records.empty()) {
    json records = json::array();
    for (const GeneratedDocument& d : p.records) records.push_back(manifest_entry(d));
    manifest["records"] = records;
  }
  return manifest;
}

Result<WrittenPacket> write_packet(const Packet& p, const std::string& out_dir, const Env& env, Durability durability) {
  static std::atomic<unsigned> counter{0};
  // built beside its final place (same file system, so the swap is a rename);
  // the leading dot keeps it apart from case ids, which never start with one
  std::string staged = out_dir + "/.staging-" + p.case_id + "-" + std::to_string(getpid()) + "-" +
                       std::to_string(counter++);
  std::string dir = out_dir + "/" + p.case_id;
  auto fail = [&](const Diagnostics& d) {
    remove_tree(staged);
    return Result<WrittenPacket>::fail(d);
  };
  // the folder is private until installed: its files need no temporary
  // names and no flush of their own; one flush covers them all (and the
  // files of packets written at the same moment), then the rename
  for (const GeneratedDocument& d : p.documents) {
    auto w = write_file_staged(staged + "/" + d.file_name, d.pdf);
    if (!w.is_ok()) return fail(w.diagnostics());
  }
  if (!p.case_json.empty()) {
    auto kept = write_file_staged(staged + "/case.json", p.case_json);
    if (!kept.is_ok()) return fail(kept.diagnostics());
  }
  // the records: those of the packet replaced first, then the new ones (in
  // the order they were filed)
  json manifest = packet_manifest(p, env);
  json records = json::array();
  for (auto& [entry, bytes] : kept_records(dir, p)) {
    auto r = write_file_staged(staged + "/" + entry["file"].get<std::string>(), bytes);
    if (!r.is_ok()) return fail(r.diagnostics());
    records.push_back(entry);
  }
  for (const GeneratedDocument& d : p.records) {
    auto r = write_file_staged(staged + "/" + d.file_name, d.pdf);
    if (!r.is_ok()) return fail(r.diagnostics());
  }
  if (!records.empty()) {
    if (manifest.contains("records"))
      for (json& r : manifest["records"]) records.push_back(std::move(r));
    manifest["records"] = records;
  }
  auto w = write_file_staged(staged + "/manifest.json", manifest.dump(2) + "\n");
  if (!w.is_ok()) return fail(w.diagnostics());
  // durable before visible: a crash after the rename must find whole files
  auto flushed = flush_file_system(staged);
  if (!flushed.is_ok()) return fail(flushed.diagnostics());
  auto installed = install_directory(staged, dir, dir + ".prev", durability);
  if (!installed.is_ok()) return fail(installed.diagnostics());
  return Result<WrittenPacket>::ok(WrittenPacket{dir, std::move(manifest)});
}

}  // namespace p2p
