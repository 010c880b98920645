#include "pipeline/pipeline.h"

#include <cstdlib>
#include <ctime>

#include "expand/expand.h"
#include "knowledge/deadlines.h"
#include "markdown/markdown.h"
#include "pdf/pdf_export.h"
#include "pipeline/files.h"
#include "pipeline/merge.h"

#ifndef P2P_VERSION
#define P2P_VERSION "0.1.0"
#endif

namespace p2p {

namespace {

using json = nlohmann::json;

const char* kFontFiles[4] = {"LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf", "LiberationSans-Italic.ttf",
                             "LiberationSans-BoldItalic.ttf"};

std::string iso_timestamp(long long t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Letterhead letterhead_of(const json& practice) {
  Letterhead lh;
  lh.name = practice.value("name", "");
  for (const json& line : practice.value("address", json::array()))
    if (line.is_string()) lh.lines.push_back(line.get<std::string>());
  std::string contact;
  if (practice.contains("phone")) contact += "Tel " + practice["phone"].get<std::string>();
  if (practice.contains("fax")) contact += (contact.empty() ? "" : "  \xC2\xB7  ") + ("Fax " + practice["fax"].get<std::string>());
  if (!contact.empty()) lh.lines.push_back(contact);
  if (practice.contains("npi")) lh.lines.push_back("NPI " + practice["npi"].get<std::string>());
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

// One document: select its template, expand it, lay it out, paint it.
Result<GeneratedDocument> render_document(const std::string& kind, const std::string& title, const Case& c,
                                          const json& view, const Resources& res, const Env& env) {
  using R = Result<GeneratedDocument>;
  auto choice = select_template(kind, c.payer_id, c.denial_type, [&](const std::string& rel) {
    return file_exists(res.templates_dir + "/" + rel);
  });
  if (!choice.is_ok()) return R::fail(choice.diagnostics());
  std::string tpl_path = "templates/" + choice.value().chosen;
  auto text = read_file(res.templates_dir + "/" + choice.value().chosen);
  if (!text) return R::fail({error_at("", "cannot read " + tpl_path)});
  auto md = expand_template(*text, view, tpl_path);
  if (!md.is_ok()) return R::fail(md.diagnostics());

  PageStyle style;
  style.letterhead = letterhead_of(c.doc["practice"]);
  style.footer_left = "Case " + c.id + "  \xC2\xB7  Confidential: protected health information";
  LayoutResult laid = layout_one_page(parse_markdown(md.value()), style, res.fonts);

  PdfMetadata meta{info_of(c, title), std::string("p2pdoc ") + P2P_VERSION, env.timestamp};
  auto pdf = export_pdf(laid.pages, res.fonts, meta);
  if (!pdf.is_ok()) return R::fail(pdf.diagnostics());
  GeneratedDocument doc;
  doc.kind = kind;
  doc.file_name = kind + ".pdf";
  doc.template_choice = choice.value();
  doc.pdf = pdf.take();
  doc.pages = static_cast<int>(laid.pages.size());
  doc.body_size = laid.body_size;
  doc.items_cut = laid.items_cut;
  return R::ok(std::move(doc));
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

Result<Resources> load_resources(const std::string& root) {
  Resources res;
  res.root = root;
  res.templates_dir = root + "/templates";
  Diagnostics errors;
  for (int i = 0; i < 4; ++i) {
    auto face = FontFace::load(root + "/fonts/" + kFontFiles[i]);
    if (face.is_ok()) res.fonts.faces[i] = face.value();
    else errors.insert(errors.end(), face.diagnostics().begin(), face.diagnostics().end());
  }
  std::string rules_path = res.templates_dir + "/knowledge/deadlines.json";
  auto rules = read_file(rules_path);
  if (!rules) {
    errors.push_back(error_at("", "cannot read " + rules_path));
  } else {
    res.deadline_rules = json::parse(*rules, nullptr, false);
    if (res.deadline_rules.is_discarded()) errors.push_back(error_at("", rules_path + " is not valid JSON"));
  }
  if (has_errors(errors)) return Result<Resources>::fail(errors);
  return Result<Resources>::ok(std::move(res));
}

Result<Packet> generate_packet(const Case& c, const Resources& res, const Env& env) {
  Packet packet;
  packet.case_id = c.id;

  auto deadlines = compute_deadlines(c, res.deadline_rules);
  if (!deadlines.is_ok()) return Result<Packet>::fail(deadlines.diagnostics());
  json view = merge_case_view(c, deadlines.value(), env.today);

  auto brief = render_document("brief", "Peer-to-peer case brief", c, view, res, env);
  if (!brief.is_ok()) return Result<Packet>::fail(brief.diagnostics());
  packet.documents.push_back(brief.take());
  return Result<Packet>::ok(std::move(packet));
}

json packet_manifest(const Packet& p, const Env& env) {
  json docs = json::array();
  for (const GeneratedDocument& d : p.documents) {
    docs.push_back({{"kind", d.kind},
                    {"file", d.file_name},
                    {"template", "templates/" + d.template_choice.chosen},
                    {"template_candidates", d.template_choice.candidates},
                    {"pages", d.pages},
                    {"bytes", d.pdf.size()},
                    {"sha256", sha256_hex(d.pdf)},
                    {"body_size_pt", d.body_size},
                    {"items_cut", d.items_cut}});
  }
  json warnings = json::array();
  for (const Diagnostic& w : p.warnings) warnings.push_back({{"path", w.path}, {"message", w.message}});
  return {{"case_id", p.case_id},
          {"generator", std::string("p2pdoc ") + P2P_VERSION},
          {"generated", iso_timestamp(env.timestamp)},
          {"documents", docs},
          {"warnings", warnings}};
}

Result<std::string> write_packet(const Packet& p, const std::string& out_dir, const Env& env) {
  std::string dir = out_dir + "/" + p.case_id;
  for (const GeneratedDocument& d : p.documents) {
    auto w = write_file_atomic(dir + "/" + d.file_name, d.pdf);
    if (!w.is_ok()) return Result<std::string>::fail(w.diagnostics());
  }
  // the manifest last: its presence means every document before it is complete
  auto w = write_file_atomic(dir + "/manifest.json", packet_manifest(p, env).dump(2) + "\n");
  if (!w.is_ok()) return Result<std::string>::fail(w.diagnostics());
  return Result<std::string>::ok(dir);
}

}  // namespace p2p
