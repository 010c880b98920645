// Identity-H Type0 fonts from our own subsets (see type0_font.h).
#include "pdf/type0_font.h"

#include <algorithm>
#include <memory>
#include <new>
#include <vector>

#include <libdeflate.h>

#include "pdf/syntax.h"

namespace p2p {

using namespace PoDoFo;

namespace {

void put_hex4(std::string& out, uint32_t v) {
  static const char* kHex = "0123456789ABCDEF";
  for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(v >> shift) & 15];
}

}  // namespace

std::string deflated(std::string_view data, int level) {
  // one compressor per level and thread: allocating its tables per stream
  // would cost more than compressing a small content stream
  struct Compressors {
    libdeflate_compressor* by_level[13] = {};
    ~Compressors() {
      for (libdeflate_compressor* c : by_level) libdeflate_free_compressor(c);
    }
  };
  thread_local Compressors z;
  level = std::clamp(level, 1, 12);
  libdeflate_compressor*& c = z.by_level[level];
  if (c == nullptr) c = libdeflate_alloc_compressor(level);
  if (c == nullptr) throw std::bad_alloc();
  std::string packed(libdeflate_zlib_compress_bound(c, data.size()), '\0');
  packed.resize(libdeflate_zlib_compress(c, data.data(), data.size(), packed.data(), packed.size()));
  return packed;
}

// Streams are compressed here and handed to PoDoFo already filtered: its own
// Set() runs zlib at level 6, the largest single cost of a page.
void set_filtered_stream(PdfObject* obj, std::string_view packed) {
  obj->GetStream()->Set(packed.data(), static_cast<pdf_long>(packed.size()), TVecFilters());
  obj->GetDictionary().AddKey("Filter", PdfName("FlateDecode"));
}

void set_deflated_stream(PdfObject* obj, std::string_view data) { set_filtered_stream(obj, deflated(data)); }

namespace {

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

}  // namespace

Type0FontParts type0_font_parts(FontSubset subset) {
  Type0FontParts p;
  p.packed_ttf = deflated(subset.ttf);
  p.ttf_length = subset.ttf.size();
  p.packed_cmap = deflated(to_unicode_cmap(subset));
  // written as raw PDF so widths keep two decimals, not PoDoFo's six
  p.widths = "[0 [";
  for (uint16_t a : subset.advances) {
    put_number(p.widths, to_text_space(a, subset.units_per_em));
    p.widths += ' ';
  }
  p.widths += "]]";
  subset.ttf = std::string();  // kept compressed only
  p.subset = std::move(subset);
  return p;
}

// Type0 font -> CIDFontType2 -> FontDescriptor -> FontFile2, plus ToUnicode.
PdfObject* embed_type0_font(PdfVecObjects& objs, const Type0FontParts& parts) {
  const FontSubset& s = parts.subset;
  PdfName base((s.subset_tag + "+" + (s.postscript_name.empty() ? "Font" : s.postscript_name)).c_str());
  int upem = s.units_per_em;

  PdfObject* file = objs.CreateObject();
  set_filtered_stream(file, parts.packed_ttf);
  file->GetDictionary().AddKey("Length1", static_cast<pdf_int64>(parts.ttf_length));

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
  c.AddKey("W", PdfObject(PdfVariant(PdfData(parts.widths.c_str()))));
  c.AddKey("CIDToGIDMap", PdfName("Identity"));

  PdfObject* tounicode = objs.CreateObject();
  set_filtered_stream(tounicode, parts.packed_cmap);

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

PdfObject* embed_type0_font(PdfVecObjects& objs, const FontSubset& subset) {
  return embed_type0_font(objs, type0_font_parts(subset));
}

void put_glyph_string(std::string& out, const FontSubset& subset, std::string_view utf8) {
  // written in place: a brief's page shows a few thousand glyphs, and
  // appending character by character was a tenth of painting it
  static const char* kHex = "0123456789ABCDEF";
  size_t at = out.size();
  out.resize(at + 2 + 4 * utf8.size());   // at most one glyph per byte
  char* p = out.data() + at;
  *p++ = '<';
  for (size_t i = 0; i < utf8.size();) {
    auto byte = static_cast<unsigned char>(utf8[i]);
    uint16_t id;
    if (byte < 0x80) {
      id = subset.ascii_glyph[byte];
      ++i;
    } else {
      id = subset.glyph_id(next_code_point(utf8, i));
    }
    p[0] = kHex[id >> 12], p[1] = kHex[(id >> 8) & 15], p[2] = kHex[(id >> 4) & 15], p[3] = kHex[id & 15];
    p += 4;
  }
  *p++ = '>';
  out.resize(static_cast<size_t>(p - out.data()));
}

}  // namespace p2p
