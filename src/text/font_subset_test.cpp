#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "text/font_face.h"
#include "text/font_subset.h"
#include "text/test_fonts.h"

using p2p::FontFace;
using p2p::FontSubset;
using p2p::subset_font;

// The subsets were also checked outside this test: fontTools 4.38 (outlines of
// every glyph drawn and compared with the original, checksums verified),
// FreeType 2.12 (unscaled outlines and advances identical, hinted rendering
// works) and ots-sanitize 9 (accepted), for all eight Liberation faces.

namespace {

const char* const kSample = "Núñez Ødegaard Zoë – ≥ 90 %";

std::string font_path(const char* file) { return std::string(P2P_SOURCE_ROOT) + "/fonts/" + file; }

using p2p::test_fonts::sans;
constexpr auto load_ok = &p2p::test_fonts::face;

std::vector<char32_t> code_points(std::string_view utf8) {
  std::vector<char32_t> out;
  for (size_t i = 0; i < utf8.size();) out.push_back(p2p::next_code_point(utf8, i));
  return out;
}

std::string message(const p2p::Diagnostics& d) { return d.empty() ? std::string() : d[0].message; }

FontSubset subset_ok(const FontFace& face, const std::vector<char32_t>& cps) {
  auto r = subset_font(face, cps);
  REQUIRE_MESSAGE(r.is_ok(), message(r.diagnostics()));
  return r.take();
}

// --- an independent little sfnt reader for looking inside the output ---

uint32_t be16(std::string_view s, size_t at) {
  REQUIRE(at + 2 <= s.size());
  return uint32_t{static_cast<uint8_t>(s[at])} << 8 | static_cast<uint8_t>(s[at + 1]);
}
uint32_t be32(std::string_view s, size_t at) { return be16(s, at) << 16 | be16(s, at + 2); }
int16_t sbe16(std::string_view s, size_t at) { return static_cast<int16_t>(be16(s, at)); }

uint32_t tag_of(const char* t) {
  return uint32_t{static_cast<uint8_t>(t[0])} << 24 | uint32_t{static_cast<uint8_t>(t[1])} << 16 |
         uint32_t{static_cast<uint8_t>(t[2])} << 8 | static_cast<uint8_t>(t[3]);
}

struct Sfnt {
  struct Record { uint32_t tag, sum, offset, length; size_t at; };
  std::string_view file;
  std::vector<Record> records;

  explicit Sfnt(std::string_view f) : file(f) {
    uint32_t count = be16(f, 4);
    for (uint32_t i = 0; i < count; ++i) {
      size_t at = 12 + 16 * size_t{i};
      records.push_back({be32(f, at), be32(f, at + 4), be32(f, at + 8), be32(f, at + 12), at});
      REQUIRE(size_t{records.back().offset} + records.back().length <= f.size());
    }
  }
  const Record* find(const char* tag) const {
    for (const auto& r : records)
      if (r.tag == tag_of(tag)) return &r;
    return nullptr;
  }
  std::string_view table(const char* tag) const {
    const Record* r = find(tag);
    REQUIRE_MESSAGE(r != nullptr, tag);
    return file.substr(r->offset, r->length);
  }
  uint32_t num_glyphs() const { return be16(table("maxp"), 4); }
  std::pair<uint32_t, uint32_t> glyph_range(uint32_t g) const {
    std::string_view loca = table("loca");
    if (sbe16(table("head"), 50) == 1) return {be32(loca, 4 * g), be32(loca, 4 * g + 4)};
    return {2 * be16(loca, 2 * g), 2 * be16(loca, 2 * g + 2)};
  }
  std::string_view glyph(uint32_t g) const {
    auto [from, to] = glyph_range(g);
    REQUIRE(from <= to);
    REQUIRE(to <= table("glyf").size());
    return table("glyf").substr(from, to - from);
  }
};

uint32_t checksum(std::string_view s) {
  uint32_t sum = 0;
  for (size_t i = 0; i < s.size(); i += 4) {
    uint32_t word = 0;
    for (size_t k = 0; k < 4; ++k) word = word << 8 | (i + k < s.size() ? static_cast<uint8_t>(s[i + k]) : 0u);
    sum += word;
  }
  return sum;
}

struct Component { uint16_t flags, glyph; size_t at; };

// The component records of a composite glyph.
std::vector<Component> components(std::string_view g) {
  std::vector<Component> out;
  REQUIRE(sbe16(g, 0) == -1);
  size_t at = 10;
  for (;;) {
    uint16_t flags = static_cast<uint16_t>(be16(g, at));
    out.push_back({flags, static_cast<uint16_t>(be16(g, at + 2)), at});
    at += 4 + ((flags & 1) ? 4 : 2) + ((flags & 8) ? 2 : (flags & 0x40) ? 4 : (flags & 0x80) ? 8 : 0);
    if (!(flags & 0x20)) return out;
  }
}

// The outline of a simple glyph after its instructions (flags and
// coordinates, possibly followed by padding in the original).
std::string_view simple_outline(std::string_view g) {
  size_t contours = static_cast<size_t>(sbe16(g, 0));
  size_t instructions = 10 + 2 * contours;
  return g.substr(instructions + 2 + be16(g, instructions));
}

}  // namespace

TEST_CASE("the sample text: a smaller font that parses, maps and measures like the original") {
  const FontFace& original = sans();
  const FontSubset s = subset_ok(original, code_points(kSample));
  const std::vector<char32_t> sample = code_points(kSample);
  const std::set<char32_t> unique(sample.begin(), sample.end());

  CHECK(s.code_points == std::vector<char32_t>(unique.begin(), unique.end()));   // Liberation has them all
  // u+acute, n+tilde, e+dieresis are composites; 'e' is drawn anyway, so
  // u, acute, n, tilde and dieresis come in as component-only glyphs.
  const size_t components_only = 5;
  CHECK(s.advances.size() == 1 + unique.size() + components_only);
  CHECK(s.unicode.size() == s.advances.size());
  CHECK(s.unicode[0] == 0);
  CHECK(Sfnt(s.ttf).num_glyphs() == s.advances.size());
  CHECK(s.ttf.size() < 15000);
  CHECK(s.ttf.size() * 40 < original.bytes().size());
  MESSAGE("sample subset: " << s.advances.size() << " glyphs, " << s.ttf.size() << " bytes");

  auto reparsed = FontFace::parse(s.ttf, "subset");
  REQUIRE_MESSAGE(reparsed.is_ok(), message(reparsed.diagnostics()));
  const FontFace& sub = *reparsed.value();
  CHECK(sub.units_per_em() == original.units_per_em());
  CHECK(sub.ascent() == original.ascent());
  CHECK(sub.descent() == original.descent());
  CHECK(sub.postscript_name() == original.postscript_name());

  uint16_t expected_id = 1;
  for (char32_t cp : unique) {
    CAPTURE(static_cast<uint32_t>(cp));
    CHECK(s.glyph_id(cp) == expected_id);
    CHECK(sub.glyph_index(cp) == expected_id);
    CHECK(s.unicode[expected_id] == cp);
    CHECK(s.advances[expected_id] == original.advance(cp));
    CHECK(sub.advance(cp) == original.advance(cp));
    ++expected_id;
  }
  for (size_t g = expected_id; g < s.unicode.size(); ++g) CHECK(s.unicode[g] == 0);
  CHECK(sub.width(kSample, 12) == doctest::Approx(original.width(kSample, 12)));

  CHECK(s.units_per_em == 2048);
  CHECK(s.ascent == original.ascent());
  CHECK(s.descent == original.descent());
  CHECK(s.cap_height == 1409);
  CHECK(s.italic_angle == 0);
  CHECK(s.weight_class == 400);
  CHECK(s.stem_v == 88);
  CHECK_FALSE(s.italic);
  CHECK_FALSE(s.serif);
  CHECK_FALSE(s.fixed_pitch);
  CHECK(s.bbox[0] == -1114);
  CHECK(s.bbox[1] == -621);
  CHECK(s.bbox[2] == 2666);
  CHECK(s.bbox[3] == 2007);
  CHECK(s.postscript_name == "LiberationSans");
  CHECK(s.subset_tag.size() == 6);
  CHECK(std::all_of(s.subset_tag.begin(), s.subset_tag.end(), [](char c) { return c >= 'A' && c <= 'Z'; }));
}

TEST_CASE("a composite glyph brings its components, renumbered") {
  const FontFace& original = sans();
  Sfnt source(original.bytes());
  const uint16_t old_ntilde = original.glyph_index(U'ñ');
  const auto old_parts = components(source.glyph(old_ntilde));   // Liberation draws ñ as n + tilde
  REQUIRE(old_parts.size() == 2);
  CHECK(old_parts[0].glyph == original.glyph_index(U'n'));
  const uint32_t tilde_advance = be16(source.table("hmtx"), 4 * size_t{old_parts[1].glyph});

  // Alone: n and tilde follow as component-only glyphs 2 and 3.
  const FontSubset alone = subset_ok(original, {U'ñ'});
  REQUIRE(alone.advances.size() == 4);
  Sfnt a(alone.ttf);
  auto parts = components(a.glyph(1));
  REQUIRE(parts.size() == 2);
  CHECK(parts[0].glyph == 2);
  CHECK(parts[1].glyph == 3);
  CHECK(alone.unicode == std::vector<char32_t>{0, U'ñ', 0, 0});
  CHECK(alone.advances[2] == original.advance(U'n'));
  CHECK(alone.advances[3] == tilde_advance);
  for (size_t k = 0; k < parts.size(); ++k) {
    CHECK((parts[k].flags & 0x0100) == 0);   // no instructions
    CHECK(parts[k].flags == (old_parts[k].flags & ~0x0100));
  }

  // With 'n' drawn too, the component reuses the glyph of 'n'.
  const FontSubset both = subset_ok(original, {U'n', U'ñ'});
  REQUIRE(both.advances.size() == 4);   // .notdef, n, ñ, tilde
  Sfnt b(both.ttf);
  auto parts_b = components(b.glyph(both.glyph_id(U'ñ')));
  CHECK(parts_b[0].glyph == both.glyph_id(U'n'));
  CHECK(parts_b[1].glyph == 3);
  CHECK(both.unicode == std::vector<char32_t>{0, U'n', U'ñ', 0});
  CHECK(a.glyph(2) == b.glyph(both.glyph_id(U'n')));   // the same outline either way

  auto reparsed = FontFace::parse(alone.ttf, "subset");
  REQUIRE(reparsed.is_ok());
  CHECK(reparsed.value()->glyph_index(U'ñ') == 1);
  CHECK(reparsed.value()->glyph_index(U'n') == 0);   // only a component: not in the cmap
}

TEST_CASE("outlines are copied exactly, instructions dropped") {
  const FontFace& original = sans();
  Sfnt source(original.bytes());
  const FontSubset s = subset_ok(original, code_points(kSample));
  Sfnt out(s.ttf);
  size_t simple = 0, composite = 0;
  for (char32_t cp : s.code_points) {
    CAPTURE(static_cast<uint32_t>(cp));
    std::string_view before = source.glyph(original.glyph_index(cp)), after = out.glyph(s.glyph_id(cp));
    if (before.empty()) {
      CHECK(after.empty());   // the space
      continue;
    }
    if (sbe16(before, 0) >= 0) {
      ++simple;
      size_t header = 10 + 2 * static_cast<size_t>(sbe16(before, 0));
      CHECK(after.substr(0, header) == before.substr(0, header));   // bbox, end points
      CHECK(be16(after, header) == 0);                              // instructionLength
      CHECK(be16(before, header) > 0);                              // Liberation is hinted
      // Flags and coordinates: the original's, up to the subset's zero padding.
      std::string_view outline = simple_outline(after);
      size_t padding = 0;
      while (padding < 3 && !outline.empty() && outline.back() == '\0') outline.remove_suffix(1), ++padding;
      CHECK(simple_outline(before).substr(0, outline.size()) == outline);
    } else {
      ++composite;
      auto old_parts = components(before), new_parts = components(after);
      REQUIRE(old_parts.size() == new_parts.size());
      CHECK(after.substr(0, 10) == before.substr(0, 10));
      for (size_t k = 0; k < old_parts.size(); ++k) {
        size_t from = old_parts[k].at + 4, to = k + 1 < old_parts.size() ? old_parts[k + 1].at : after.size();
        CHECK(after.substr(from, to - from) == before.substr(from, to - from));   // offsets, scales
      }
    }
  }
  CHECK(simple > 10);
  CHECK(composite == 3);   // ú ñ ë
  // .notdef is the original's glyph 0.
  std::string_view notdef = out.glyph(0);
  CHECK(notdef.substr(0, 10) == source.glyph(0).substr(0, 10));
  // glyf entries start 4-byte aligned.
  for (uint32_t g = 0; g <= out.num_glyphs() - 1; ++g) CHECK(out.glyph_range(g).first % 4 == 0);
}

TEST_CASE("tables: the right set, sorted, aligned, with correct checksums") {
  const FontFace& original = sans();
  const FontSubset s = subset_ok(original, code_points(kSample));
  Sfnt out(s.ttf);
  Sfnt source(original.bytes());

  CHECK(be32(s.ttf, 0) == 0x00010000);
  std::vector<std::string> tags;
  for (const auto& r : out.records) tags.push_back(std::string(s.ttf.substr(r.at, 4)));
  CHECK(tags == std::vector<std::string>{"OS/2", "cmap", "glyf", "head", "hhea", "hmtx", "loca", "maxp", "name", "post"});
  const uint32_t n = static_cast<uint32_t>(tags.size());
  CHECK(be16(s.ttf, 6) == 128);            // searchRange: 8 * 16
  CHECK(be16(s.ttf, 8) == 3);              // entrySelector
  CHECK(be16(s.ttf, 10) == n * 16 - 128);  // rangeShift

  const uint32_t adjustment = be32(out.table("head"), 8);
  for (const auto& r : out.records) {
    CAPTURE(std::string(s.ttf.substr(r.at, 4)));
    CHECK(r.offset % 4 == 0);
    std::string table(s.ttf.substr(r.offset, r.length));
    if (r.tag == tag_of("head")) table.replace(8, 4, std::string(4, '\0'));
    CHECK(r.sum == checksum(table));
  }
  CHECK(s.ttf.size() % 4 == 0);
  CHECK(checksum(s.ttf) == 0xB1B0AFBA);   // whole file, with checkSumAdjustment in place
  CHECK(adjustment != 0);

  const uint32_t glyphs = static_cast<uint32_t>(s.advances.size());
  CHECK(be16(out.table("maxp"), 4) == glyphs);
  CHECK(out.table("maxp").substr(6) == source.table("maxp").substr(6));   // the v1.0 bounds kept
  CHECK(be16(out.table("hhea"), 34) == glyphs);
  CHECK(out.table("hmtx").size() == 4 * size_t{glyphs});
  CHECK(sbe16(out.table("head"), 50) == 0);   // short loca fits
  CHECK(out.table("loca").size() == 2 * size_t{glyphs + 1});
  CHECK(out.table("OS/2") == source.table("OS/2"));
  CHECK(out.table("name").size() < source.table("name").size() / 2);   // Windows records only
  CHECK(out.table("post").size() == 32);
  CHECK(be32(out.table("post"), 0) == 0x00030000);
  CHECK(out.table("post").substr(4, 28) == source.table("post").substr(4, 28));
  for (uint32_t g = 0; g < glyphs; ++g) CHECK(be16(out.table("hmtx"), 4 * size_t{g}) == s.advances[g]);

  std::string_view cmap = out.table("cmap");
  CHECK(be16(cmap, 2) == 1);
  CHECK(be16(cmap, 4) == 3);
  CHECK(be16(cmap, 6) == 1);
  CHECK(be16(cmap, be32(cmap, 8)) == 4);
}

TEST_CASE("the same input gives the same bytes") {
  const FontSubset a = subset_ok(sans(), code_points(kSample));
  std::vector<char32_t> shuffled = code_points(kSample);
  std::reverse(shuffled.begin(), shuffled.end());
  shuffled.push_back(U'N');
  const FontSubset b = subset_ok(sans(), shuffled);
  CHECK(a.ttf == b.ttf);
  CHECK(a.unicode == b.unicode);
  CHECK(a.advances == b.advances);
  CHECK(a.subset_tag == b.subset_tag);
  CHECK(subset_ok(sans(), {U'a'}).subset_tag != a.subset_tag);
}

TEST_CASE("missing code points draw as .notdef and add nothing, an empty set gives .notdef alone") {
  const FontSubset s = subset_ok(sans(), {U'z', U'a', U'z', 0x4E2D, 0x1F600, 0x110000});
  CHECK(s.code_points == std::vector<char32_t>{U'a', U'z'});
  CHECK(s.advances.size() == 3);
  CHECK(s.glyph_id(0x4E2D) == 0);
  CHECK(s.glyph_id(0x1F600) == 0);
  CHECK(s.glyph_id(U'b') == 0);
  CHECK(s.glyph_id(U'a') == 1);
  CHECK(s.glyph_id(U'z') == 2);

  const FontSubset empty = subset_ok(sans(), {});
  CHECK(empty.advances.size() == 1);
  CHECK(empty.unicode == std::vector<char32_t>{0});
  auto reparsed = FontFace::parse(empty.ttf, "empty subset");
  REQUIRE_MESSAGE(reparsed.is_ok(), message(reparsed.diagnostics()));
  CHECK(reparsed.value()->glyph_index(U'a') == 0);
  CHECK(reparsed.value()->advance(U'a') == sans().advance(0x4E2D));   // .notdef's advance
}

TEST_CASE("append_glyph_ids writes 2-byte big-endian new ids") {
  const FontSubset s = subset_ok(sans(), code_points("Zoë 90%"));   // ' ' % 0 9 Z o ë
  std::string out = "x";
  s.append_glyph_ids("Zoë? 9\xFF", out);
  const std::string expected = std::string("x") + '\0' + '\5' + '\0' + '\6' + '\0' + '\7' + '\0' + '\0' + '\0' + '\1' +
                               '\0' + '\4' + '\0' + '\0';
  CHECK(out == expected);
  CHECK(s.glyph_id(U'ë') == 7);
  CHECK(s.glyph_id(U'%') == 2);
}

TEST_CASE("Bold, Italic and Serif: descriptor numbers, and ~60 glyphs stay small") {
  const std::string letter =
      "Dear Dr. Núñez: We appeal the denial of claim #4471-B (03/14/2025). Per §2.1, 90 % ≥ “criteria” – "
      "QUICK JOVIAL WAX, fly pygmy kvetch?";
  auto bold = load_ok("LiberationSans-Bold.ttf");
  const FontSubset b = subset_ok(*bold, code_points(letter));
  MESSAGE("Liberation Sans Bold, " << b.advances.size() << " glyphs: " << b.ttf.size() << " bytes");
  CHECK(b.advances.size() >= 60);
  CHECK(b.ttf.size() < 15000);
  CHECK(b.weight_class == 700);
  CHECK(b.stem_v == 166);
  CHECK(b.postscript_name == "LiberationSans-Bold");
  CHECK(FontFace::parse(b.ttf, "bold subset").is_ok());
  const FontSubset r = subset_ok(sans(), code_points(letter));
  MESSAGE("Liberation Sans Regular, " << r.advances.size() << " glyphs: " << r.ttf.size() << " bytes");
  CHECK(r.ttf.size() < 15000);

  auto italic = load_ok("LiberationSerif-Italic.ttf");
  const FontSubset i = subset_ok(*italic, code_points(letter));
  CHECK(i.italic_angle == doctest::Approx(-16.333).epsilon(0.001));
  CHECK(i.italic);
  CHECK(i.serif);
  CHECK(i.weight_class == 400);
  CHECK(i.cap_height == 1341);
}

TEST_CASE("supplementary code points get a (3,10) format 12 cmap as well") {
  // Liberation has no code points above U+FFFF: give it a cmap that maps
  // U+1F600..U+1F601 to the glyphs after 'B'.
  const FontFace& original = sans();
  std::string bytes(original.bytes());
  const uint16_t glyph_a = original.glyph_index(U'A'), glyph_b = original.glyph_index(U'B');
  std::string cmap;
  auto put16 = [&cmap](uint32_t v) { cmap += static_cast<char>(v >> 8), cmap += static_cast<char>(v & 0xFF); };
  auto put32 = [&](uint32_t v) { put16(v >> 16), put16(v & 0xFFFF); };
  put16(0), put16(1), put16(3), put16(10), put32(12);
  put16(12), put16(0), put32(16 + 2 * 12), put32(0), put32(2);
  put32(U'A'), put32(U'A'), put32(glyph_a);
  put32(0x1F600), put32(0x1F601), put32(glyph_b);
  Sfnt source(bytes);
  const auto* record = source.find("cmap");
  REQUIRE(record != nullptr);
  const size_t at = record->at;
  while (bytes.size() % 4) bytes.push_back('\0');
  const uint32_t offset = static_cast<uint32_t>(bytes.size());
  bytes += cmap;
  for (int k = 0; k < 4; ++k) {
    bytes[at + 8 + k] = static_cast<char>(offset >> (24 - 8 * k));
    bytes[at + 12 + k] = static_cast<char>(cmap.size() >> (24 - 8 * k));
  }
  auto patched = FontFace::parse(bytes, "patched");
  REQUIRE_MESSAGE(patched.is_ok(), message(patched.diagnostics()));
  REQUIRE(patched.value()->glyph_index(0x1F601) == glyph_b + 1);

  const FontSubset s = subset_ok(*patched.value(), {0x1F601, U'A', 0x1F600, U'B'});   // 'B' is unmapped now
  CHECK(s.code_points == std::vector<char32_t>{U'A', 0x1F600, 0x1F601});
  CHECK(s.glyph_id(0x1F601) == 3);
  std::string_view out_cmap = Sfnt(s.ttf).table("cmap");
  CHECK(be16(out_cmap, 2) == 2);
  CHECK(be16(out_cmap, 12) == 3);
  CHECK(be16(out_cmap, 14) == 10);
  auto reparsed = FontFace::parse(s.ttf, "subset");   // FontFace prefers (3,10) format 12
  REQUIRE_MESSAGE(reparsed.is_ok(), message(reparsed.diagnostics()));
  CHECK(reparsed.value()->glyph_index(U'A') == 1);
  CHECK(reparsed.value()->glyph_index(0x1F600) == 2);
  CHECK(reparsed.value()->glyph_index(0x1F601) == 3);
  CHECK(reparsed.value()->advance(0x1F601) == original.advance(U'C'));   // 'C' follows 'B' in Liberation
}

namespace {

// The original bytes with the glyph of `cp` located, for damaging.
struct Damage {
  std::string bytes{sans().bytes()};
  size_t glyph_at(char32_t cp) {
    Sfnt f(bytes);
    return f.find("glyf")->offset + f.glyph_range(sans().glyph_index(cp)).first;
  }
  p2p::Result<FontSubset> subset(const std::vector<char32_t>& cps) {
    auto face = FontFace::parse(bytes, "damaged");   // FontFace reads no glyphs: it still loads
    REQUIRE(face.is_ok());
    return subset_font(*face.value(), cps);
  }
};

}  // namespace

TEST_CASE("a damaged glyph fails with a message, never crashes") {
  SUBCASE("a composite that contains itself") {
    Damage d;
    size_t at = d.glyph_at(U'ñ') + 10 + 2;   // first component's glyph id
    uint16_t self = sans().glyph_index(U'ñ');
    d.bytes[at] = static_cast<char>(self >> 8), d.bytes[at + 1] = static_cast<char>(self & 0xFF);
    auto r = d.subset({U'ñ'});
    REQUIRE_FALSE(r.is_ok());
    CHECK(message(r.diagnostics()).find("refers to itself") != std::string::npos);
    CHECK(message(r.diagnostics()).find("cannot be subset") != std::string::npos);
  }
  SUBCASE("a component glyph id past the glyph count") {
    Damage d;
    size_t at = d.glyph_at(U'ñ') + 10 + 2;
    d.bytes[at] = '\xFF', d.bytes[at + 1] = '\xF0';
    auto r = d.subset({U'ñ'});
    REQUIRE_FALSE(r.is_ok());
    CHECK(message(r.diagnostics()).find("out of range") != std::string::npos);
  }
  SUBCASE("contour end points promising more points than the data holds") {
    Damage d;
    size_t at = d.glyph_at(U'N') + 10;   // N has one contour: its end point
    d.bytes[at] = '\x7F';
    auto r = d.subset({U'N'});
    REQUIRE_FALSE(r.is_ok());
    CHECK(message(r.diagnostics()).find("damaged glyph") != std::string::npos);
  }
  SUBCASE("a loca entry past the end of glyf") {
    Damage d;
    Sfnt f(d.bytes);
    size_t entry = f.find("loca")->offset + 4 * (size_t{sans().glyph_index(U'N')} + 1);   // Liberation: long loca
    d.bytes[entry] = '\x7F';
    auto r = d.subset({U'N'});
    REQUIRE_FALSE(r.is_ok());
    CHECK(message(r.diagnostics()).find("outside 'glyf'") != std::string::npos);
  }
  SUBCASE("random damage to the sample's glyphs and to loca") {
    const std::vector<char32_t> cps = code_points(kSample);
    Sfnt f(sans().bytes());
    std::vector<size_t> spots;   // the glyph bytes the sample uses, and loca
    for (char32_t cp : cps) {
      auto [from, to] = f.glyph_range(sans().glyph_index(cp));
      for (size_t k = from; k < to; ++k) spots.push_back(f.find("glyf")->offset + k);
    }
    for (size_t k = 0; k < f.find("loca")->length; ++k) spots.push_back(f.find("loca")->offset + k);
    uint32_t seed = 12345;
    auto next = [&seed] { return seed = seed * 1664525u + 1013904223u; };
    int failed = 0, passed = 0;
    for (int round = 0; round < 400; ++round) {
      Damage d;
      for (int k = 0; k < 8; ++k) d.bytes[spots[next() % spots.size()]] = static_cast<char>(next() >> 24);
      auto r = d.subset(cps);
      if (!r.is_ok()) {
        ++failed;
        CHECK_FALSE(message(r.diagnostics()).empty());
        continue;
      }
      ++passed;
      CHECK(FontFace::parse(r.value().ttf, "subset of damaged").is_ok());
    }
    CHECK(failed > 0);
    CHECK(passed > 0);
  }
}
