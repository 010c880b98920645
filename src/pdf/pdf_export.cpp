// Painting frames into PDF, written straight into the file's bytes by
// pdf/object_writer.h: the page content streams, our own font subsets
// (text/font_subset keeps only the glyphs drawn, renumbered, so a face costs
// a few KB, and text is shown as 2-byte glyph ids of that subset: Identity-H,
// CID = glyph id), the form and the document info. PoDoFo wrote these files
// until its object model and writer cost a seventh of a packet and its ~20
// shared libraries half of a one-shot's start (docs/performance.md).
#include "pdf/pdf_export.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <memory>

#include "pdf/archival.h"
#include "pdf/form_fields.h"
#include "pdf/object_writer.h"
#include "pdf/syntax.h"
#include "pdf/type0_font.h"
#include "text/code_point_set.h"
#include "text/coverage.h"
#include "text/font_subset.h"

namespace p2p {

namespace {

struct UsedFont {
  std::shared_ptr<const Type0FontParts> parts;   // null: the face draws nothing
  int object = 0;  // the Type0 font dictionary
  const FontSubset* subset() const { return parts ? &parts->subset : nullptr; }
};

// "✓ (U+2713), ..." for the characters of `cps` that `face` has no glyph
// for, in order of first appearance; "" when it has them all.
std::string lacking(const FontFace& face, const std::vector<char32_t>& cps, size_t from = 0) {
  std::vector<char32_t> seen;
  std::string out;
  for (size_t i = from; i < cps.size(); ++i) {
    char32_t cp = cps[i];
    if (face.has_glyph(cp) || std::find(seen.begin(), seen.end(), cp) != seen.end()) continue;
    seen.push_back(cp);
    out += (out.empty() ? "" : ", ") + (cp >= 32 ? utf8_of(cp) + " (" + code_point_name(cp) + ")" : code_point_name(cp));
  }
  return out;
}

// The texts the pages draw with font `f`, as code points in drawing order:
// only for the message when a character lacks its glyph.
std::vector<char32_t> drawn_in_order(const std::vector<Page>& pages, int f) {
  std::vector<char32_t> cps;
  for (const Page& p : pages)
    for (const TextItem& t : p.texts)
      if ((t.font & 3) == f)
        for (size_t i = 0; i < t.text.size();) cps.push_back(next_code_point(t.text, i));
  return cps;
}

// Every code point of UTF-8 `text` into `set`; ASCII without decoding.
void collect(std::string_view text, CodePointSet& set) {
  for (size_t i = 0; i < text.size();) {
    auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x80) {
      set.insert(byte);
      ++i;
    } else {
      set.insert(next_code_point(text, i));
    }
  }
}

// The code points `pages` draw with each face into `cps` (form fields'
// values with face 0, form_fields.h); a field value face 0 lacks is an
// error naming the field.
void collect_drawn(const std::vector<Page>& pages, const FontSet& fonts, CodePointSet (&cps)[4], Diagnostics& errors) {
  std::vector<char32_t> field_cps;
  for (const Page& p : pages) {
    for (const TextItem& t : p.texts) collect(t.text, cps[t.font & 3]);
    for (const FieldItem& field : p.fields) {
      field_cps.clear();
      field_code_points(field, field_cps);
      for (char32_t cp : field_cps) cps[0].insert(cp);
      std::string missing = lacking(fonts.face(0), field_cps);
      if (!missing.empty())
        errors.push_back(error_at("", "form field " + field.name + ": the font " + fonts.face(0).postscript_name() +
                                          " has no glyph for " + missing));
    }
  }
}

template <class Pred>
bool every(const CodePointSet& cps, Pred pred) {
  bool all = true;
  cps.for_each([&](char32_t cp) { all = all && pred(cp); });
  return all;
}

bool covers(const FontFace& face, const CodePointSet& cps) {
  return every(cps, [&](char32_t cp) { return face.has_glyph(cp); });
}

// Whether the shared subset holds every code point of `cps` (it was made
// from a union that included them, unless the caller passed other pages).
bool holds(const FontSubset& subset, const CodePointSet& cps) {
  return every(cps, [&](char32_t cp) { return subset.glyph_id(cp) != 0; });
}

// `face` subset for `cps`, its streams compressed: what embedding needs.
Result<std::shared_ptr<const Type0FontParts>> subset_parts(const FontFace& face, const CodePointSet& cps) {
  auto subset = subset_font(face, cps);
  if (!subset.is_ok()) return Result<std::shared_ptr<const Type0FontParts>>::fail(subset.diagnostics());
  return Result<std::shared_ptr<const Type0FontParts>>::ok(
      std::make_shared<const Type0FontParts>(type0_font_parts(subset.take())));
}

// Subsets each face for exactly the code points the pages draw with it, or
// takes the shared subset of that face; a face the pages do not draw with
// is left out of the file either way. A character a face lacks would print
// as an empty box: an error, never a silent box. The pipeline refuses such
// case texts with their JSON path before this point (pipeline/coverage.h),
// so what is caught here comes from a template, the library, or a caller of
// this stage.
Result<bool> prepare_fonts(const std::vector<Page>& pages, const FontSet& fonts, const SharedSubsets* shared,
                           ObjectWriter& pdf, UsedFont (&used)[4]) {
  thread_local CodePointSet cps[4];   // 8 KB each: reused, cleared by the blocks they used
  for (CodePointSet& set : cps) set.clear();
  Diagnostics errors;
  collect_drawn(pages, fonts, cps, errors);
  for (int f = 0; f < 4 && errors.empty(); ++f) {
    if (!covers(fonts.face(f), cps[f]))
      errors.push_back(error_at("", "the text has characters the font " + fonts.face(f).postscript_name() +
                                        " has no glyph for: " + lacking(fonts.face(f), drawn_in_order(pages, f))));
  }
  if (!errors.empty()) return Result<bool>::fail(errors);
  if (shared != nullptr && shared->fonts != &fonts) shared = nullptr;
  for (int f = 0; f < 4; ++f) {
    if (cps[f].empty()) continue;
    if (shared != nullptr && shared->face[f] && holds(shared->face[f]->subset, cps[f])) {
      used[f].parts = shared->face[f];
    } else {
      auto parts = subset_parts(fonts.face(f), cps[f]);
      if (!parts.is_ok()) return Result<bool>::fail(parts.diagnostics());
      used[f].parts = parts.take();
    }
    used[f].object = embed_type0_font(pdf, *used[f].parts);
  }
  return Result<bool>::ok(true);
}

// --- pages ----------------------------------------------------------------

void put_color(std::string& out, const Color& c, const char* op) { put_numbers(out, {c.r, c.g, c.b}, op); }

// "[d d] 0 d": equal dashes and gaps from the start of each line; "[] 0 d" is solid.
void put_dash(std::string& out, double dash) {
  out += '[';
  if (dash > 0) {
    put_number(out, dash);
    out += ' ';
    put_number(out, dash);
  }
  out += "] 0 d\n";
}

std::string content_stream(const Page& page, UsedFont (&used)[4]) {
  std::string out;
  out.reserve(8192);
  const double h = page.height;  // layout y runs down from the top; PDF y runs up
  Color fill{-1, -1, -1}, stroke{-1, -1, -1};
  for (const RectItem& r : page.rects) {
    if (!(r.fill == fill)) put_color(out, fill = r.fill, "rg");
    put_numbers(out, {r.x, h - r.y - r.h, r.w, r.h}, "re f");
  }
  double width = -1, dash = 0;
  for (const LineItem& l : page.lines) {
    if (!(l.color == stroke)) put_color(out, stroke = l.color, "RG");
    if (l.width != width) put_numbers(out, {width = l.width}, "w");
    if (l.dash != dash) put_dash(out, dash = l.dash);
    put_numbers(out, {l.x1, h - l.y1}, "m");
    put_numbers(out, {l.x2, h - l.y2}, "l S");
  }
  if (page.texts.empty()) return out;
  out += "BT\n";
  int font = -1;
  double size = -1;
  // Each text starts where the previous one did, moved by Td: shorter than a
  // full Tm per text. The moves are differences of hundredths of a point, the
  // precision every number here is written to, so they add up exactly.
  long long at_x = 0, at_y = 0;  // the line start so far, hundredths (BT starts it at 0 0)
  for (const TextItem& t : page.texts) {
    if (t.font != font || t.size != size) {
      font = t.font & 3;
      size = t.size;
      out += "/F" + std::to_string(font) + ' ';
      put_numbers(out, {size}, "Tf");
    }
    if (!(t.color == fill)) put_color(out, fill = t.color, "rg");
    const long long x = std::llround(t.x * 100), y = std::llround((h - t.baseline) * 100);
    put_numbers(out, {static_cast<double>(x - at_x) / 100, static_cast<double>(y - at_y) / 100}, "Td");
    at_x = x, at_y = y;
    static const FontSubset kNothing;  // an empty text of a face that draws nothing
    put_glyph_string(out, used[font].parts ? used[font].parts->subset : kNothing, t.text);
    out += " Tj\n";
  }
  out += "ET\n";
  return out;
}

// The page's content stream, its widgets, then the page object (which
// lists the widgets as /Annots, so it comes last).
void write_page(ObjectWriter& pdf, int id, int parent, const Page& page, UsedFont (&used)[4], const FontSet& fonts,
                AcroFormParts& form, long long timestamp) {
  const int contents = pdf.reserve();
  pdf.stream(contents, deflated(content_stream(page, used)), true);
  std::vector<int> annots =
      write_form_fields(pdf, id, page.height, page.fields, fonts.face(0),
                        AppearanceFont{used[0].object, used[0].subset()}, form, timestamp);
  pdf.begin(id);
  pdf.open_dict().key("Type").name("Page").key("Parent").ref(parent);
  pdf.key("MediaBox").open_array().integer(0).integer(0).number(page.width).number(page.height).close_array();
  pdf.key("Resources").open_dict().key("Font").open_dict();
  static const char* const kFontNames[4] = {"F0", "F1", "F2", "F3"};
  for (int f = 0; f < 4; ++f)
    if (used[f].object) pdf.key(kFontNames[f]).ref(used[f].object);
  pdf.close_dict().close_dict();
  pdf.key("Contents").ref(contents);
  if (!annots.empty()) {
    pdf.key("Annots").open_array();
    for (int a : annots) pdf.ref(a);
    pdf.close_array();
  }
  pdf.close_dict();
  pdf.end();
}

void write_info(ObjectWriter& pdf, int id, const PdfMetadata& meta) {
  pdf.begin(id);
  pdf.open_dict().key("Title").text(meta.info.title);
  // an archival file's metadata repeats each entry the info has (archival.h),
  // and the XMP leaves an empty one out: so does the info then
  bool archival = meta.output_intent != nullptr;
  if (!archival || !meta.info.author.empty()) pdf.key("Author").text(meta.info.author);
  if (!archival || !meta.info.subject.empty()) pdf.key("Subject").text(meta.info.subject);
  if (!meta.info.keywords.empty()) pdf.key("Keywords").text(meta.info.keywords);
  pdf.key("Creator").text(meta.creator).key("Producer").text(producer_of(meta));
  std::string date = pdf_date(meta.timestamp);
  pdf.key("CreationDate").literal(date).key("ModDate").literal(date).close_dict();
  pdf.end();
}

}  // namespace

Result<SharedSubsets> share_subsets(const std::vector<const std::vector<Page>*>& documents, const FontSet& fonts) {
  SharedSubsets shared;
  shared.fonts = &fonts;
  CodePointSet cps[4];
  Diagnostics ignored;  // each document's export reports its own
  for (const std::vector<Page>* pages : documents) collect_drawn(*pages, fonts, cps, ignored);
  for (int f = 0; f < 4; ++f) {
    if (cps[f].empty() || !covers(fonts.face(f), cps[f])) continue;
    auto parts = subset_parts(fonts.face(f), cps[f]);
    if (!parts.is_ok()) return Result<SharedSubsets>::fail(parts.diagnostics());
    shared.face[f] = parts.take();
  }
  return Result<SharedSubsets>::ok(std::move(shared));
}

Result<std::string> export_pdf(const std::vector<Page>& pages, const FontSet& fonts, const PdfMetadata& meta,
                               const SharedSubsets* shared) {
  ObjectWriter pdf(meta.output_intent ? 64 * 1024 : 32 * 1024);
  const int catalog = pdf.reserve(), info = pdf.reserve(), tree = pdf.reserve();
  UsedFont used[4];
  auto ok = prepare_fonts(pages, fonts, shared, pdf, used);
  if (!ok.is_ok()) return Result<std::string>::fail(ok.diagnostics());
  std::vector<int> page_ids;
  page_ids.reserve(pages.size());
  for (size_t i = 0; i < pages.size(); ++i) page_ids.push_back(pdf.reserve());
  AcroFormParts form;
  for (size_t i = 0; i < pages.size(); ++i)
    write_page(pdf, page_ids[i], tree, pages[i], used, fonts, form, meta.timestamp);
  const int acroform = write_acroform(pdf, form);
  ArchivalParts archival;
  if (meta.output_intent) archival = write_archival_parts(pdf, meta);

  pdf.begin(tree);
  pdf.open_dict().key("Type").name("Pages").key("Kids").open_array();
  for (int id : page_ids) pdf.ref(id);
  pdf.close_array().key("Count").integer(static_cast<long long>(pages.size())).close_dict();
  pdf.end();

  pdf.begin(catalog);
  pdf.open_dict().key("Type").name("Catalog").key("Pages").ref(tree);
  if (acroform) pdf.key("AcroForm").ref(acroform);
  if (meta.output_intent) put_archival_catalog_keys(pdf, archival);
  pdf.close_dict();
  pdf.end();

  write_info(pdf, info, meta);
  return Result<std::string>::ok(pdf.finish(catalog, info));
}

}  // namespace p2p
