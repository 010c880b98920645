// AcroForm fields with hand-written appearance streams (see form_fields.h).
// PoDoFo 0.9.8 creates the field/widget objects and links them into the page
// /Annots and the AcroForm /Fields; everything a viewer looks at (appearance
// streams, /DA, /DR, the form font, /MK, /BS, /M) is written here, because
// PoDoFo writes none of it usefully: no appearances, no /T, no /F, a /Border
// 5 points wide, a non-embedded Helvetica in /DR, and the current time in /M.
#include "pdf/form_fields.h"

#include "pdf/syntax.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string_view>
#include <utility>

#include "pdf/type0_font.h"
#include "text/font_subset.h"

namespace p2p {

using namespace PoDoFo;

namespace {

// --- small writers ----------------------------------------------------------

// A raw PDF token sequence as a dictionary value (numbers keep two decimals).
// PoDoFo writes PdfData right after the key, so it must bring its own space.
PdfObject raw(const std::string& pdf) { return PdfObject(PdfVariant(PdfData((" " + pdf).c_str()))); }

PdfObject integer(long long v) { return PdfObject(PdfVariant(static_cast<pdf_int64>(v))); }

// Deflated when that pays (appearance streams are often a few dozen bytes).
void set_stream(PdfObject* obj, const std::string& data) {
  if (data.size() < 160) {
    obj->GetStream()->Set(data.data(), static_cast<pdf_long>(data.size()), TVecFilters());
    return;
  }
  set_filtered_stream(obj, deflated(data, 6));  // libdeflate 6: zlib 6's size, in less time
}

// --- WinAnsiEncoding -----------------------------------------------------------

// Unicode of WinAnsi codes 128..159 (0: unassigned in WinAnsi).
constexpr char16_t kWinAnsi80[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

// Unicode drawn by WinAnsi code `c` (32..255); the unassigned codes (127 and
// five in 128..159) draw as a bullet in PDF viewers.
char32_t winansi_unicode(int c) {
  if (c == 127) return 0x2022;
  if (c >= 128 && c < 160) return kWinAnsi80[c - 128] ? kWinAnsi80[c - 128] : 0x2022;
  return static_cast<char32_t>(c);
}

// The text the appearance draws: controls (tab included) become spaces; line
// breaks are kept when `keep_breaks` (\r\n and \r become \n), else spaces.
std::string displayable(const std::string& utf8_text, bool keep_breaks) {
  std::string out;
  out.reserve(utf8_text.size());
  for (size_t i = 0; i < utf8_text.size();) {
    size_t from = i;
    char32_t cp = next_code_point(utf8_text, i);
    if (cp == '\r') {
      if (i < utf8_text.size() && utf8_text[i] == '\n') ++i;
      cp = '\n';
    }
    if (cp == '\n') out += keep_breaks ? '\n' : ' ';
    else if (cp < 32 || cp == 127) out += ' ';
    else out.append(utf8_text, from, i - from);
  }
  return out;
}

// --- the form font, compressed once per process -----------------------------------

struct FormFontProgram {
  std::string packed;   // the whole font file, deflated
  size_t length1 = 0;   // its size before deflating
  std::string base_font;      // PostScript name, e.g. "LiberationSans"
  std::string resource_name;  // same, reduced to letters and digits
  std::string widths;         // "[...]" for codes 32..255, text space units
  std::string bbox;           // "[...]"
  int flags = 32;
  double italic_angle = 0, ascent = 0, descent = 0, cap_height = 0;
  int stem_v = 80;
};

std::shared_ptr<const FormFontProgram> make_program(const FontFace& face) {
  auto p = std::make_shared<FormFontProgram>();
  // The /DR font is a simple WinAnsi font, so a viewer can only ever type
  // WinAnsi characters into a field: embedding those ~220 glyphs is as good
  // as the whole 400 KB file for editing, and a tenth of its size.
  std::vector<char32_t> winansi;
  for (int c = 32; c <= 255; ++c) winansi.push_back(winansi_unicode(c));
  auto subset = subset_font(face, winansi);
  std::string_view ttf = subset.is_ok() ? std::string_view(subset.value().ttf) : face.bytes();
  p->packed = deflated(ttf, 9);  // once per process: the smallest that stays under a millisecond or two
  p->length1 = ttf.size();

  const double upem = face.units_per_em();
  auto text_space = [&](double units) { return units * 1000.0 / upem; };
  p->base_font = face.postscript_name();
  for (char c : p->base_font)
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) p->resource_name += c;
  if (p->base_font.empty()) p->base_font = "FormFont";
  if (subset.is_ok()) p->base_font = subset.value().subset_tag + "+" + p->base_font;  // PDF names subsets so
  if (p->resource_name.empty()) p->resource_name = "FormFont";

  p->widths.push_back('[');
  for (int c = 32; c <= 255; ++c) {
    put_number(p->widths, text_space(face.advance(winansi_unicode(c))));
    p->widths += c == 255 ? "]" : " ";
  }

  // The descriptor numbers of the whole font, as the subsetter reads them.
  p->ascent = text_space(face.ascent());
  p->descent = text_space(face.descent());
  p->cap_height = p->ascent;
  p->bbox = "[0 " + std::to_string(static_cast<int>(std::lround(p->descent))) + " 1000 " +
            std::to_string(static_cast<int>(std::lround(p->ascent))) + "]";
  auto numbers = subset_font(face, {U'H'});
  if (numbers.is_ok()) {
    const FontSubset& s = numbers.value();
    p->flags = 32 | (s.fixed_pitch ? 1 : 0) | (s.serif ? 2 : 0) | (s.italic ? 64 : 0);
    p->italic_angle = s.italic_angle;
    p->cap_height = text_space(s.cap_height);
    p->stem_v = s.stem_v;
    p->bbox.assign(1, '[');
    for (int i = 0; i < 4; ++i) {
      put_number(p->bbox, text_space(s.bbox[i]));
      p->bbox += i == 3 ? "]" : " ";
    }
  }
  return p;
}

// One entry per font file, for the life of the process. Keyed by path and
// size: hashing 400 KB of font on every form cost more than the form itself,
// and a FontFace is loaded once per process.
std::shared_ptr<const FormFontProgram> form_font_program(const FontFace& face) {
  static std::mutex mutex;
  static std::map<std::pair<std::string, size_t>, std::shared_ptr<const FormFontProgram>> programs;
  std::pair<std::string, size_t> key{face.path(), face.bytes().size()};
  std::lock_guard<std::mutex> lock(mutex);
  auto& slot = programs[key];
  if (!slot) slot = make_program(face);
  return slot;
}

// Simple TrueType font -> FontDescriptor -> FontFile2 (the full font).
PdfObject* embed_form_font(PdfVecObjects& objs, const FormFontProgram& p) {
  PdfObject* file = objs.CreateObject();
  set_filtered_stream(file, p.packed);
  file->GetDictionary().AddKey("Length1", integer(static_cast<long long>(p.length1)));

  PdfName base(p.base_font.c_str());
  PdfObject* desc = objs.CreateObject("FontDescriptor");
  PdfDictionary& d = desc->GetDictionary();
  d.AddKey("FontName", base);
  d.AddKey("Flags", integer(p.flags));
  d.AddKey("FontBBox", raw(p.bbox));
  d.AddKey("ItalicAngle", PdfObject(PdfVariant(p.italic_angle)));
  std::string n;
  put_number(n, p.ascent);
  d.AddKey("Ascent", raw(n));
  n.clear();
  put_number(n, p.descent);
  d.AddKey("Descent", raw(n));
  n.clear();
  put_number(n, p.cap_height);
  d.AddKey("CapHeight", raw(n));
  d.AddKey("StemV", integer(p.stem_v));
  d.AddKey("FontFile2", file->Reference());

  PdfObject* font = objs.CreateObject("Font");
  PdfDictionary& f = font->GetDictionary();
  f.AddKey("Subtype", PdfName("TrueType"));
  f.AddKey("BaseFont", base);
  f.AddKey("FirstChar", integer(32));
  f.AddKey("LastChar", integer(255));
  f.AddKey("Widths", raw(p.widths));
  f.AddKey("Encoding", PdfName("WinAnsiEncoding"));
  f.AddKey("FontDescriptor", desc->Reference());
  return font;
}

// The AcroForm with our /DR and /DA, and the form font, once per document.
PdfAcroForm* prepare_form(PdfMemDocument& doc, const FontFace& face, FormFontCache& cache) {
  PdfAcroForm* form = doc.GetAcroForm(true, ePdfAcroFormDefaultAppearance_None);
  if (!cache.font) {
    auto program = form_font_program(face);
    cache.font = embed_form_font(doc.GetObjects(), *program);
    cache.resource_name = program->resource_name;
    form->SetNeedAppearances(false);
    PdfDictionary fonts;
    fonts.AddKey(PdfName(cache.resource_name.c_str()), cache.font->Reference());
    PdfDictionary dr;
    dr.AddKey("Font", fonts);
    PdfDictionary& fd = form->GetObject()->GetDictionary();
    fd.AddKey("DR", dr);
    fd.AddKey("DA", PdfString(("/" + cache.resource_name + " 9 Tf 0 g").c_str()));
  }
  return form;
}

// --- appearance streams ----------------------------------------------------------------

constexpr double kBorderWidth = 0.5;
constexpr double kBorderGray = 0.6;
constexpr double kPadding = 2;  // text inset from the field's edges

void put_border(std::string& out, double w, double h) {
  put_numbers(out, {kBorderGray}, "G");
  put_numbers(out, {kBorderWidth}, "w");
  double in = kBorderWidth / 2;
  put_numbers(out, {in, in, std::max(0.0, w - kBorderWidth), std::max(0.0, h - kBorderWidth)}, "re S");
}

// Greedy line filling by the font's advances; a word wider than the line is
// broken between characters; '\n' forces a break.
std::vector<std::string> wrap(const std::string& text, const FontFace& face, double size, double max_width) {
  std::vector<std::string> lines;
  auto fits = [&](std::string_view s) { return face.width(s, size) <= max_width; };
  size_t start = 0;
  while (true) {
    size_t end = text.find('\n', start);
    std::string_view para(text.data() + start, (end == std::string::npos ? text.size() : end) - start);
    std::string line;
    bool any = false;
    size_t pos = 0;
    while (pos <= para.size()) {
      size_t sp = para.find(' ', pos);
      if (sp == std::string_view::npos) sp = para.size();
      std::string word(para.substr(pos, sp - pos));
      std::string candidate = any ? line + " " + word : word;
      if (!any || fits(candidate)) {
        line = std::move(candidate);
      } else {
        lines.push_back(std::move(line));
        line = std::move(word);
      }
      any = true;
      // break a line still too wide between characters (at least one per line)
      while (!fits(line)) {
        size_t cut = 0, i = 0;
        while (i < line.size()) {
          size_t next = i;
          next_code_point(line, next);
          if (cut > 0 && !fits(std::string_view(line).substr(0, next))) break;
          cut = i = next;
        }
        if (cut >= line.size()) break;
        lines.push_back(line.substr(0, cut));
        line.erase(0, cut);
      }
      pos = sp + 1;
    }
    lines.push_back(std::move(line));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return lines;
}

// The resource name of the AppearanceFont inside each appearance stream.
constexpr const char* kValueFont = "F0";

std::string text_appearance(const FieldItem& f, const FontFace& face, const FontSubset& subset, double size) {
  std::string out;
  put_border(out, f.w, f.h);
  out += "/Tx BMC\n";
  bool multiline = f.kind == FieldItem::Kind::multiline;
  std::string shown = displayable(f.value, multiline);
  if (!shown.empty()) {
    const double upem = face.units_per_em();
    const double asc = face.ascent() * size / upem, desc = face.descent() * size / upem;
    out += "q\n";
    put_numbers(out, {1, 1, std::max(0.0, f.w - 2), std::max(0.0, f.h - 2)}, "re W n");
    out += std::string("BT\n/") + kValueFont + ' ';
    put_numbers(out, {size}, "Tf");
    out += "0 g\n";
    if (!multiline) {
      put_numbers(out, {kPadding, (f.h - asc - desc) / 2}, "Td");
      put_glyph_string(out, subset, shown);
      out += " Tj\n";
    } else {
      const double leading = (face.ascent() - face.descent() + face.line_gap()) * size / upem;
      double y = f.h - kPadding - asc;
      bool first = true;
      for (const std::string& line : wrap(shown, face, size, f.w - 2 * kPadding)) {
        if (y + asc < 0) break;  // entirely below the box
        if (first) {
          put_numbers(out, {kPadding, y}, "Td");
          first = false;
        } else {
          put_numbers(out, {0, -leading}, "Td");
        }
        if (!line.empty()) {
          put_glyph_string(out, subset, line);
          out += " Tj\n";
        }
        y -= leading;
      }
    }
    out += "ET\nQ\n";
  }
  out += "EMC\n";
  return out;
}

std::string empty_appearance(const FieldItem& f) {
  std::string out;
  put_border(out, f.w, f.h);
  out += "/Tx BMC\nEMC\n";
  return out;
}

std::string checkbox_appearance(const FieldItem& f, bool on) {
  std::string out;
  put_border(out, f.w, f.h);
  if (on) {
    double s = std::min(f.w, f.h), ox = (f.w - s) / 2, oy = (f.h - s) / 2;
    out += "q\n0 G\n";
    put_numbers(out, {std::max(0.8, s * 0.12)}, "w");
    out += "1 J\n1 j\n";
    put_numbers(out, {ox + 0.22 * s, oy + 0.52 * s}, "m");
    put_numbers(out, {ox + 0.42 * s, oy + 0.27 * s}, "l");
    put_numbers(out, {ox + 0.80 * s, oy + 0.77 * s}, "l S");
    out += "Q\n";
  }
  return out;
}

// A Form XObject of the field's size holding `content`.
PdfObject* appearance(PdfVecObjects& objs, const FieldItem& f, const std::string& content,
                      const PdfObject* font) {
  PdfObject* xo = objs.CreateObject("XObject");
  PdfDictionary& d = xo->GetDictionary();
  d.AddKey("Subtype", PdfName("Form"));
  std::string bbox = "[0 0 ";
  put_number(bbox, f.w);
  bbox += ' ';
  put_number(bbox, f.h);
  bbox += ']';
  d.AddKey("BBox", raw(bbox));
  PdfDictionary resources;
  if (font) {
    PdfDictionary fonts;
    fonts.AddKey(PdfName(kValueFont), font->Reference());
    resources.AddKey("Font", fonts);
  }
  d.AddKey("Resources", resources);
  set_stream(xo, content);
  return xo;
}

// The widget keys every field gets: print flag, border, date, tooltip, name.
void common_keys(PdfField& field, const FieldItem& f, const std::string& date) {
  field.SetFieldName(pdf_string(f.name));
  field.SetAlternateName(pdf_string(f.label));
  PdfDictionary& d = field.GetWidgetAnnotation()->GetObject()->GetDictionary();
  d.AddKey("F", integer(ePdfAnnotationFlags_Print));
  d.RemoveKey("Border");
  PdfDictionary bs;
  bs.AddKey("W", raw("0.5"));
  bs.AddKey("S", PdfName("S"));
  d.AddKey("BS", bs);
  PdfDictionary mk;
  mk.AddKey("BC", raw("[0.6]"));
  d.AddKey("MK", mk);
  d.AddKey("M", PdfString(date.c_str()));
  d.RemoveKey("DS");  // PoDoFo's "font: 12pt Helvetica" rich-text default style
}

}  // namespace

void field_code_points(const FieldItem& field, std::vector<char32_t>& out) {
  if (field.kind == FieldItem::Kind::checkbox) return;
  std::string shown = displayable(field.value, false);
  for (size_t i = 0; i < shown.size();) out.push_back(next_code_point(shown, i));
}

void add_form_fields(PdfMemDocument& doc, PdfPage* page, double page_height, const std::vector<FieldItem>& fields,
                     const FontFace& face, const AppearanceFont& values, FormFontCache& cache, long long timestamp) {
  if (fields.empty()) return;
  PdfAcroForm* form = prepare_form(doc, face, cache);
  PdfVecObjects& objs = doc.GetObjects();
  const std::string date = pdf_date(timestamp);
  for (const FieldItem& f : fields) {
    PdfRect rect(f.x, page_height - f.y - f.h, f.w, f.h);
    if (f.kind == FieldItem::Kind::checkbox) {
      PdfCheckBox box(page, rect, form);
      common_keys(box, f, date);
      bool ticked = !f.value.empty() && f.value != "Off";
      PdfObject* yes = appearance(objs, f, checkbox_appearance(f, true), nullptr);
      PdfObject* off = appearance(objs, f, checkbox_appearance(f, false), nullptr);
      PdfDictionary states;
      states.AddKey("Yes", yes->Reference());
      states.AddKey("Off", off->Reference());
      PdfDictionary ap;
      ap.AddKey("N", states);
      PdfDictionary& d = box.GetWidgetAnnotation()->GetObject()->GetDictionary();
      d.AddKey("AP", ap);
      d.AddKey("V", PdfName(ticked ? "Yes" : "Off"));
      d.AddKey("AS", PdfName(ticked ? "Yes" : "Off"));
    } else {
      PdfTextField text(page, rect, form);
      common_keys(text, f, date);
      if (f.kind == FieldItem::Kind::multiline) text.SetMultiLine(true);
      double size = f.font_size > 0 ? f.font_size : 9;
      if (!f.value.empty()) text.SetText(pdf_string(f.value));
      std::string da = "/" + cache.resource_name + ' ';
      put_number(da, size);
      da += " Tf 0 g";
      PdfDictionary& d = text.GetWidgetAnnotation()->GetObject()->GetDictionary();
      d.AddKey("DA", PdfString(da.c_str()));
      // a field left empty needs no font (and the document may have none to give)
      bool drawn = values.font && values.subset && !f.value.empty();
      PdfObject* n = appearance(objs, f, drawn ? text_appearance(f, face, *values.subset, size) : empty_appearance(f),
                                drawn ? values.font : nullptr);
      PdfDictionary ap;
      ap.AddKey("N", n->Reference());
      d.AddKey("AP", ap);
    }
  }
}

}  // namespace p2p
