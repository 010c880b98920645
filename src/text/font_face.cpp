#include "text/font_face.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

namespace p2p {

namespace {

constexpr char32_t kReplacement = 0xFFFD;
constexpr uint32_t kLastCodePoint = 0x10FFFF;
constexpr size_t kBmpSize = 0x10000;

// Big-endian reads from a byte range. A read outside the range yields 0 and
// sets a flag, so a parser reads a whole structure and checks once, instead of
// guarding every field; nothing is ever read outside the bytes.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}

  size_t size() const { return bytes_.size(); }
  bool has(uint64_t offset, uint64_t length) const {
    return offset <= bytes_.size() && length <= bytes_.size() - offset;
  }
  bool overran() const { return overran_; }

  uint8_t u8(uint64_t offset) {
    if (!has(offset, 1)) return overrun();
    return static_cast<uint8_t>(bytes_[offset]);
  }
  uint16_t u16(uint64_t offset) {
    if (!has(offset, 2)) return overrun();
    return static_cast<uint16_t>(byte(offset) << 8 | byte(offset + 1));
  }
  int16_t i16(uint64_t offset) { return static_cast<int16_t>(u16(offset)); }
  uint32_t u32(uint64_t offset) {
    if (!has(offset, 4)) return overrun();
    return static_cast<uint32_t>(byte(offset)) << 24 | static_cast<uint32_t>(byte(offset + 1)) << 16 |
           static_cast<uint32_t>(byte(offset + 2)) << 8 | byte(offset + 3);
  }

 private:
  uint32_t byte(uint64_t offset) const { return static_cast<uint8_t>(bytes_[offset]); }
  uint8_t overrun() {
    overran_ = true;
    return 0;
  }
  std::string_view bytes_;
  bool overran_ = false;
};

constexpr uint32_t tag(const char (&t)[5]) {
  return static_cast<uint32_t>(static_cast<uint8_t>(t[0])) << 24 |
         static_cast<uint32_t>(static_cast<uint8_t>(t[1])) << 16 |
         static_cast<uint32_t>(static_cast<uint8_t>(t[2])) << 8 | static_cast<uint8_t>(t[3]);
}

// A tag for a message: a damaged file may hold any bytes there.
std::string printable_tag(std::string_view raw) {
  std::string out;
  for (char c : raw) out.push_back(c >= 32 && c <= 126 ? c : '?');
  return out;
}

// The tables we read, as views into the file; empty when absent.
struct Tables {
  std::string_view head, hhea, maxp, hmtx, cmap, os2, name;
};

// Everything parsed, before it is moved into a FontFace.
struct Parsed {
  int units_per_em = 0;
  int num_glyphs = 0;
  int ascent = 0, descent = 0, line_gap = 0;
  std::vector<uint16_t> advances;
  // The BMP's glyphs by page of 256 code points (FontFace::page_of_).
  uint16_t page_of[256] = {};
  std::vector<std::array<uint16_t, 256>> pages{1};   // page 0: no glyph
  void set_bmp(uint32_t c, uint16_t glyph) {
    if (glyph == 0) return;
    uint16_t& page = page_of[c >> 8];
    if (page == 0) {
      page = static_cast<uint16_t>(pages.size());
      pages.emplace_back().fill(0);
    }
    pages[page][c & 0xFF] = glyph;
  }
  struct Range { char32_t first, last; uint32_t first_glyph; };
  std::vector<Range> supplementary;
  std::string postscript_name;
};

// Each reader below returns "" on success, else what is wrong with the file.

std::string read_directory(std::string_view file, Tables& t) {
  Reader r(file);
  uint32_t version = r.u32(0);
  if (r.overran()) return "is too short to be a font";
  if (version == tag("ttcf")) return "is a TrueType collection (.ttc); a single-font .ttf is needed";
  if (version == tag("OTTO")) return "has CFF (PostScript) outlines; a TrueType-outline font is needed";
  if (version != 0x00010000 && version != tag("true")) return "is not a TrueType font (unknown file signature)";

  uint16_t count = r.u16(4);
  if (!r.has(12, uint64_t{count} * 16)) return "is truncated (table directory incomplete)";
  const std::pair<uint32_t, std::string_view*> wanted[] = {
      {tag("head"), &t.head}, {tag("hhea"), &t.hhea}, {tag("maxp"), &t.maxp}, {tag("hmtx"), &t.hmtx},
      {tag("cmap"), &t.cmap}, {tag("OS/2"), &t.os2},  {tag("name"), &t.name}};
  for (uint32_t i = 0; i < count; ++i) {
    uint64_t rec = 12 + uint64_t{i} * 16;
    uint32_t id = r.u32(rec), offset = r.u32(rec + 8), length = r.u32(rec + 12);
    // Every table is checked, not just ours: the PDF embeds the whole file.
    if (!r.has(offset, length))
      return "is truncated (table '" + printable_tag(file.substr(rec, 4)) + "' extends past the end of the file)";
    for (const auto& [want, view] : wanted)
      if (id == want && view->empty()) *view = file.substr(offset, length);
  }
  if (t.head.empty()) return "has no 'head' table";
  if (t.hhea.empty()) return "has no 'hhea' table";
  if (t.maxp.empty()) return "has no 'maxp' table";
  if (t.hmtx.empty()) return "has no 'hmtx' table";
  if (t.cmap.empty()) return "has no 'cmap' table";
  return "";
}

std::string read_head(std::string_view head, Parsed& p) {
  Reader r(head);
  uint32_t magic = r.u32(12);
  p.units_per_em = r.u16(18);
  if (r.overran()) return "has a truncated 'head' table";
  if (magic != 0x5F0F3CF5) return "has a corrupt 'head' table (bad magic number)";
  if (p.units_per_em < 16 || p.units_per_em > 16384)
    return "has an invalid unitsPerEm (" + std::to_string(p.units_per_em) + ")";
  return "";
}

std::string read_maxp(std::string_view maxp, Parsed& p) {
  Reader r(maxp);
  p.num_glyphs = r.u16(4);
  if (r.overran()) return "has a truncated 'maxp' table";
  if (p.num_glyphs == 0) return "has no glyphs";
  return "";
}

// The rule FreeType applies to face->ascender/descender/height (and thus what
// PoDoFo reports): hhea first; OS/2 typo values only when hhea has neither
// ascender nor descender; the OS/2 win values when the typo ones are zero too.
std::string read_vertical_metrics(std::string_view hhea, std::string_view os2, Parsed& p) {
  Reader h(hhea);
  p.ascent = h.i16(4);
  p.descent = h.i16(6);
  p.line_gap = h.i16(8);
  if (h.overran()) return "has a truncated 'hhea' table";
  if (p.ascent != 0 || p.descent != 0) return "";

  Reader o(os2);
  int typo_ascent = o.i16(68), typo_descent = o.i16(70), typo_gap = o.i16(72);
  int win_ascent = o.u16(74), win_descent = o.u16(76);
  if (o.overran()) return "";   // no usable OS/2 (absent or the short Apple version 0): keep hhea
  if (typo_ascent != 0 || typo_descent != 0) {
    p.ascent = typo_ascent;
    p.descent = typo_descent;
    p.line_gap = typo_gap;
  } else {
    p.ascent = win_ascent;
    p.descent = -win_descent;
    p.line_gap = 0;
  }
  return "";
}

// Glyphs past numberOfHMetrics share the last listed advance (monospaced
// tails), so the table is expanded to one entry per glyph for O(1) lookup.
std::string read_hmtx(std::string_view hhea, std::string_view hmtx, Parsed& p) {
  Reader h(hhea);
  int metrics = h.u16(34);
  if (h.overran()) return "has a truncated 'hhea' table";
  if (metrics == 0) return "has no horizontal metrics (numberOfHMetrics is 0)";
  metrics = std::min(metrics, p.num_glyphs);   // entries past the glyph count are never used
  Reader r(hmtx);
  if (!r.has(0, uint64_t(metrics) * 4)) return "has a truncated 'hmtx' table";

  p.advances.resize(p.num_glyphs);
  for (int g = 0; g < metrics; ++g) p.advances[g] = r.u16(uint64_t(g) * 4);
  std::fill(p.advances.begin() + metrics, p.advances.end(), p.advances[metrics - 1]);
  return "";
}

// A glyph id the font does not have is treated as missing, as FreeType does.
uint16_t checked_glyph(uint64_t glyph, const Parsed& p) {
  return glyph < static_cast<uint64_t>(p.num_glyphs) ? static_cast<uint16_t>(glyph) : 0;
}

// Format 4: segments of BMP code points. Segments are sorted by end code, and
// a lookup takes the first segment reaching the code point, so a code point
// already covered by an earlier segment is skipped; this also bounds the work
// by 65536 whatever the file says.
std::string read_cmap_format4(Reader& r, uint64_t at, Parsed& p) {
  uint64_t seg_x2 = r.u16(at + 6);
  if (r.overran() || seg_x2 == 0 || seg_x2 % 2 != 0 || !r.has(at, 16 + 4 * seg_x2))
    return "has a truncated or corrupt cmap (format 4)";
  const uint64_t ends = at + 14, starts = ends + seg_x2 + 2, deltas = starts + seg_x2, ranges = deltas + seg_x2;

  uint32_t covered_until = 0;   // code points below this are already decided
  for (uint64_t seg = 0; seg < seg_x2; seg += 2) {
    uint32_t end = r.u16(ends + seg), start = r.u16(starts + seg);
    uint16_t delta = r.u16(deltas + seg), range_offset = r.u16(ranges + seg);
    for (uint32_t c = std::max(start, covered_until); c <= end; ++c) {
      uint32_t glyph;
      if (range_offset == 0) {
        glyph = (c + delta) & 0xFFFF;
      } else {
        // The offset is relative to the idRangeOffset entry itself.
        uint64_t slot = ranges + seg + range_offset + 2 * uint64_t(c - start);
        glyph = r.has(slot, 2) ? r.u16(slot) : 0;   // a slot past the table: missing, not fatal
        if (glyph != 0) glyph = (glyph + delta) & 0xFFFF;
      }
      p.set_bmp(c, checked_glyph(glyph, p));
    }
    covered_until = std::max(covered_until, end + 1);
  }
  return "";
}

// Format 12: sorted, non-overlapping groups over all planes. The BMP part
// goes into the direct table; the rest stays as ranges for a binary search.
std::string read_cmap_format12(Reader& r, uint64_t at, Parsed& p) {
  uint64_t groups = r.u32(at + 12);
  if (r.overran() || !r.has(at + 16, groups * 12)) return "has a truncated cmap (format 12)";
  uint64_t previous_end = 0;
  for (uint64_t i = 0; i < groups; ++i) {
    uint64_t rec = at + 16 + i * 12;
    uint32_t first = r.u32(rec), last = r.u32(rec + 4), first_glyph = r.u32(rec + 8);
    if (first > last || (i > 0 && first <= previous_end)) return "has a corrupt cmap (format 12 groups out of order)";
    previous_end = last;
    if (first > kLastCodePoint) break;
    last = std::min(last, kLastCodePoint);
    for (uint32_t c = first; c < kBmpSize && c <= last; ++c)
      p.set_bmp(c, checked_glyph(uint64_t{first_glyph} + (c - first), p));
    if (last >= kBmpSize) {
      uint32_t from = std::max<uint32_t>(first, kBmpSize);
      uint64_t glyph = uint64_t{first_glyph} + (from - first);
      if (glyph <= UINT32_MAX)
        p.supplementary.push_back({from, last, static_cast<uint32_t>(glyph)});
    }
  }
  return "";
}

// Which Unicode subtable to use: Windows full-repertoire (3,10) format 12,
// then Windows BMP (3,1) format 4, then any Unicode-platform (0,*) subtable,
// format 12 before format 4. Higher is better; 0 = unusable.
int cmap_rank(uint16_t platform, uint16_t encoding, uint16_t format) {
  if (platform == 3 && encoding == 10 && format == 12) return 4;
  if (platform == 3 && encoding == 1 && format == 4) return 3;
  if (platform == 0 && format == 12) return 2;
  if (platform == 0 && format == 4) return 1;
  return 0;
}

std::string read_cmap(std::string_view cmap, Parsed& p) {
  Reader r(cmap);
  uint16_t count = r.u16(2);
  if (r.overran() || !r.has(4, uint64_t{count} * 8)) return "has a truncated 'cmap' table";
  int best_rank = 0;
  uint64_t best_at = 0;
  uint16_t best_format = 0;
  for (uint32_t i = 0; i < count; ++i) {
    uint64_t rec = 4 + uint64_t{i} * 8;
    uint16_t platform = r.u16(rec), encoding = r.u16(rec + 2);
    uint32_t at = r.u32(rec + 4);
    uint16_t format = r.has(at, 2) ? r.u16(at) : 0;
    int rank = cmap_rank(platform, encoding, format);
    if (rank > best_rank) best_rank = rank, best_at = at, best_format = format;
  }
  if (best_rank == 0) return "has no Unicode character map (cmap 3/10 format 12, 3/1 format 4 or 0/*)";
  p.pages[0].fill(0);
  return best_format == 12 ? read_cmap_format12(r, best_at, p) : read_cmap_format4(r, best_at, p);
}

// PostScript names are printable ASCII without the PostScript delimiters;
// anything else (which a broken name table might hold) is dropped.
void append_postscript_char(std::string& out, uint32_t c) {
  static constexpr std::string_view kDelimiters = "[](){}<>/%";
  if (c < 33 || c > 126 || kDelimiters.find(static_cast<char>(c)) != std::string_view::npos) return;
  if (out.size() < 63) out.push_back(static_cast<char>(c));
}

// nameID 6. Windows (UTF-16BE, US English first) is preferred over Macintosh
// (one byte per character). A missing or unreadable name leaves "": the name
// only labels the font, measuring does not need it.
std::string read_postscript_name(std::string_view name) {
  Reader r(name);
  uint16_t count = r.u16(2), strings = r.u16(4);
  if (r.overran()) return "";
  int best_rank = 0;
  std::string best;
  for (uint32_t i = 0; i < count; ++i) {
    uint64_t rec = 6 + uint64_t{i} * 12;
    uint16_t platform = r.u16(rec), language = r.u16(rec + 4), id = r.u16(rec + 6);
    uint16_t length = r.u16(rec + 8), offset = r.u16(rec + 10);
    if (r.overran()) break;
    if (id != 6 || (platform != 3 && platform != 1)) continue;
    int rank = platform == 1 ? 1 : (language == 0x409 ? 3 : 2);
    uint64_t at = uint64_t{strings} + offset;
    if (rank <= best_rank || !r.has(at, length)) continue;
    std::string text;
    if (platform == 3)
      for (uint64_t k = 0; k + 1 < length; k += 2) append_postscript_char(text, r.u16(at + k));
    else
      for (uint64_t k = 0; k < length; ++k) append_postscript_char(text, r.u8(at + k));
    if (text.empty()) continue;
    best_rank = rank;
    best = std::move(text);
  }
  return best;
}

std::string parse_tables(std::string_view file, Parsed& p) {
  Tables t;
  std::string problem = read_directory(file, t);
  if (problem.empty()) problem = read_head(t.head, p);
  if (problem.empty()) problem = read_maxp(t.maxp, p);
  if (problem.empty()) problem = read_vertical_metrics(t.hhea, t.os2, p);
  if (problem.empty()) problem = read_hmtx(t.hhea, t.hmtx, p);
  if (problem.empty()) problem = read_cmap(t.cmap, p);
  if (problem.empty()) p.postscript_name = read_postscript_name(t.name);
  return problem;
}

Diagnostics font_error(const std::string& path, const std::string& problem) {
  return {error_at("", "font " + (path.empty() ? std::string("(in memory)") : path) + " " + problem)};
}

}  // namespace

namespace {

// A read-only private mapping of a whole file, unmapped with its last owner.
struct MappedFile {
  void* base = MAP_FAILED;
  size_t size = 0;
  ~MappedFile() {
    if (base != MAP_FAILED) ::munmap(base, size);
  }
};

}  // namespace

Result<std::shared_ptr<const FontFace>> FontFace::load(const std::string& path) {
  using R = Result<std::shared_ptr<const FontFace>>;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return R::fail(font_error(path, "cannot be opened (missing or unreadable)"));
  struct stat st {};
  auto file = std::make_shared<MappedFile>();
  bool ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  if (ok && st.st_size > 0) {
    file->size = static_cast<size_t>(st.st_size);
    file->base = ::mmap(nullptr, file->size, PROT_READ, MAP_PRIVATE, fd, 0);
    ok = file->base != MAP_FAILED;
  }
  ::close(fd);
  if (!ok) return R::fail(font_error(path, "could not be read"));
  std::string_view view = file->base == MAP_FAILED ? std::string_view()
                                                   : std::string_view(static_cast<const char*>(file->base), file->size);
  return parse_view(view, std::move(file), path);
}

Result<std::shared_ptr<const FontFace>> FontFace::parse(std::string bytes, std::string path_for_messages) {
  auto owned = std::make_shared<const std::string>(std::move(bytes));
  std::string_view view = *owned;
  return parse_view(view, std::move(owned), std::move(path_for_messages));
}

Result<std::shared_ptr<const FontFace>> FontFace::parse_view(std::string_view bytes, std::shared_ptr<const void> storage,
                                                             std::string path_for_messages) {
  Parsed p;
  std::string problem = parse_tables(bytes, p);
  if (!problem.empty()) return Result<std::shared_ptr<const FontFace>>::fail(font_error(path_for_messages, problem));

  std::shared_ptr<FontFace> face(new FontFace());
  face->path_ = std::move(path_for_messages);
  face->storage_ = std::move(storage);
  face->bytes_ = bytes;
  face->postscript_name_ = std::move(p.postscript_name);
  face->units_per_em_ = p.units_per_em;
  face->ascent_ = p.ascent;
  face->descent_ = p.descent;
  face->line_gap_ = p.line_gap;
  face->advances_ = std::move(p.advances);
  std::copy(std::begin(p.page_of), std::end(p.page_of), face->page_of_);
  face->pages_ = std::move(p.pages);
  for (const auto& g : p.supplementary) face->supplementary_.push_back({g.first, g.last, g.first_glyph});
  return Result<std::shared_ptr<const FontFace>>::ok(std::move(face));
}

uint16_t FontFace::glyph_index(char32_t cp) const {
  if (cp < kBmpSize) return pages_[page_of_[cp >> 8]][cp & 0xFF];
  auto after = std::upper_bound(supplementary_.begin(), supplementary_.end(), cp,
                                [](char32_t c, const CodeRange& r) { return c < r.first; });
  if (after == supplementary_.begin()) return 0;
  const CodeRange& r = *(after - 1);
  if (cp > r.last) return 0;
  uint64_t glyph = uint64_t{r.first_glyph} + (cp - r.first);
  return glyph < advances_.size() ? static_cast<uint16_t>(glyph) : 0;
}

// Every glyph id handed out is below the glyph count, the size of advances_.
int FontFace::advance(char32_t cp) const { return advances_[glyph_index(cp)]; }

double FontFace::width(std::string_view utf8, double size) const {
  long long units = 0;
  size_t i = 0;
  while (i < utf8.size()) {
    auto byte = static_cast<unsigned char>(utf8[i]);
    char32_t cp = byte;
    if (byte < 0x80)
      ++i;   // ASCII, nearly all the text: skip the decoder
    else
      cp = next_code_point(utf8, i);
    units += advances_[glyph_index(cp)];
  }
  return static_cast<double>(units) * size / units_per_em_;
}

// Follows the Unicode "maximal subpart" practice: a bad sequence is replaced
// by one U+FFFD and decoding resumes at the first byte that cannot continue
// it, so one stray byte never swallows the valid text after it. The ranges
// allowed for the second byte exclude overlong forms (E0, F0), surrogates (ED)
// and code points above U+10FFFF (F4). At the end of `s`, gives U+FFFD and
// leaves `i` at the end.
char32_t next_code_point(std::string_view s, size_t& i) {
  if (i >= s.size()) {
    i = s.size();
    return kReplacement;
  }
  auto lead = static_cast<unsigned char>(s[i]);
  if (lead < 0x80) {
    ++i;
    return lead;
  }

  int continuation;
  char32_t cp;
  unsigned char low = 0x80, high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    continuation = 1, cp = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    continuation = 2, cp = lead & 0x0F;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    continuation = 3, cp = lead & 0x07;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    ++i;   // a continuation byte with no lead, C0/C1 (always overlong), or F5..FF
    return kReplacement;
  }

  size_t j = i + 1;
  for (int k = 0; k < continuation; ++k, ++j) {
    if (j >= s.size()) break;
    auto b = static_cast<unsigned char>(s[j]);
    if (b < low || b > high) break;
    cp = cp << 6 | (b & 0x3F);
    low = 0x80, high = 0xBF;
    if (k == continuation - 1) {
      i = j + 1;
      return cp;
    }
  }
  i = j;   // j > i always: at least the lead byte is consumed
  return kReplacement;
}

}  // namespace p2p
