#include "text/font_subset.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace p2p {

namespace {

constexpr uint16_t kNone = 0xFFFF;          // "no new id yet" in the old -> new map
constexpr size_t kMaxGlyphs = 0xFFFF;       // a glyph count is a uint16
constexpr int kMaxComponentDepth = 16;      // deeper nesting is treated as damage

// Composite glyph component flags.
constexpr uint16_t kArgsAreWords = 0x0001;
constexpr uint16_t kHaveScale = 0x0008;
constexpr uint16_t kMoreComponents = 0x0020;
constexpr uint16_t kHaveXYScale = 0x0040;
constexpr uint16_t kHaveTwoByTwo = 0x0080;
constexpr uint16_t kHaveInstructions = 0x0100;

constexpr uint32_t make_tag(const char (&t)[5]) {
  return static_cast<uint32_t>(static_cast<uint8_t>(t[0])) << 24 |
         static_cast<uint32_t>(static_cast<uint8_t>(t[1])) << 16 |
         static_cast<uint32_t>(static_cast<uint8_t>(t[2])) << 8 | static_cast<uint8_t>(t[3]);
}

// Bounds-checked big-endian reads: a read past the end yields 0 and sets a
// flag that the caller checks once after reading a structure.
class In {
 public:
  explicit In(std::string_view bytes) : b_(bytes) {}
  bool has(uint64_t offset, uint64_t length) const { return offset <= b_.size() && length <= b_.size() - offset; }
  bool overran() const { return overran_; }
  uint8_t u8(uint64_t at) {
    if (!has(at, 1)) return miss();
    return byte(at);
  }
  uint16_t u16(uint64_t at) {
    if (!has(at, 2)) return miss();
    return static_cast<uint16_t>(byte(at) << 8 | byte(at + 1));
  }
  int16_t i16(uint64_t at) { return static_cast<int16_t>(u16(at)); }
  uint32_t u32(uint64_t at) {
    if (!has(at, 4)) return miss();
    return uint32_t{byte(at)} << 24 | uint32_t{byte(at + 1)} << 16 | uint32_t{byte(at + 2)} << 8 | byte(at + 3);
  }

 private:
  uint8_t byte(uint64_t at) const { return static_cast<uint8_t>(b_[at]); }
  uint8_t miss() {
    overran_ = true;
    return 0;
  }
  std::string_view b_;
  bool overran_ = false;
};

void put16(std::string& s, uint32_t v) {
  s.push_back(static_cast<char>(v >> 8 & 0xFF));
  s.push_back(static_cast<char>(v & 0xFF));
}
void put32(std::string& s, uint32_t v) {
  put16(s, v >> 16);
  put16(s, v & 0xFFFF);
}
void set16(std::string& s, size_t at, uint32_t v) {
  s[at] = static_cast<char>(v >> 8 & 0xFF);
  s[at + 1] = static_cast<char>(v & 0xFF);
}
void set32(std::string& s, size_t at, uint32_t v) {
  set16(s, at, v >> 16);
  set16(s, at + 2, v & 0xFFFF);
}
void pad4(std::string& s) {
  while (s.size() % 4 != 0) s.push_back('\0');
}

// Sum of the big-endian uint32 words of `s`, the last one zero-padded.
uint32_t checksum(std::string_view s) {
  uint32_t sum = 0;
  size_t i = 0;
  for (; i + 4 <= s.size(); i += 4)
    sum += uint32_t{static_cast<uint8_t>(s[i])} << 24 | uint32_t{static_cast<uint8_t>(s[i + 1])} << 16 |
           uint32_t{static_cast<uint8_t>(s[i + 2])} << 8 | static_cast<uint8_t>(s[i + 3]);
  uint32_t last = 0;
  for (int shift = 24; i < s.size(); ++i, shift -= 8) last |= uint32_t{static_cast<uint8_t>(s[i])} << shift;
  return sum + last;
}

// The largest power of two <= n (n >= 1), and its log2.
std::pair<uint32_t, uint32_t> floor_pow2(uint32_t n) {
  uint32_t p = 1, log = 0;
  while (p * 2 <= n) p *= 2, ++log;
  return {p, log};
}

// The original font's tables and the numbers needed to read glyphs.
struct Source {
  std::string_view head, hhea, maxp, os2, hmtx, loca, glyf, post, name;
  uint32_t num_glyphs = 0;
  uint32_t num_hmetrics = 0;   // clamped to num_glyphs, >= 1
  bool long_loca = false;
};

// Each step below returns "" on success, else what is wrong with the font.

std::string read_source(std::string_view file, Source& s) {
  In r(file);
  uint16_t count = r.u16(4);
  if (r.overran() || !r.has(12, uint64_t{count} * 16)) return "has a truncated table directory";
  const std::pair<uint32_t, std::string_view*> wanted[] = {
      {make_tag("head"), &s.head}, {make_tag("hhea"), &s.hhea}, {make_tag("maxp"), &s.maxp},
      {make_tag("OS/2"), &s.os2},  {make_tag("hmtx"), &s.hmtx}, {make_tag("loca"), &s.loca},
      {make_tag("glyf"), &s.glyf}, {make_tag("post"), &s.post}, {make_tag("name"), &s.name}};
  for (uint32_t i = 0; i < count; ++i) {
    uint64_t rec = 12 + uint64_t{i} * 16;
    uint32_t id = r.u32(rec), offset = r.u32(rec + 8), length = r.u32(rec + 12);
    if (!r.has(offset, length)) return "has a table extending past the end of the file";
    for (const auto& [want, view] : wanted)
      if (id == want && view->data() == nullptr) *view = file.substr(offset, length);
  }
  if (s.head.size() < 54) return "has a missing or truncated 'head' table";
  if (s.hhea.size() < 36) return "has a missing or truncated 'hhea' table";
  if (s.maxp.size() < 6) return "has a missing or truncated 'maxp' table";
  if (s.loca.data() == nullptr || s.glyf.data() == nullptr) return "has no TrueType outlines ('loca'/'glyf')";

  In head(s.head), maxp(s.maxp), hhea(s.hhea);
  int16_t loca_format = head.i16(50);
  if (loca_format != 0 && loca_format != 1) return "has an unknown 'head' indexToLocFormat";
  s.long_loca = loca_format == 1;
  s.num_glyphs = maxp.u16(4);
  if (s.num_glyphs == 0) return "has no glyphs";
  if (s.loca.size() < (uint64_t{s.num_glyphs} + 1) * (s.long_loca ? 4 : 2)) return "has a truncated 'loca' table";
  s.num_hmetrics = std::min<uint32_t>(hhea.u16(34), s.num_glyphs);
  if (s.num_hmetrics == 0 || s.hmtx.size() < uint64_t{s.num_hmetrics} * 4) return "has a missing or truncated 'hmtx' table";
  return "";
}

// The bytes of original glyph `g` (empty for a glyph without outline);
// false when its location is damaged. `g` < num_glyphs.
bool glyph_bytes(const Source& s, uint32_t g, std::string_view& out) {
  In loca(s.loca);
  uint64_t from, to;
  if (s.long_loca) {
    from = loca.u32(uint64_t{g} * 4), to = loca.u32(uint64_t{g} * 4 + 4);
  } else {
    from = uint64_t{loca.u16(uint64_t{g} * 2)} * 2, to = uint64_t{loca.u16(uint64_t{g} * 2 + 2)} * 2;
  }
  if (loca.overran() || from > to || to > s.glyf.size()) return false;
  out = s.glyf.substr(from, to - from);
  return true;
}

enum class Kind { empty, simple, composite, damaged };

Kind glyph_kind(std::string_view g) {
  if (g.empty()) return Kind::empty;
  if (g.size() < 10) return Kind::damaged;
  int16_t contours = In(g).i16(0);
  if (contours >= 0) return Kind::simple;
  return contours == -1 ? Kind::composite : Kind::damaged;
}

// Walks the component records of a composite glyph:
//   ComponentWalk w{glyph}; while (w.next()) use(w.at, w.flags, w.glyph);
//   if (w.damaged) ...; else w.end is the end of the records.
struct ComponentWalk {
  std::string_view g;
  size_t at = 0, end = 10;
  uint16_t flags = 0, glyph = 0;
  bool damaged = false, done = false;

  bool next() {
    if (done) return false;
    In r(g);
    at = end;
    flags = r.u16(at);
    glyph = r.u16(at + 2);
    uint64_t length = 4 + ((flags & kArgsAreWords) ? 4 : 2);
    if (flags & kHaveScale)
      length += 2;
    else if (flags & kHaveXYScale)
      length += 4;
    else if (flags & kHaveTwoByTwo)
      length += 8;
    if (r.overran() || !r.has(at, length)) {
      damaged = done = true;
      return false;
    }
    end = at + length;
    done = !(flags & kMoreComponents);
    return true;
  }
};

std::string glyph_problem(uint32_t g, const char* what) { return "has a damaged glyph " + std::to_string(g) + " (" + what + ")"; }

// Which original glyphs go into the subset, in new-id order.
struct Plan {
  std::vector<uint16_t> new_to_old;
  std::vector<uint16_t> old_to_new;   // kNone when not in the subset
  std::vector<uint8_t> state;         // 0 unseen, 1 being expanded, 2 expanded
  const Source* source = nullptr;

  std::string add(uint32_t old) {
    if (new_to_old.size() >= kMaxGlyphs) return "needs more than 65535 glyphs in one subset";
    if (old_to_new[old] == kNone) old_to_new[old] = static_cast<uint16_t>(new_to_old.size());
    new_to_old.push_back(static_cast<uint16_t>(old));
    return "";
  }

  // Adds, depth first, every glyph `old` uses as a component and was not yet added.
  std::string expand(uint32_t old, int depth) {
    if (state[old] == 2) return "";
    if (state[old] == 1) return glyph_problem(old, "composite glyph refers to itself");
    if (depth > kMaxComponentDepth) return glyph_problem(old, "components nested too deep");
    std::string_view g;
    if (!glyph_bytes(*source, old, g)) return glyph_problem(old, "location outside 'glyf'");
    Kind kind = glyph_kind(g);
    if (kind == Kind::damaged) return glyph_problem(old, "bad header");
    state[old] = 1;
    if (kind == Kind::composite) {
      ComponentWalk w{g};
      while (w.next()) {
        if (w.glyph >= source->num_glyphs) return glyph_problem(old, "component glyph id out of range");
        if (old_to_new[w.glyph] == kNone)
          if (std::string p = add(w.glyph); !p.empty()) return p;
        if (std::string p = expand(w.glyph, depth + 1); !p.empty()) return p;
      }
      if (w.damaged) return glyph_problem(old, "truncated component records");
    }
    state[old] = 2;
    return "";
  }
};

// Appends simple glyph `g` without its instructions and without trailing
// padding; false when its outline data is inconsistent or truncated.
bool append_simple(std::string_view g, std::string& out) {
  In r(g);
  uint32_t contours = static_cast<uint32_t>(r.i16(0));
  if (contours == 0) return true;   // draws nothing: stored as an empty glyph
  int32_t last = -1;
  for (uint32_t k = 0; k < contours; ++k) {
    int32_t end_point = r.u16(10 + uint64_t{k} * 2);
    if (end_point <= last) return false;   // end points must increase (FreeType's rule too)
    last = end_point;
  }
  const uint64_t instructions_at = 10 + uint64_t{contours} * 2;
  const uint64_t instructions_end = instructions_at + 2 + r.u16(instructions_at);
  if (r.overran()) return false;

  const uint64_t points = static_cast<uint64_t>(last) + 1;
  uint64_t at = instructions_end, x_bytes = 0, y_bytes = 0;
  for (uint64_t p = 0; p < points;) {
    uint8_t flag = r.u8(at++);
    uint64_t repeat = 1;
    if (flag & 0x08) repeat += r.u8(at++);
    if (r.overran() || p + repeat > points) return false;
    x_bytes += repeat * ((flag & 0x02) ? 1 : (flag & 0x10) ? 0 : 2);
    y_bytes += repeat * ((flag & 0x04) ? 1 : (flag & 0x20) ? 0 : 2);
    p += repeat;
  }
  const uint64_t end = at + x_bytes + y_bytes;
  if (!r.has(0, end)) return false;

  out.append(g.substr(0, instructions_at));
  put16(out, 0);   // instructionLength
  out.append(g.substr(instructions_end, end - instructions_end));
  return true;
}

// Appends composite glyph `g` with component ids renumbered and instructions
// dropped. Its components were validated by Plan::expand.
void append_composite(std::string_view g, const std::vector<uint16_t>& old_to_new, std::string& out) {
  ComponentWalk scan{g};
  while (scan.next()) {
  }
  const size_t start = out.size();
  out.append(g.substr(0, scan.end));
  ComponentWalk w{g};
  while (w.next()) {
    set16(out, start + w.at, w.flags & ~kHaveInstructions);
    set16(out, start + w.at + 2, old_to_new[w.glyph]);
  }
}

// A fresh cmap: (3,1) format 4 for the BMP, plus (3,10) format 12 when a
// supplementary code point is covered. `covered` is ascending and code point
// covered[i] has new id i + 1, so runs of consecutive code points are runs of
// consecutive ids: one segment (or group) per run, no glyph id arrays.
// Returns "" when the subset is too scattered for a format 4 table.
// The name table cut to the Windows-platform records a PDF reader or font
// tool may look at (copyright, family, subfamily, full name, PostScript
// name). The original carries the same strings for two platforms plus long
// licence texts: about 3 KB per face, a tenth of a brief.
std::string minimal_name_table(std::string_view name) {
  auto u16 = [&](size_t at) -> uint32_t {
    return at + 2 <= name.size() ? (static_cast<uint8_t>(name[at]) << 8) | static_cast<uint8_t>(name[at + 1]) : 0;
  };
  if (name.size() < 6) return std::string(name);
  uint32_t count = u16(2), storage = u16(4);
  struct Record { uint32_t platform, encoding, language, id; std::string_view text; };
  std::vector<Record> keep;
  for (uint32_t i = 0; i < count; ++i) {
    size_t at = 6 + 12 * i;
    if (at + 12 > name.size()) return std::string(name);
    Record r{u16(at), u16(at + 2), u16(at + 4), u16(at + 6), {}};
    size_t len = u16(at + 8), off = storage + u16(at + 10);
    if (off + len > name.size()) return std::string(name);
    r.text = name.substr(off, len);
    bool wanted = r.id == 0 || r.id == 1 || r.id == 2 || r.id == 4 || r.id == 6;
    if (r.platform == 3 && wanted) keep.push_back(r);
  }
  if (keep.empty()) return std::string(name);
  std::string out;
  put16(out, 0);
  put16(out, static_cast<uint32_t>(keep.size()));
  put16(out, static_cast<uint32_t>(6 + 12 * keep.size()));
  std::string strings;
  for (const Record& r : keep) {
    put16(out, r.platform);
    put16(out, r.encoding);
    put16(out, r.language);
    put16(out, r.id);
    put16(out, static_cast<uint32_t>(r.text.size()));
    put16(out, static_cast<uint32_t>(strings.size()));
    strings += r.text;
  }
  return out + strings;
}

std::string build_cmap(const std::vector<char32_t>& covered) {
  struct Run { uint32_t first, last, first_id; };
  std::vector<Run> bmp, all;
  for (size_t i = 0; i < covered.size(); ++i) {
    uint32_t c = covered[i], id = static_cast<uint32_t>(i + 1);
    if (!all.empty() && all.back().last + 1 == c)
      all.back().last = c;
    else
      all.push_back({c, c, id});
    if (c >= 0xFFFF) continue;   // U+FFFF is reserved for the format 4 end marker
    if (!bmp.empty() && bmp.back().last + 1 == c)
      bmp.back().last = c;
    else
      bmp.push_back({c, c, id});
  }
  bmp.push_back({0xFFFF, 0xFFFF, 0});   // the required last segment, mapping to .notdef
  const bool supplementary = !covered.empty() && covered.back() > 0xFFFF;

  const uint32_t segments = static_cast<uint32_t>(bmp.size());
  const uint64_t format4_length = 16 + uint64_t{segments} * 8;
  if (format4_length > 0xFFFF) return "";
  const uint32_t subtables = supplementary ? 2 : 1;

  std::string out;
  out.reserve(4 + 8 * subtables + format4_length + (supplementary ? 16 + 12 * all.size() : 0));
  put16(out, 0);
  put16(out, subtables);
  put16(out, 3), put16(out, 1), put32(out, 4 + 8 * subtables);
  if (supplementary) put16(out, 3), put16(out, 10), put32(out, static_cast<uint32_t>(4 + 8 * subtables + format4_length));

  auto [pow2, log2] = floor_pow2(segments);
  put16(out, 4);
  put16(out, static_cast<uint32_t>(format4_length));
  put16(out, 0);   // language
  put16(out, segments * 2);
  put16(out, pow2 * 2);
  put16(out, log2);
  put16(out, segments * 2 - pow2 * 2);
  for (const Run& s : bmp) put16(out, s.last);
  put16(out, 0);   // reservedPad
  for (const Run& s : bmp) put16(out, s.first);
  for (const Run& s : bmp) put16(out, (s.first_id - s.first) & 0xFFFF);   // idDelta
  for (size_t i = 0; i < bmp.size(); ++i) put16(out, 0);                   // idRangeOffset

  if (supplementary) {
    put16(out, 12);
    put16(out, 0);
    put32(out, static_cast<uint32_t>(16 + 12 * all.size()));
    put32(out, 0);   // language
    put32(out, static_cast<uint32_t>(all.size()));
    for (const Run& g : all) put32(out, g.first), put32(out, g.last), put32(out, g.first_id);
  }
  return out;
}

// Six capitals from FNV-1a over the name and the covered code points.
std::string make_subset_tag(const std::string& name, const std::vector<char32_t>& covered) {
  uint64_t h = 0xcbf29ce484222325ULL;
  auto mix = [&h](uint8_t b) { h = (h ^ b) * 0x100000001b3ULL; };
  for (char c : name) mix(static_cast<uint8_t>(c));
  mix(0);
  for (char32_t c : covered)
    for (int shift = 24; shift >= 0; shift -= 8) mix(static_cast<uint8_t>(c >> shift));
  std::string tag(6, 'A');
  for (char& c : tag) c = static_cast<char>('A' + h % 26), h /= 26;
  return tag;
}

// Descriptor numbers from head, post and OS/2 (those absent leave defaults).
void describe(const FontFace& face, const Source& s, FontSubset& out) {
  In head(s.head), post(s.post), os2(s.os2);
  out.units_per_em = face.units_per_em();
  out.ascent = face.ascent();
  out.descent = face.descent();
  for (int i = 0; i < 4; ++i) out.bbox[i] = head.i16(36 + 2 * i);
  const uint16_t mac_style = head.u16(44);

  if (s.post.size() >= 16) {
    out.italic_angle = static_cast<int32_t>(post.u32(4)) / 65536.0;
    out.fixed_pitch = post.u32(12) != 0;
  }

  out.weight_class = (mac_style & 1) ? 700 : 400;
  bool italic_bit = (mac_style & 2) != 0;
  if (s.os2.size() >= 78) {
    if (uint16_t w = os2.u16(4); w >= 1 && w <= 1000) out.weight_class = w;
    uint8_t family = os2.u8(32), serif_style = os2.u8(33);
    out.serif = family == 2 && serif_style >= 2 && serif_style <= 10;
    italic_bit = italic_bit || (os2.u16(62) & 1) != 0;
    if (os2.u16(0) >= 2 && s.os2.size() >= 90) out.cap_height = os2.i16(88);
  }
  out.italic = italic_bit || out.italic_angle != 0;
  double w = out.weight_class / 65.0;
  out.stem_v = static_cast<int>(std::lround(50 + w * w));

  if (out.cap_height <= 0) {   // no OS/2 v2+: the top of 'H'
    std::string_view g;
    uint16_t h = face.glyph_index(U'H');
    if (h != 0 && h < s.num_glyphs && glyph_bytes(s, h, g) && g.size() >= 10) out.cap_height = In(g).i16(8);
    if (out.cap_height <= 0) out.cap_height = out.ascent;
  }
}

struct TableOut {
  uint32_t tag;
  std::string_view data;
};

// The sfnt container: directory sorted by tag, tables 4-byte aligned in the
// given order, per-table checksums, and head.checkSumAdjustment.
std::string assemble(const std::vector<TableOut>& tables) {
  const uint32_t count = static_cast<uint32_t>(tables.size());
  size_t total = 12 + 16 * size_t{count};
  for (const TableOut& t : tables) total += (t.data.size() + 3) & ~size_t{3};

  std::string out;
  out.reserve(total);
  auto [pow2, log2] = floor_pow2(count);
  put32(out, 0x00010000);
  put16(out, count);
  put16(out, pow2 * 16);
  put16(out, log2);
  put16(out, count * 16 - pow2 * 16);
  out.resize(12 + 16 * size_t{count});

  struct Entry { uint32_t tag, sum, offset, length; };
  std::vector<Entry> entries;
  entries.reserve(count);
  size_t head_at = 0;
  for (const TableOut& t : tables) {
    const size_t at = out.size();
    if (t.tag == make_tag("head")) head_at = at;
    out.append(t.data);
    pad4(out);
    entries.push_back({t.tag, checksum(t.data), static_cast<uint32_t>(at), static_cast<uint32_t>(t.data.size())});
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.tag < b.tag; });
  for (uint32_t i = 0; i < count; ++i) {
    size_t rec = 12 + 16 * size_t{i};
    set32(out, rec, entries[i].tag);
    set32(out, rec + 4, entries[i].sum);
    set32(out, rec + 8, entries[i].offset);
    set32(out, rec + 12, entries[i].length);
  }
  set32(out, head_at + 8, 0xB1B0AFBAu - checksum(out));   // head's own sum was taken with 0 here
  return out;
}

}  // namespace

uint16_t FontSubset::glyph_id(char32_t cp) const {
  if (cp < ascii_glyph.size()) return ascii_glyph[cp];
  auto it = std::lower_bound(code_points.begin(), code_points.end(), cp);
  if (it == code_points.end() || *it != cp) return 0;
  return static_cast<uint16_t>(it - code_points.begin() + 1);
}

void FontSubset::append_glyph_ids(std::string_view utf8, std::string& out) const {
  out.reserve(out.size() + 2 * utf8.size());
  size_t i = 0;
  while (i < utf8.size()) {
    auto byte = static_cast<unsigned char>(utf8[i]);
    uint16_t id;
    if (byte < 0x80) {
      id = ascii_glyph[byte];
      ++i;
    } else {
      id = glyph_id(next_code_point(utf8, i));
    }
    out.push_back(static_cast<char>(id >> 8));
    out.push_back(static_cast<char>(id & 0xFF));
  }
}

Result<FontSubset> subset_font(const FontFace& face, const std::vector<char32_t>& code_points) {
  CodePointSet set;
  for (char32_t cp : code_points) set.insert(cp);
  return subset_font(face, set);
}

Result<FontSubset> subset_font(const FontFace& face, const CodePointSet& code_points) {
  auto fail = [&face](const std::string& problem) {
    return Result<FontSubset>::fail(
        {error_at("", "font " + (face.path().empty() ? std::string("(in memory)") : face.path()) +
                          " cannot be subset: it " + problem)});
  };
  Source s;
  if (std::string p = read_source(face.bytes(), s); !p.empty()) return fail(p);

  FontSubset out;
  // The covered code points, ascending, and their glyphs.
  Plan plan;
  plan.source = &s;
  plan.old_to_new.assign(s.num_glyphs, kNone);
  plan.state.assign(s.num_glyphs, 0);
  plan.new_to_old.reserve(code_points.size() + 16);
  out.code_points.reserve(code_points.size());
  plan.add(0);
  std::string problem;
  code_points.for_each([&](char32_t cp) {
    uint16_t old = face.glyph_index(cp);
    if (old == 0 || old >= s.num_glyphs || !problem.empty()) return;
    problem = plan.add(old);
    if (problem.empty()) out.code_points.push_back(cp);
  });
  if (!problem.empty()) return fail(problem);
  const size_t drawn = plan.new_to_old.size();   // .notdef + covered code points
  for (size_t i = 0; i < drawn; ++i)
    if (std::string p = plan.expand(plan.new_to_old[i], 0); !p.empty()) return fail(p);
  const size_t glyphs = plan.new_to_old.size();

  // glyf and loca offsets; hmtx; hhea extremes.
  std::string glyf, hmtx;
  glyf.reserve(glyphs * 128);
  hmtx.reserve(glyphs * 4);
  std::vector<uint32_t> offsets;
  offsets.reserve(glyphs + 1);
  out.advances.reserve(glyphs);
  int max_advance = 0, min_lsb = 0, min_rsb = 0, max_extent = 0;
  bool any_outline = false;
  for (size_t n = 0; n < glyphs; ++n) {
    const uint32_t old = plan.new_to_old[n];
    offsets.push_back(static_cast<uint32_t>(glyf.size()));
    std::string_view g;
    if (!glyph_bytes(s, old, g)) return fail(glyph_problem(old, "location outside 'glyf'"));
    const Kind kind = glyph_kind(g);
    if (kind == Kind::damaged) return fail(glyph_problem(old, "bad header"));
    if (kind == Kind::simple && !append_simple(g, glyf)) return fail(glyph_problem(old, "inconsistent outline data"));
    if (kind == Kind::composite) append_composite(g, plan.old_to_new, glyf);
    pad4(glyf);

    In metrics(s.hmtx);
    const uint32_t metric = std::min(old, s.num_hmetrics - 1);
    const uint16_t advance = metrics.u16(uint64_t{metric} * 4);
    int16_t lsb = old < s.num_hmetrics ? metrics.i16(uint64_t{old} * 4 + 2)
                                       : metrics.i16(uint64_t{s.num_hmetrics} * 4 + uint64_t{old - s.num_hmetrics} * 2);
    In header(g);
    const int x_min = header.i16(2), x_max = header.i16(6);
    if (metrics.overran()) {   // a short left-side-bearing array: the outline's own xMin
      lsb = static_cast<int16_t>(x_min);
    }
    put16(hmtx, advance);
    put16(hmtx, static_cast<uint16_t>(lsb));
    out.advances.push_back(advance);

    max_advance = std::max<int>(max_advance, advance);
    if (glyf.size() > offsets.back()) {   // has an outline
      const int extent = lsb + (x_max - x_min), rsb = advance - extent;
      if (!any_outline) min_lsb = lsb, min_rsb = rsb, max_extent = extent;
      min_lsb = std::min<int>(min_lsb, lsb), min_rsb = std::min(min_rsb, rsb), max_extent = std::max(max_extent, extent);
      any_outline = true;
    }
  }
  offsets.push_back(static_cast<uint32_t>(glyf.size()));

  const bool long_loca = glyf.size() > 0x1FFFE;
  std::string loca;
  loca.reserve(offsets.size() * (long_loca ? 4 : 2));
  for (uint32_t o : offsets) long_loca ? put32(loca, o) : put16(loca, o / 2);

  std::string head(s.head.substr(0, 54));
  set32(head, 8, 0);   // checkSumAdjustment, filled in by assemble
  set16(head, 50, long_loca ? 1 : 0);

  std::string hhea(s.hhea.substr(0, 36));
  set16(hhea, 10, static_cast<uint32_t>(max_advance));
  set16(hhea, 12, static_cast<uint16_t>(min_lsb));
  set16(hhea, 14, static_cast<uint16_t>(min_rsb));
  set16(hhea, 16, static_cast<uint16_t>(max_extent));
  set16(hhea, 34, static_cast<uint32_t>(glyphs));

  std::string maxp(s.maxp.substr(0, std::min<size_t>(s.maxp.size(), 32)));
  set16(maxp, 4, static_cast<uint32_t>(glyphs));

  std::string post(32, '\0');
  std::copy_n(s.post.data(), std::min<size_t>(s.post.size(), 32), post.begin());
  set32(post, 0, 0x00030000);   // format 3: no glyph names

  std::string cmap = build_cmap(out.code_points);
  if (cmap.empty()) return fail("would need a character map larger than format 4 allows (too many scattered code points)");

  // In the order the OpenType spec recommends for TrueType files.
  std::vector<TableOut> tables = {{make_tag("head"), head}, {make_tag("hhea"), hhea}, {make_tag("maxp"), maxp}};
  if (s.os2.size() >= 78) tables.push_back({make_tag("OS/2"), s.os2});
  tables.push_back({make_tag("hmtx"), hmtx});
  tables.push_back({make_tag("cmap"), cmap});
  tables.push_back({make_tag("loca"), loca});
  tables.push_back({make_tag("glyf"), glyf});
  std::string name = s.name.empty() ? std::string() : minimal_name_table(s.name);  // outlives `tables`
  if (!name.empty()) tables.push_back({make_tag("name"), name});
  tables.push_back({make_tag("post"), post});
  out.ttf = assemble(tables);

  out.unicode.assign(glyphs, 0);
  for (size_t i = 0; i < out.code_points.size(); ++i) out.unicode[i + 1] = out.code_points[i];
  for (size_t i = 0; i < out.code_points.size() && out.code_points[i] < out.ascii_glyph.size(); ++i)
    out.ascii_glyph[out.code_points[i]] = static_cast<uint16_t>(i + 1);
  describe(face, s, out);
  out.postscript_name = face.postscript_name();
  out.subset_tag = make_subset_tag(out.postscript_name, out.code_points);
  return Result<FontSubset>::ok(std::move(out));
}

}  // namespace p2p
