// Painting frames into PDF. PoDoFo 0.9.8 supplies the object model and the
// file writer; the page content streams and the font objects are written
// here. Two reasons: PoDoFo's own TrueType subsetter keeps every glyph id up
// to the highest one used plus all hinting (about 12 KB per face), and it is
// the slowest step of writing a page. Our subsetter (text/font_subset) keeps
// only the glyphs drawn, renumbered, so a face costs a few KB, and the text
// is shown as 2-byte glyph ids of that subset (Identity-H, CID = glyph id).
#include "pdf/pdf_export.h"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <mutex>

#include <podofo/podofo.h>
#include <zlib.h>

#include "pdf/form_fields.h"
#include "pdf/syntax.h"
#include "text/font_subset.h"

namespace p2p {

using namespace PoDoFo;

// zlib level 3: measured 1.6 ms and 25.8 KB per brief against 2.1 ms and
// 24.6 KB at the default 6 (docs/performance.md).
#ifndef P2P_DEFLATE_LEVEL
#define P2P_DEFLATE_LEVEL 3
#endif

namespace {

void put_hex4(std::string& out, uint32_t v) {
  static const char* kHex = "0123456789ABCDEF";
  for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(v >> shift) & 15];
}

// Stores `data` Flate-compressed at our chosen level. PoDoFo's own Set()
// always uses zlib's default level 6, the largest single cost of a page.
void set_stream(PdfObject* obj, const std::string& data) {
  // one deflate state per thread, reset between streams: a page has a dozen
  // small streams and initialising zlib for each showed in the profile
  struct Deflater {
    z_stream z{};
    Deflater() { deflateInit(&z, P2P_DEFLATE_LEVEL); }
    ~Deflater() { deflateEnd(&z); }
  };
  thread_local Deflater d;
  deflateReset(&d.z);
  std::string packed(deflateBound(&d.z, static_cast<uLong>(data.size())), '\0');
  d.z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  d.z.avail_in = static_cast<uInt>(data.size());
  d.z.next_out = reinterpret_cast<Bytef*>(packed.data());
  d.z.avail_out = static_cast<uInt>(packed.size());
  deflate(&d.z, Z_FINISH);
  packed.resize(d.z.total_out);
  obj->GetStream()->Set(packed.data(), static_cast<pdf_long>(packed.size()), TVecFilters());
  obj->GetDictionary().AddKey("Filter", PdfName("FlateDecode"));
}

// --- fonts ----------------------------------------------------------------

std::string to_unicode_cmap(const FontSubset& s) {
  std::string m =
      "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
      "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
      "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
      "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n";
  std::vector<std::pair<uint16_t, char32_t>> pairs;
  for (size_t gid = 1; gid < s.unicode.size(); ++gid)
    if (s.unicode[gid]) pairs.push_back({static_cast<uint16_t>(gid), s.unicode[gid]});
  for (size_t i = 0; i < pairs.size(); i += 100) {  // at most 100 entries per block
    size_t n = std::min<size_t>(100, pairs.size() - i);
    m += std::to_string(n) + " beginbfchar\n";
    for (size_t k = i; k < i + n; ++k) {
      m += '<';
      put_hex4(m, pairs[k].first);
      m += "> <";
      char32_t cp = pairs[k].second;
      if (cp >= 0x10000) {  // UTF-16 surrogate pair
        put_hex4(m, 0xD800 + ((cp - 0x10000) >> 10));
        put_hex4(m, 0xDC00 + ((cp - 0x10000) & 0x3FF));
      } else {
        put_hex4(m, cp);
      }
      m += ">\n";
    }
    m += "endbfchar\n";
  }
  m += "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n";
  return m;
}

double to_text_space(int units, int upem) { return units * 1000.0 / upem; }

// Type0 font -> CIDFontType2 -> FontDescriptor -> FontFile2, plus ToUnicode.
PdfObject* embed_font(PdfVecObjects& objs, const FontSubset& s) {
  PdfName base((s.subset_tag + "+" + (s.postscript_name.empty() ? "Font" : s.postscript_name)).c_str());
  int upem = s.units_per_em;

  PdfObject* file = objs.CreateObject();
  set_stream(file, s.ttf);
  file->GetDictionary().AddKey("Length1", static_cast<pdf_int64>(s.ttf.size()));

  PdfObject* desc = objs.CreateObject("FontDescriptor");
  PdfDictionary& d = desc->GetDictionary();
  d.AddKey("FontName", base);
  int flags = 32 | (s.fixed_pitch ? 1 : 0) | (s.serif ? 2 : 0) | (s.italic ? 64 : 0);
  d.AddKey("Flags", static_cast<pdf_int64>(flags));
  PdfArray bbox;
  for (int v : s.bbox) bbox.push_back(PdfVariant(to_text_space(v, upem)));
  d.AddKey("FontBBox", bbox);
  d.AddKey("ItalicAngle", PdfVariant(s.italic_angle));
  d.AddKey("Ascent", PdfVariant(to_text_space(s.ascent, upem)));
  d.AddKey("Descent", PdfVariant(to_text_space(s.descent, upem)));
  d.AddKey("CapHeight", PdfVariant(to_text_space(s.cap_height, upem)));
  d.AddKey("StemV", static_cast<pdf_int64>(s.stem_v));
  d.AddKey("FontFile2", file->Reference());

  PdfObject* cid = objs.CreateObject("Font");
  PdfDictionary& c = cid->GetDictionary();
  c.AddKey("Subtype", PdfName("CIDFontType2"));
  c.AddKey("BaseFont", base);
  PdfDictionary info;
  info.AddKey("Registry", PdfString("Adobe"));
  info.AddKey("Ordering", PdfString("Identity"));
  info.AddKey("Supplement", PdfObject(static_cast<pdf_int64>(0)));
  c.AddKey("CIDSystemInfo", info);
  c.AddKey("FontDescriptor", desc->Reference());
  // written as raw PDF so widths keep two decimals, not PoDoFo's six
  std::string w = "[0 [";
  for (uint16_t a : s.advances) {
    put_number(w, to_text_space(a, upem));
    w += ' ';
  }
  w += "]]";
  c.AddKey("W", PdfObject(PdfVariant(PdfData(w.c_str()))));
  c.AddKey("CIDToGIDMap", PdfName("Identity"));

  PdfObject* tounicode = objs.CreateObject();
  std::string cmap = to_unicode_cmap(s);
  set_stream(tounicode, cmap);

  PdfObject* type0 = objs.CreateObject("Font");
  PdfDictionary& t = type0->GetDictionary();
  t.AddKey("Subtype", PdfName("Type0"));
  t.AddKey("BaseFont", base);
  t.AddKey("Encoding", PdfName("Identity-H"));
  PdfArray descendants;
  descendants.push_back(cid->Reference());
  t.AddKey("DescendantFonts", descendants);
  t.AddKey("ToUnicode", tounicode->Reference());
  return type0;
}

struct UsedFont {
  FontSubset subset;
  PdfObject* object = nullptr;
};

// Subsets each face for exactly the code points the pages draw with it.
Result<bool> prepare_fonts(const std::vector<Page>& pages, const FontSet& fonts, PdfVecObjects& objs,
                           UsedFont (&used)[4]) {
  std::vector<char32_t> cps[4];
  for (const Page& p : pages)
    for (const TextItem& t : p.texts)
      for (size_t i = 0; i < t.text.size();) cps[t.font & 3].push_back(next_code_point(t.text, i));
  for (int f = 0; f < 4; ++f) {
    if (cps[f].empty()) continue;
    auto s = subset_font(fonts.face(f), cps[f]);
    if (!s.is_ok()) return Result<bool>::fail(s.diagnostics());
    used[f].subset = s.take();
    used[f].object = embed_font(objs, used[f].subset);
  }
  return Result<bool>::ok(true);
}

// --- pages ----------------------------------------------------------------

void put_color(std::string& out, const Color& c, const char* op) { put_numbers(out, {c.r, c.g, c.b}, op); }

std::string content_stream(const Page& page, UsedFont (&used)[4]) {
  std::string out;
  out.reserve(8192);
  const double h = page.height;  // layout y runs down from the top; PDF y runs up
  Color fill{-1, -1, -1}, stroke{-1, -1, -1};
  for (const RectItem& r : page.rects) {
    if (!(r.fill == fill)) put_color(out, fill = r.fill, "rg");
    put_numbers(out, {r.x, h - r.y - r.h, r.w, r.h}, "re f");
  }
  double width = -1;
  for (const LineItem& l : page.lines) {
    if (!(l.color == stroke)) put_color(out, stroke = l.color, "RG");
    if (l.width != width) put_numbers(out, {width = l.width}, "w");
    put_numbers(out, {l.x1, h - l.y1}, "m");
    put_numbers(out, {l.x2, h - l.y2}, "l S");
  }
  if (page.texts.empty()) return out;
  out += "BT\n";
  int font = -1;
  double size = -1;
  for (const TextItem& t : page.texts) {
    if (t.font != font || t.size != size) {
      font = t.font & 3;
      size = t.size;
      out += "/F" + std::to_string(font) + ' ';
      put_numbers(out, {size}, "Tf");
    }
    if (!(t.color == fill)) put_color(out, fill = t.color, "rg");
    put_numbers(out, {1, 0, 0, 1, t.x, h - t.baseline}, "Tm");
    std::string ids;
    used[font].subset.append_glyph_ids(t.text, ids);
    out += '<';
    for (size_t i = 0; i + 1 < ids.size(); i += 2)
      put_hex4(out, (static_cast<uint8_t>(ids[i]) << 8) | static_cast<uint8_t>(ids[i + 1]));
    out += "> Tj\n";
  }
  out += "ET\n";
  return out;
}

void add_page(PdfMemDocument& doc, const Page& page, UsedFont (&used)[4]) {
  PdfPage* p = doc.CreatePage(PdfRect(0, 0, page.width, page.height));
  std::string content = content_stream(page, used);
  set_stream(p->GetContents(), content);
  for (int f = 0; f < 4; ++f)
    if (used[f].object)
      p->AddResource(PdfName(("F" + std::to_string(f)).c_str()), used[f].object->Reference(), PdfName("Font"));
}

void write_info(PdfMemDocument& doc, const PdfMetadata& meta) {
  PdfInfo* info = doc.GetInfo();
  info->SetTitle(pdf_string(meta.info.title));
  info->SetAuthor(pdf_string(meta.info.author));
  info->SetSubject(pdf_string(meta.info.subject));
  if (!meta.info.keywords.empty()) info->SetKeywords(pdf_string(meta.info.keywords));
  info->SetCreator(pdf_string(meta.creator));
  info->SetProducer(pdf_string(meta.creator + " (PoDoFo 0.9.8)"));
  // PoDoFo stamps the current local time; replace it so output is reproducible
  std::string date = pdf_date(meta.timestamp);
  info->GetObject()->GetDictionary().AddKey("CreationDate", PdfString(date));
  info->GetObject()->GetDictionary().AddKey("ModDate", PdfString(date));
}

}  // namespace

void prepare_pdf_export() {
  static std::once_flag once;
  std::call_once(once, [] {
    PdfEncodingFactory::GlobalPdfDocEncodingInstance();
    PdfEncodingFactory::GlobalWinAnsiEncodingInstance();
    PdfEncodingFactory::GlobalIdentityEncodingInstance();
    PdfEncodingFactory::GlobalStandardEncodingInstance();
    PdfEncodingFactory::GlobalMacRomanEncodingInstance();
  });
}

Result<std::string> export_pdf(const std::vector<Page>& pages, const FontSet& fonts, const PdfMetadata& meta) {
  try {
    PdfMemDocument doc;
    doc.SetPdfVersion(ePdfVersion_1_7);
    UsedFont used[4];
    auto ok = prepare_fonts(pages, fonts, doc.GetObjects(), used);
    if (!ok.is_ok()) return Result<std::string>::fail(ok.diagnostics());
    for (const Page& page : pages) add_page(doc, page, used);
    FormFontCache form;
    for (size_t i = 0; i < pages.size(); ++i)
      add_form_fields(doc, doc.GetPage(static_cast<int>(i)), pages[i].height, pages[i].fields, fonts.face(0), form,
                      meta.timestamp);
    write_info(doc, meta);
    PdfRefCountedBuffer buf;
    PdfOutputDevice dev(&buf);
    doc.Write(&dev);
    return Result<std::string>::ok(std::string(buf.GetBuffer(), dev.GetLength()));
  } catch (const PdfError& e) {
    return Result<std::string>::fail({error_at("", std::string("PDF export failed: ") + e.what())});
  }
}

}  // namespace p2p
