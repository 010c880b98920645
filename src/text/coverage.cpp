// Which characters a set of faces prints as written (see coverage.h).
#include "text/coverage.h"

#include <algorithm>

namespace p2p {

namespace {

struct Block {
  char32_t first, last;
  const char* name;
};

// Blocks named in messages; the scripts users are likely to paste into a case
// (names, addresses, notes). Sorted by first code point.
constexpr Block kBlocks[] = {
    {0x0000, 0x001F, "control character"},
    {0x007F, 0x009F, "control character"},
    {0x0370, 0x03FF, "Greek"},
    {0x0400, 0x052F, "Cyrillic"},
    {0x0530, 0x058F, "Armenian"},
    {0x0590, 0x05FF, "Hebrew"},
    {0x0600, 0x06FF, "Arabic"},
    {0x0700, 0x074F, "Syriac"},
    {0x0750, 0x077F, "Arabic"},
    {0x0780, 0x07BF, "Thaana"},
    {0x07C0, 0x085F, "right-to-left script"},
    {0x0860, 0x08FF, "Arabic"},
    {0x0900, 0x097F, "Devanagari"},
    {0x0980, 0x0DFF, "Indic script"},
    {0x0E00, 0x0E7F, "Thai"},
    {0x0E80, 0x0EFF, "Lao"},
    {0x0F00, 0x0FFF, "Tibetan"},
    {0x1000, 0x109F, "Myanmar"},
    {0x10A0, 0x10FF, "Georgian"},
    {0x1100, 0x11FF, "Hangul (Korean)"},
    {0x1200, 0x139F, "Ethiopic"},
    {0x1780, 0x17FF, "Khmer"},
    {0x200B, 0x200F, "invisible formatting character"},
    {0x2028, 0x202E, "invisible formatting character"},
    {0x2060, 0x206F, "invisible formatting character"},
    {0x2190, 0x2BFF, "symbol"},
    {0x2E80, 0x2FDF, "CJK (Chinese, Japanese)"},
    {0x3000, 0x303F, "CJK punctuation"},
    {0x3040, 0x30FF, "kana (Japanese)"},
    {0x3130, 0x318F, "Hangul (Korean)"},
    {0x3400, 0x4DBF, "CJK (Chinese, Japanese)"},
    {0x4E00, 0x9FFF, "CJK (Chinese, Japanese)"},
    {0xA960, 0xA97F, "Hangul (Korean)"},
    {0xAC00, 0xD7FF, "Hangul (Korean)"},
    {0xE000, 0xF8FF, "private use character"},
    {0xF900, 0xFAFF, "CJK (Chinese, Japanese)"},
    {0xFB1D, 0xFB4F, "Hebrew"},
    {0xFB50, 0xFDFF, "Arabic"},
    {0xFE00, 0xFE0F, "variation selector"},
    {0xFE70, 0xFEFF, "Arabic"},
    {0xFF00, 0xFFEF, "full-width form"},
    {0x10800, 0x10FFF, "right-to-left script"},
    {0x1E800, 0x1EFFF, "right-to-left script"},
    {0x1F000, 0x1FAFF, "emoji"},
    {0x20000, 0x3FFFF, "CJK (Chinese, Japanese)"},
};

bool layout_control(char32_t cp) { return cp == '\t' || cp == '\n' || cp == '\r'; }

}  // namespace

bool is_right_to_left(char32_t cp) {
  // Unicode bidi classes R and AL, by block: Hebrew through NKo/Samaritan/
  // Mandaic/Arabic Extended, the Hebrew and Arabic presentation forms, and
  // the supplementary right-to-left blocks; plus RLM (U+200F), RLE (U+202B),
  // RLO (U+202E), ALM (U+061C, inside Arabic) and RLI (U+2067).
  return (cp >= 0x0590 && cp <= 0x08FF) || (cp >= 0xFB1D && cp <= 0xFDFF) || (cp >= 0xFE70 && cp <= 0xFEFE) ||
         (cp >= 0x10800 && cp <= 0x10FFF) || (cp >= 0x1E800 && cp <= 0x1EFFF) || cp == 0x200F || cp == 0x202B ||
         cp == 0x202E || cp == 0x2067;
}

const char* script_of(char32_t cp) {
  auto it = std::upper_bound(std::begin(kBlocks), std::end(kBlocks), cp,
                             [](char32_t c, const Block& b) { return c < b.first; });
  if (it == std::begin(kBlocks)) return "";
  --it;
  return cp <= it->last ? it->name : "";
}

std::string code_point_name(char32_t cp) {
  static const char* kHex = "0123456789ABCDEF";
  std::string digits;
  for (char32_t v = cp; v; v >>= 4) digits.insert(digits.begin(), kHex[v & 15]);
  while (digits.size() < 4) digits.insert(digits.begin(), '0');
  return "U+" + digits;
}

std::string utf8_of(char32_t cp) {
  std::string out;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

TextCoverage::TextCoverage(std::vector<std::shared_ptr<const FontFace>> faces)
    : faces_(std::move(faces)), bmp_(0x10000 / 64, 0) {
  for (unsigned page = 0; page < 256; ++page) {
    // a page some face has no glyph in stays all zero: most of the BMP, for Latin fonts
    bool all_have_page = !faces_.empty();
    for (const auto& f : faces_) all_have_page = all_have_page && f->has_glyph_in_page(page);
    if (!all_have_page) continue;
    for (char32_t cp = page << 8; cp < ((page + 1) << 8); ++cp) {
      bool all = true;
      for (const auto& f : faces_) all = all && f->has_glyph(cp);
      if (all) bmp_[cp >> 6] |= uint64_t{1} << (cp & 63);
    }
  }
  ascii_ = true;
  for (char32_t cp = 0x20; cp < 0x7F; ++cp) ascii_ = ascii_ && check(cp) == Printability::printable;
}

Printability TextCoverage::check(char32_t cp) const {
  if (layout_control(cp)) return Printability::printable;
  if (is_right_to_left(cp)) return Printability::right_to_left;
  if (cp < 0x10000) return (bmp_[cp >> 6] >> (cp & 63)) & 1 ? Printability::printable : Printability::no_glyph;
  bool all = !faces_.empty();
  for (const auto& f : faces_) all = all && f->has_glyph(cp);
  return all ? Printability::printable : Printability::no_glyph;
}

std::vector<Unprintable> TextCoverage::unprintable(std::string_view utf8) const {
  std::vector<Unprintable> out;
  // the common case: printable ASCII and layout controls only
  if (ascii_) {
    size_t i = 0;
    while (i < utf8.size()) {
      unsigned char c = static_cast<unsigned char>(utf8[i]);
      if ((c < 0x20 || c >= 0x7F) && c != '\t' && c != '\n' && c != '\r') break;
      ++i;
    }
    if (i == utf8.size()) return out;
  }
  for (size_t i = 0; i < utf8.size();) {
    char32_t cp = next_code_point(utf8, i);
    Printability p = check(cp);
    if (p == Printability::printable) continue;
    bool seen = std::any_of(out.begin(), out.end(), [&](const Unprintable& u) { return u.cp == cp; });
    if (!seen) out.push_back({cp, p});
  }
  return out;
}

}  // namespace p2p
