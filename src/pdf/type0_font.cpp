// Identity-H Type0 fonts from our own subsets (see type0_font.h).
#include "pdf/type0_font.h"

#include <algorithm>
#include <memory>
#include <new>
#include <vector>

#include <libdeflate.h>

#include "pdf/syntax.h"

namespace p2p {

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
int embed_type0_font(ObjectWriter& pdf, const Type0FontParts& parts) {
  const FontSubset& s = parts.subset;
  const std::string base = s.subset_tag + "+" + (s.postscript_name.empty() ? "Font" : s.postscript_name);
  const int upem = s.units_per_em;
  const int file = pdf.reserve(), desc = pdf.reserve(), cid = pdf.reserve(), tounicode = pdf.reserve(),
            type0 = pdf.reserve();

  pdf.stream(file, parts.packed_ttf, true,
             [&](ObjectWriter& w) { w.key("Length1").integer(static_cast<long long>(parts.ttf_length)); });

  pdf.begin(desc);
  pdf.open_dict().key("Type").name("FontDescriptor").key("FontName").name(base);
  int flags = 32 | (s.fixed_pitch ? 1 : 0) | (s.serif ? 2 : 0) | (s.italic ? 64 : 0);
  pdf.key("Flags").integer(flags).key("FontBBox").open_array();
  for (int v : s.bbox) pdf.number(to_text_space(v, upem));
  pdf.close_array();
  pdf.key("ItalicAngle").number(s.italic_angle);
  pdf.key("Ascent").number(to_text_space(s.ascent, upem));
  pdf.key("Descent").number(to_text_space(s.descent, upem));
  pdf.key("CapHeight").number(to_text_space(s.cap_height, upem));
  pdf.key("StemV").integer(s.stem_v).key("FontFile2").ref(file).close_dict();
  pdf.end();

  pdf.begin(cid);
  pdf.open_dict().key("Type").name("Font").key("Subtype").name("CIDFontType2").key("BaseFont").name(base);
  pdf.key("CIDSystemInfo").open_dict().key("Registry").literal("Adobe").key("Ordering").literal("Identity");
  pdf.key("Supplement").integer(0).close_dict();
  pdf.key("FontDescriptor").ref(desc).key("W").raw(parts.widths).key("CIDToGIDMap").name("Identity").close_dict();
  pdf.end();

  pdf.stream(tounicode, parts.packed_cmap, true);

  pdf.begin(type0);
  pdf.open_dict().key("Type").name("Font").key("Subtype").name("Type0").key("BaseFont").name(base);
  pdf.key("Encoding").name("Identity-H").key("DescendantFonts").open_array().ref(cid).close_array();
  pdf.key("ToUnicode").ref(tounicode).close_dict();
  pdf.end();
  return type0;
}

int embed_type0_font(ObjectWriter& pdf, const FontSubset& subset) {
  return embed_type0_font(pdf, type0_font_parts(subset));
}

void put_glyph_string(std::string& out, const FontSubset& subset, std::string_view utf8) {
  // written in place: a brief's page shows a few thousand glyphs, and
  // appending character by character was a tenth of painting it
  size_t at = out.size();
  out.resize(at + 2 + 4 * utf8.size());   // at most one glyph per byte, each byte escaped
  char* p = out.data() + at;
  auto put = [&p](unsigned char b) {
    if (b == '(' || b == ')' || b == '\\') {
      *p++ = '\\';
      *p++ = static_cast<char>(b);
    } else if (b == '\r') {
      *p++ = '\\';
      *p++ = 'r';
    } else {
      *p++ = static_cast<char>(b);
    }
  };
  *p++ = '(';
  for (size_t i = 0; i < utf8.size();) {
    auto byte = static_cast<unsigned char>(utf8[i]);
    uint16_t id;
    if (byte < 0x80) {
      id = subset.ascii_glyph[byte];
      ++i;
    } else {
      id = subset.glyph_id(next_code_point(utf8, i));
    }
    put(static_cast<unsigned char>(id >> 8));
    put(static_cast<unsigned char>(id & 0xFF));
  }
  *p++ = ')';
  out.resize(static_cast<size_t>(p - out.data()));
}

}  // namespace p2p
