// AcroForm fields with hand-written appearance streams (see form_fields.h).
// Each field is one merged field/widget dictionary (PDF 32000-1, 12.5.6.19
// and 12.7.3.1): the page lists it in /Annots, the AcroForm in /Fields.
#include "pdf/form_fields.h"

#include "layout/flatten.h"
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

namespace {

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

// Simple TrueType font -> FontDescriptor -> FontFile2 (the WinAnsi subset).
int embed_form_font(ObjectWriter& pdf, const FormFontProgram& p) {
  const int file = pdf.reserve(), desc = pdf.reserve(), font = pdf.reserve();
  pdf.stream(file, p.packed, true,
             [&](ObjectWriter& w) { w.key("Length1").integer(static_cast<long long>(p.length1)); });

  pdf.begin(desc);
  pdf.open_dict().key("Type").name("FontDescriptor").key("FontName").name(p.base_font);
  pdf.key("Flags").integer(p.flags).key("FontBBox").raw(p.bbox).key("ItalicAngle").number(p.italic_angle);
  pdf.key("Ascent").number(p.ascent).key("Descent").number(p.descent).key("CapHeight").number(p.cap_height);
  pdf.key("StemV").integer(p.stem_v).key("FontFile2").ref(file).close_dict();
  pdf.end();

  pdf.begin(font);
  pdf.open_dict().key("Type").name("Font").key("Subtype").name("TrueType").key("BaseFont").name(p.base_font);
  pdf.key("FirstChar").integer(32).key("LastChar").integer(255).key("Widths").raw(p.widths);
  pdf.key("Encoding").name("WinAnsiEncoding").key("FontDescriptor").ref(desc).close_dict();
  pdf.end();
  return font;
}

// --- appearance streams ----------------------------------------------------------------

constexpr double kBorderWidth = 0.5;
constexpr double kBorderGray = 0.6;

void put_border(std::string& out, double w, double h) {
  put_numbers(out, {kBorderGray}, "G");
  put_numbers(out, {kBorderWidth}, "w");
  double in = kBorderWidth / 2;
  put_numbers(out, {in, in, std::max(0.0, w - kBorderWidth), std::max(0.0, h - kBorderWidth)}, "re S");
}

// The resource name of the AppearanceFont inside each appearance stream.
constexpr const char* kValueFont = "F0";

std::string text_appearance(const FieldItem& f, const FontFace& face, const FontSubset& subset, double size) {
  std::string out;
  put_border(out, f.w, f.h);
  out += "/Tx BMC\n";
  bool multiline = f.kind == FieldItem::Kind::multiline;
  std::string shown = field_display_text(f.value, multiline);
  if (!shown.empty()) {
    const double upem = face.units_per_em();
    const double asc = face.ascent() * size / upem, desc = face.descent() * size / upem;
    out += "q\n";
    put_numbers(out, {1, 1, std::max(0.0, f.w - 2), std::max(0.0, f.h - 2)}, "re W n");
    out += std::string("BT\n/") + kValueFont + ' ';
    put_numbers(out, {size}, "Tf");
    out += "0 g\n";
    if (!multiline) {
      put_numbers(out, {kFieldPadding, (f.h - asc - desc) / 2}, "Td");
      put_glyph_string(out, subset, shown);
      out += " Tj\n";
    } else {
      const double leading = (face.ascent() - face.descent() + face.line_gap()) * size / upem;
      double y = f.h - kFieldPadding - asc;
      bool first = true;
      for (const std::string& line : wrap_value(shown, face, size, f.w - 2 * kFieldPadding)) {
        if (y + asc < 0) break;  // entirely below the box
        if (first) {
          put_numbers(out, {kFieldPadding, y}, "Td");
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
    put_numbers(out, {tick_width(s)}, "w");
    out += "1 J\n1 j\n";
    put_numbers(out, {ox + kTickPoints[0][0] * s, oy + kTickPoints[0][1] * s}, "m");
    put_numbers(out, {ox + kTickPoints[1][0] * s, oy + kTickPoints[1][1] * s}, "l");
    put_numbers(out, {ox + kTickPoints[2][0] * s, oy + kTickPoints[2][1] * s}, "l S");
    out += "Q\n";
  }
  return out;
}

// A Form XObject of the field's size holding `content`, deflated when that
// pays (appearance streams are often a few dozen bytes); `font` (0: none) is
// its /F0.
int appearance(ObjectWriter& pdf, const FieldItem& f, const std::string& content, int font) {
  const int id = pdf.reserve();
  const bool pack = content.size() >= 160;
  std::string packed = pack ? deflated(content, 6) : std::string();  // libdeflate 6: zlib 6's size, in less time
  pdf.stream(id, pack ? packed : content, pack, [&](ObjectWriter& w) {
    w.key("Type").name("XObject").key("Subtype").name("Form");
    w.key("BBox").open_array().integer(0).integer(0).number(f.w).number(f.h).close_array();
    w.key("Resources").open_dict();
    if (font) w.key("Font").open_dict().key(kValueFont).ref(font).close_dict();
    w.close_dict();
  });
  return id;
}

// The keys every widget starts with: where it is, its name and tooltip.
void begin_widget(ObjectWriter& pdf, int id, int page, double page_height, const FieldItem& f, const char* type) {
  pdf.begin(id);
  pdf.open_dict().key("Type").name("Annot").key("Subtype").name("Widget");
  pdf.key("Rect").open_array().number(f.x).number(page_height - f.y - f.h).number(f.x + f.w).number(page_height - f.y);
  pdf.close_array().key("P").ref(page).key("FT").name(type);
  pdf.key("T").text(f.name).key("TU").text(f.label);
}

// The keys every widget ends with: print flag (12.5.3, bit 3), a thin
// border, its gray colour, the date.
void end_widget(ObjectWriter& pdf, const std::string& date) {
  pdf.key("F").integer(4);
  pdf.key("BS").open_dict().key("W").number(0.5).key("S").name("S").close_dict();
  pdf.key("MK").open_dict().key("BC").open_array().number(kBorderGray).close_array().close_dict();
  pdf.key("M").literal(date).close_dict();
  pdf.end();
}

}  // namespace

void field_code_points(const FieldItem& field, std::vector<char32_t>& out) {
  if (field.kind == FieldItem::Kind::checkbox) return;
  std::string shown = field_display_text(field.value, false);
  for (size_t i = 0; i < shown.size();) out.push_back(next_code_point(shown, i));
}

std::vector<int> write_form_fields(ObjectWriter& pdf, int page, double page_height,
                                   const std::vector<FieldItem>& fields, const FontFace& face,
                                   const AppearanceFont& values, AcroFormParts& form, long long timestamp) {
  std::vector<int> widgets;
  if (fields.empty()) return widgets;
  if (!form.font) {
    auto program = form_font_program(face);
    form.font = embed_form_font(pdf, *program);
    form.resource_name = program->resource_name;
  }
  const std::string date = pdf_date(timestamp);
  for (const FieldItem& f : fields) {
    const int id = pdf.reserve();
    widgets.push_back(id);
    form.fields.push_back(id);
    if (f.kind == FieldItem::Kind::checkbox) {
      bool ticked = !f.value.empty() && f.value != "Off";
      int yes = appearance(pdf, f, checkbox_appearance(f, true), 0);
      int off = appearance(pdf, f, checkbox_appearance(f, false), 0);
      begin_widget(pdf, id, page, page_height, f, "Btn");
      pdf.key("V").name(ticked ? "Yes" : "Off").key("AS").name(ticked ? "Yes" : "Off");
      pdf.key("AP").open_dict().key("N").open_dict().key("Yes").ref(yes).key("Off").ref(off).close_dict().close_dict();
      end_widget(pdf, date);
    } else {
      double size = f.font_size > 0 ? f.font_size : 9;
      // a field left empty needs no font (and the document may have none to give)
      bool drawn = values.font && values.subset && !f.value.empty();
      int n = appearance(pdf, f, drawn ? text_appearance(f, face, *values.subset, size) : empty_appearance(f),
                         drawn ? values.font : 0);
      begin_widget(pdf, id, page, page_height, f, "Tx");
      if (f.kind == FieldItem::Kind::multiline) pdf.key("Ff").integer(4096);  // 12.7.4.3: Multiline
      if (!f.value.empty()) pdf.key("V").text(f.value);
      std::string da = "/" + form.resource_name + ' ';
      put_number(da, size);
      da += " Tf 0 g";
      pdf.key("DA").literal(da);
      pdf.key("AP").open_dict().key("N").ref(n).close_dict();
      end_widget(pdf, date);
    }
  }
  return widgets;
}

int write_acroform(ObjectWriter& pdf, const AcroFormParts& form) {
  if (form.fields.empty()) return 0;
  const int id = pdf.reserve();
  pdf.begin(id);
  pdf.open_dict().key("Fields").open_array();
  for (int field : form.fields) pdf.ref(field);
  pdf.close_array();
  // our widgets bring their own appearances: viewers need not make any
  pdf.key("NeedAppearances").boolean(false);
  pdf.key("DR").open_dict().key("Font").open_dict().key(form.resource_name).ref(form.font).close_dict().close_dict();
  pdf.key("DA").literal("/" + form.resource_name + " 9 Tf 0 g").close_dict();
  pdf.end();
  return id;
}

}  // namespace p2p
