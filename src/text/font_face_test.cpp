#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "text/font_face.h"
#include "text/test_fonts.h"

using p2p::FontFace;
using p2p::next_code_point;

// Reference numbers below were read with FreeType 2.12.1 (FT_LOAD_NO_SCALE
// advances, face->units_per_EM/ascender/descender/height, FT_Get_Char_Index,
// FT_Get_Postscript_Name), independently of this reader.

namespace {

std::string font_path(const char* file) { return std::string(P2P_SOURCE_ROOT) + "/fonts/" + file; }

using p2p::test_fonts::sans;
constexpr auto load_ok = &p2p::test_fonts::face;

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string first_message(const p2p::Result<std::shared_ptr<const FontFace>>& r) {
  return r.diagnostics().empty() ? std::string() : r.diagnostics()[0].message;
}

// --- a tiny font writer, for the paths the Liberation fonts do not take ---

void put16(std::string& s, uint32_t v) {
  s.push_back(static_cast<char>(v >> 8 & 0xFF));
  s.push_back(static_cast<char>(v & 0xFF));
}
void put32(std::string& s, uint32_t v) {
  put16(s, v >> 16);
  put16(s, v & 0xFFFF);
}

// An sfnt file from (tag, table bytes) pairs; checksums are not verified by
// the reader, so they are left zero.
std::string sfnt(const std::vector<std::pair<std::string, std::string>>& tables) {
  std::string out;
  put32(out, 0x00010000);
  put16(out, static_cast<uint32_t>(tables.size()));
  put16(out, 0), put16(out, 0), put16(out, 0);
  uint32_t offset = static_cast<uint32_t>(12 + 16 * tables.size());
  std::string body;
  for (const auto& [tag, data] : tables) {
    out += tag;
    put32(out, 0);
    put32(out, offset + static_cast<uint32_t>(body.size()));
    put32(out, static_cast<uint32_t>(data.size()));
    body += data;
    while (body.size() % 4) body.push_back('\0');
  }
  return out + body;
}

std::string head_table(uint32_t units_per_em) {
  std::string t(54, '\0');
  std::string magic, upem;
  put32(magic, 0x5F0F3CF5);
  put16(upem, units_per_em);
  t.replace(12, 4, magic);
  t.replace(18, 2, upem);
  return t;
}

std::string hhea_table(int ascender, int descender, int line_gap, uint32_t metrics) {
  std::string t(4, '\0');
  put16(t, static_cast<uint16_t>(ascender));
  put16(t, static_cast<uint16_t>(descender));
  put16(t, static_cast<uint16_t>(line_gap));
  t.resize(34, '\0');
  put16(t, metrics);
  return t;
}

std::string maxp_table(uint32_t glyphs) {
  std::string t;
  put32(t, 0x00005000);
  put16(t, glyphs);
  return t;
}

std::string os2_table(int typo_ascent, int typo_descent, int typo_gap, int win_ascent, int win_descent) {
  std::string t(68, '\0');
  put16(t, static_cast<uint16_t>(typo_ascent));
  put16(t, static_cast<uint16_t>(typo_descent));
  put16(t, static_cast<uint16_t>(typo_gap));
  put16(t, static_cast<uint16_t>(win_ascent));
  put16(t, static_cast<uint16_t>(win_descent));
  return t;
}

struct Group { uint32_t first, last, glyph; };

std::string cmap_format12(uint16_t platform, uint16_t encoding, const std::vector<Group>& groups) {
  std::string t;
  put16(t, 0), put16(t, 1);
  put16(t, platform), put16(t, encoding), put32(t, 12);
  put16(t, 12), put16(t, 0);
  put32(t, static_cast<uint32_t>(16 + 12 * groups.size()));
  put32(t, 0);
  put32(t, static_cast<uint32_t>(groups.size()));
  for (const auto& g : groups) put32(t, g.first), put32(t, g.last), put32(t, g.glyph);
  return t;
}

std::string name_table_mac(const std::string& postscript_name) {
  std::string t;
  put16(t, 0), put16(t, 1), put16(t, 6 + 12);
  put16(t, 1), put16(t, 0), put16(t, 0), put16(t, 6);
  put16(t, static_cast<uint32_t>(postscript_name.size())), put16(t, 0);
  return t + postscript_name;
}

// Four glyphs, two listed advances (500, 700): glyphs 2 and 3 repeat 700.
std::string synthetic_font(const std::string& hhea, const std::string& os2, const std::string& cmap) {
  std::string hmtx;
  put16(hmtx, 500), put16(hmtx, 0), put16(hmtx, 700), put16(hmtx, 0);
  put16(hmtx, 0), put16(hmtx, 0);   // left side bearings of glyphs 2 and 3
  std::vector<std::pair<std::string, std::string>> tables = {
      {"cmap", cmap}, {"head", head_table(1000)}, {"hhea", hhea}, {"hmtx", hmtx}, {"maxp", maxp_table(4)},
      {"name", name_table_mac("Synthetic-Test")}};
  if (!os2.empty()) tables.push_back({"OS/2", os2});
  return sfnt(tables);
}

const std::vector<Group> kGroups = {{0x41, 0x43, 1}, {0x1D400, 0x1D401, 2}, {0x1F600, 0x1F600, 9}};

}  // namespace

TEST_CASE("Liberation Sans: units per em, vertical metrics, PostScript name") {
  const FontFace& f = sans();
  CHECK(f.units_per_em() == 2048);
  CHECK(f.ascent() == 1854);
  CHECK(f.descent() == -434);
  CHECK(f.line_gap() == 67);   // FreeType height 2355 = 1854 + 434 + 67
  CHECK(f.postscript_name() == "LiberationSans");
  CHECK(f.path() == font_path("LiberationSans-Regular.ttf"));
  CHECK(f.bytes().size() == 410712);
}

TEST_CASE("Liberation Sans: glyph indices and advances match FreeType") {
  const FontFace& f = sans();
  CHECK(f.glyph_index(U'H') == 43);
  CHECK(f.glyph_index(U'e') == 72);
  CHECK(f.glyph_index(U' ') == 3);
  CHECK(f.glyph_index(U'ñ') == 179);
  CHECK(f.glyph_index(U'Ø') == 154);
  CHECK(f.glyph_index(U'–') == 2015);
  CHECK(f.glyph_index(U'€') == 2088);

  CHECK(f.advance(U'H') == 1479);
  CHECK(f.advance(U'e') == 1139);
  CHECK(f.advance(U' ') == 569);
  CHECK(f.advance(U'ñ') == 1139);
  CHECK(f.advance(U'Ø') == 1593);
  CHECK(f.advance(U'–') == 1139);   // U+2013 EN DASH
  CHECK(f.advance(U'W') == 1933);
  CHECK(f.advance(U'i') == 455);
  CHECK(f.advance(U'r') == 682);
  CHECK(f.advance(U'€') == 1139);
}

TEST_CASE("Liberation Sans: a page of the BMP has glyphs exactly when one of its code points has") {
  const FontFace& f = sans();
  int pages_with_glyphs = 0;
  for (unsigned page = 0; page < 256; ++page) {
    bool any = false;
    for (char32_t cp = page << 8; cp < ((page + 1) << 8) && !any; ++cp) any = f.has_glyph(cp);
    CAPTURE(page);
    CHECK(f.has_glyph_in_page(page) == any);
    pages_with_glyphs += any;
  }
  CHECK(f.has_glyph_in_page(0x00));    // Basic Latin, Latin-1
  CHECK(f.has_glyph_in_page(0x04));    // Cyrillic
  CHECK(f.has_glyph_in_page(0x20));    // punctuation, the euro sign
  CHECK_FALSE(f.has_glyph_in_page(0x4E));  // CJK: Liberation has none
  CHECK_FALSE(f.has_glyph_in_page(256));   // past the BMP
  CHECK(pages_with_glyphs < 64);       // the reason the table is paged
}

TEST_CASE("Liberation Sans: a missing character measures as .notdef") {
  const FontFace& f = sans();
  CHECK_FALSE(f.has_glyph(U'中'));   // U+4E2D
  CHECK(f.glyph_index(U'中') == 0);
  CHECK(f.advance(U'中') == 1536);     // advance of glyph 0
  CHECK_FALSE(f.has_glyph(0xFFFD));    // Liberation has no replacement character
  CHECK_FALSE(f.has_glyph(0x1D400));   // a supplementary-plane letter
  CHECK(f.advance(0x1D400) == 1536);
  CHECK_FALSE(f.has_glyph(0x110000));  // not a code point at all
  CHECK(f.has_glyph(U'A'));
}

TEST_CASE("Liberation Sans: text widths match FreeType's advance sums") {
  const FontFace& f = sans();
  CHECK(f.width("", 12) == 0.0);
  CHECK(f.width("H", 2048) == doctest::Approx(1479));
  CHECK(f.width("Núñez Ødegaard Zoë", 12) == doctest::Approx(19696 * 12.0 / 2048));
  CHECK(f.width("Hello, World", 10) == doctest::Approx(11153 * 10.0 / 2048));
  CHECK(f.width("Appeal – 2026", 11) == doctest::Approx(13210 * 11.0 / 2048));
  CHECK(f.width("A中B", 2048) == doctest::Approx(4268));   // the CJK glyph as .notdef
  // Width scales linearly with size and adds up over concatenation.
  CHECK(f.width("Hello, World", 20) == doctest::Approx(2 * f.width("Hello, World", 10)));
  CHECK(f.width("Núñez Ødegaard", 9) + f.width(" Zoë", 9) == doctest::Approx(f.width("Núñez Ødegaard Zoë", 9)));
}

TEST_CASE("Liberation Sans: an invalid byte measures as U+FFFD, i.e. .notdef here") {
  const FontFace& f = sans();
  CHECK(f.width("A\xFF" "B", 2048) == doctest::Approx(1366 + 1536 + 1366));
  CHECK(f.width("\xC3", 2048) == doctest::Approx(1536));   // truncated sequence at the end
}

TEST_CASE("the other Liberation faces load with FreeType's numbers") {
  auto serif = load_ok("LiberationSerif-Regular.ttf");
  CHECK(serif->units_per_em() == 2048);
  CHECK(serif->ascent() == 1825);
  CHECK(serif->descent() == -443);
  CHECK(serif->line_gap() == 87);
  CHECK(serif->postscript_name() == "LiberationSerif");
  CHECK(serif->advance(U'H') == 1479);
  CHECK(serif->advance(U'e') == 909);
  CHECK(serif->advance(U'ñ') == 1024);
  CHECK(serif->advance(U'Ø') == 1479);
  CHECK(serif->advance(U'–') == 1024);
  CHECK(serif->advance(U'中') == 1593);

  auto serif_bold = load_ok("LiberationSerif-Bold.ttf");
  CHECK(serif_bold->postscript_name() == "LiberationSerif-Bold");
  CHECK(serif_bold->width("Núñez Ødegaard Zoë", 2048) == doctest::Approx(18659));

  auto sans_bold = load_ok("LiberationSans-Bold.ttf");
  CHECK(sans_bold->postscript_name() == "LiberationSans-Bold");
  CHECK(sans_bold->advance(U'ñ') == 1251);

  CHECK(load_ok("LiberationSans-Italic.ttf")->postscript_name() == "LiberationSans-Italic");
  CHECK(load_ok("LiberationSans-BoldItalic.ttf")->postscript_name() == "LiberationSans-BoldItalic");
  CHECK(load_ok("LiberationSerif-Italic.ttf")->postscript_name() == "LiberationSerif-Italic");
  CHECK(load_ok("LiberationSerif-BoldItalic.ttf")->postscript_name() == "LiberationSerif-BoldItalic");
}

TEST_CASE("a missing file fails with a message naming it") {
  auto r = FontFace::load(font_path("NoSuchFont.ttf"));
  CHECK_FALSE(r.is_ok());
  REQUIRE(r.diagnostics().size() == 1);
  CHECK(r.diagnostics()[0].severity == p2p::Severity::error);
  CHECK(r.diagnostics()[0].path == "");
  CHECK(first_message(r).find("NoSuchFont.ttf") != std::string::npos);
}

TEST_CASE("truncated and non-font bytes fail cleanly") {
  std::string full = read_bytes(font_path("LiberationSans-Regular.ttf"));
  REQUIRE(full.size() == 410712);

  auto first100 = FontFace::parse(full.substr(0, 100), "cut.ttf");
  CHECK_FALSE(first100.is_ok());
  CHECK(first_message(first100).find("cut.ttf") != std::string::npos);
  CHECK(first_message(first100).find("truncated") != std::string::npos);

  CHECK_FALSE(FontFace::parse("", "empty.ttf").is_ok());
  CHECK_FALSE(FontFace::parse("abc", "tiny.ttf").is_ok());
  CHECK_FALSE(FontFace::parse(std::string(4096, '\0'), "zeros.ttf").is_ok());
  CHECK_FALSE(FontFace::parse("%PDF-1.7\n" + std::string(200, 'x'), "doc.pdf").is_ok());
  CHECK_FALSE(FontFace::parse("ttcf" + std::string(100, '\0'), "c.ttc").is_ok());
  CHECK_FALSE(FontFace::parse("OTTO" + std::string(100, '\0'), "c.otf").is_ok());

  // Cut anywhere before the last table ends: always a failure, never a crash.
  for (size_t cut = 0; cut < full.size(); cut += 997) CHECK_FALSE(FontFace::parse(full.substr(0, cut), "cut").is_ok());
  CHECK(FontFace::parse(full, "whole").is_ok());
}

TEST_CASE("corrupted bytes never crash the reader") {
  std::string full = read_bytes(font_path("LiberationSans-Regular.ttf"));
  uint32_t seed = 12345;
  auto next = [&] { return seed = seed * 1664525u + 1013904223u; };
  int loaded = 0;
  for (int round = 0; round < 300; ++round) {
    std::string bytes = full;
    // Damage the directory and table headers, where offsets and counts live.
    for (int k = 0; k < 8; ++k) bytes[next() % 400] = static_cast<char>(next() >> 24);
    auto r = FontFace::parse(std::move(bytes), "fuzz");
    if (!r.is_ok()) continue;
    ++loaded;
    const FontFace& f = *r.value();
    for (char32_t cp = 0; cp < 0x10000; cp += 7) (void)f.advance(cp);
    (void)f.width("Núñez Ødegaard Zoë", 12);
  }
  MESSAGE(loaded << " of 300 damaged copies still loaded");
}

TEST_CASE("damaged table contents never crash the reader") {
  std::string full = read_bytes(font_path("LiberationSans-Regular.ttf"));
  auto be = [&](size_t at, int n) {
    uint32_t v = 0;
    for (int k = 0; k < n; ++k) v = v << 8 | static_cast<uint8_t>(full[at + k]);
    return v;
  };
  // Where the tables the reader parses start, from the directory.
  std::vector<std::pair<size_t, size_t>> spans;
  for (uint32_t i = 0; i < be(4, 2); ++i) {
    std::string tag = full.substr(12 + 16 * i, 4);
    if (tag == "cmap" || tag == "head" || tag == "hhea" || tag == "maxp" || tag == "hmtx" || tag == "name" ||
        tag == "OS/2")
      spans.push_back({be(12 + 16 * i + 8, 4), std::min<size_t>(be(12 + 16 * i + 12, 4), 4096)});
  }
  REQUIRE(spans.size() == 7);

  uint32_t seed = 777;
  auto next = [&] { return seed = seed * 1664525u + 1013904223u; };
  int loaded = 0;
  for (int round = 0; round < 700; ++round) {
    std::string bytes = full;
    const auto& [at, length] = spans[round % spans.size()];
    for (int k = 0; k < 6; ++k) bytes[at + next() % length] = static_cast<char>(next() >> 24);
    auto r = FontFace::parse(std::move(bytes), "fuzz");
    if (!r.is_ok()) continue;
    ++loaded;
    const FontFace& f = *r.value();
    for (char32_t cp = 0; cp < 0x10000; cp += 3) (void)f.advance(cp);
    (void)f.width("Núñez Ødegaard Zoë", 12);
    CHECK(f.units_per_em() >= 16);
  }
  MESSAGE(loaded << " of 700 copies with damaged tables still loaded");
}

TEST_CASE("synthetic font: cmap format 12 with supplementary planes, and hmtx repeating the last advance") {
  auto r = FontFace::parse(synthetic_font(hhea_table(750, -250, 50, 2), os2_table(800, -200, 90, 900, 300),
                                          cmap_format12(3, 10, kGroups)),
                           "synthetic.ttf");
  REQUIRE_MESSAGE(r.is_ok(), first_message(r));
  const FontFace& f = *r.value();
  CHECK(f.units_per_em() == 1000);
  CHECK(f.postscript_name() == "Synthetic-Test");   // from the Macintosh name record
  CHECK(f.glyph_index(U'A') == 1);
  CHECK(f.glyph_index(U'C') == 3);
  CHECK(f.glyph_index(U'D') == 0);
  CHECK(f.glyph_index(0x1D400) == 2);
  CHECK(f.glyph_index(0x1D401) == 3);
  CHECK(f.glyph_index(0x1D402) == 0);
  CHECK(f.glyph_index(0x1F600) == 0);   // glyph 9 does not exist in a 4-glyph font
  CHECK(f.advance(U'A') == 700);
  CHECK(f.advance(U'B') == 700);        // glyph 2: past numberOfHMetrics
  CHECK(f.advance(U'C') == 700);
  CHECK(f.advance(U'Z') == 500);        // .notdef
  CHECK(f.width("A\xF0\x9D\x90\x80Z", 10) == doctest::Approx((700 + 700 + 500) * 10.0 / 1000));
  // hhea wins when it has values, as in FreeType.
  CHECK(f.ascent() == 750);
  CHECK(f.descent() == -250);
  CHECK(f.line_gap() == 50);
}

TEST_CASE("synthetic font: vertical metrics fall back to OS/2 when hhea has none") {
  auto typo = FontFace::parse(synthetic_font(hhea_table(0, 0, 0, 2), os2_table(800, -200, 90, 900, 300),
                                             cmap_format12(3, 10, kGroups)),
                              "typo.ttf");
  REQUIRE(typo.is_ok());
  CHECK(typo.value()->ascent() == 800);
  CHECK(typo.value()->descent() == -200);
  CHECK(typo.value()->line_gap() == 90);

  auto win = FontFace::parse(synthetic_font(hhea_table(0, 0, 0, 2), os2_table(0, 0, 0, 900, 300),
                                            cmap_format12(3, 10, kGroups)),
                             "win.ttf");
  REQUIRE(win.is_ok());
  CHECK(win.value()->ascent() == 900);
  CHECK(win.value()->descent() == -300);
  CHECK(win.value()->line_gap() == 0);
}

TEST_CASE("synthetic font: unusable cmaps are refused") {
  auto symbol_only = FontFace::parse(
      synthetic_font(hhea_table(750, -250, 0, 2), "", cmap_format12(3, 0, kGroups)), "symbol.ttf");
  CHECK_FALSE(symbol_only.is_ok());
  CHECK(first_message(symbol_only).find("Unicode") != std::string::npos);

  auto unsorted = FontFace::parse(
      synthetic_font(hhea_table(750, -250, 0, 2), "", cmap_format12(3, 10, {{0x50, 0x60, 1}, {0x41, 0x43, 1}})),
      "unsorted.ttf");
  CHECK_FALSE(unsorted.is_ok());

  auto no_metrics = FontFace::parse(synthetic_font(hhea_table(750, -250, 0, 0), "", cmap_format12(3, 10, kGroups)),
                                    "nometrics.ttf");
  CHECK_FALSE(no_metrics.is_ok());
}

TEST_CASE("next_code_point decodes UTF-8") {
  std::string s = "Núñez Ødegaard Zoë";
  std::vector<char32_t> got;
  for (size_t i = 0; i < s.size();) got.push_back(next_code_point(s, i));
  std::vector<char32_t> want = {U'N', U'ú', U'ñ', U'e', U'z', U' ', U'Ø', U'd', U'e',
                                U'g', U'a', U'a', U'r', U'd', U' ', U'Z', U'o', U'ë'};
  CHECK(got == want);

  auto one = [](std::string_view t, size_t expect_advance) {
    size_t i = 0;
    char32_t cp = next_code_point(t, i);
    CHECK(i == expect_advance);
    return cp;
  };
  CHECK(one("\x7F", 1) == 0x7F);
  CHECK(one("\xC2\x80", 2) == 0x80);
  CHECK(one("\xDF\xBF", 2) == 0x7FF);
  CHECK(one("\xE0\xA0\x80", 3) == 0x800);
  CHECK(one("\xE2\x80\x93", 3) == 0x2013);
  CHECK(one("\xEF\xBF\xBD", 3) == 0xFFFD);
  CHECK(one("\xF0\x90\x80\x80", 4) == 0x10000);
  CHECK(one("\xF0\x9F\x98\x80", 4) == 0x1F600);
  CHECK(one("\xF4\x8F\xBF\xBF", 4) == 0x10FFFF);
}

TEST_CASE("next_code_point replaces invalid bytes and always advances") {
  auto one = [](std::string_view t, size_t expect_advance) {
    size_t i = 0;
    char32_t cp = next_code_point(t, i);
    CHECK(i == expect_advance);
    return cp;
  };
  CHECK(one("\x80", 1) == 0xFFFD);              // lone continuation byte
  CHECK(one("\xBF", 1) == 0xFFFD);
  CHECK(one("\xC0\x80", 1) == 0xFFFD);          // overlong NUL
  CHECK(one("\xC1\xBF", 1) == 0xFFFD);          // overlong
  CHECK(one("\xE0\x80\x80", 1) == 0xFFFD);      // overlong 3-byte
  CHECK(one("\xF0\x80\x80\x80", 1) == 0xFFFD);  // overlong 4-byte
  CHECK(one("\xED\xA0\x80", 1) == 0xFFFD);      // UTF-16 surrogate D800
  CHECK(one("\xED\xBF\xBF", 1) == 0xFFFD);      // surrogate DFFF
  CHECK(one("\xF4\x90\x80\x80", 1) == 0xFFFD);  // U+110000
  CHECK(one("\xF5\x80\x80\x80", 1) == 0xFFFD);  // lead byte beyond U+10FFFF
  CHECK(one("\xFF", 1) == 0xFFFD);
  CHECK(one("\xC3", 1) == 0xFFFD);              // truncated at the end
  CHECK(one("\xE2\x80", 2) == 0xFFFD);          // truncated 3-byte: both bytes in one U+FFFD
  CHECK(one("\xC3" "A", 1) == 0xFFFD);          // the ASCII after a cut sequence survives
  CHECK(one("\xE2\x80" "A", 2) == 0xFFFD);

  std::string s = "a\xE2\x80" "b\xFF" "c";
  std::vector<char32_t> got;
  for (size_t i = 0; i < s.size();) got.push_back(next_code_point(s, i));
  CHECK(got == std::vector<char32_t>{U'a', 0xFFFD, U'b', 0xFFFD, U'c'});

  size_t end = 3;
  CHECK(next_code_point("abc", end) == 0xFFFD);   // at the end: replacement, index stays in range
  CHECK(end == 3);
}
