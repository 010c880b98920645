// TextCoverage: which characters the shipped faces print as written.
#include <doctest/doctest.h>

#include <string>

#include "text/coverage.h"
#include "text/test_fonts.h"

using p2p::Printability;
using p2p::TextCoverage;

namespace {

using p2p::test_fonts::face;

const TextCoverage& shipped() {
  static TextCoverage c({face("LiberationSans-Regular.ttf"), face("LiberationSans-Bold.ttf"),
                         face("LiberationSerif-Regular.ttf"), face("LiberationSerif-BoldItalic.ttf")});
  return c;
}

std::string listed(const std::string& text) {
  std::string out;
  for (const auto& u : shipped().unprintable(text))
    out += p2p::code_point_name(u.cp) + (u.why == Printability::right_to_left ? "<" : "") + " ";
  return out;
}

}  // namespace

TEST_CASE("coverage: Latin, accented, Cyrillic, Greek and Vietnamese print") {
  CHECK(listed("Smith, John A.") == "");
  CHECK(listed("José Núñez – Ærø ≥ 90 % “quoted” • €") == "");
  CHECK(listed("Наталья Смирнова") == "");
  CHECK(listed("Nguyễn Thị Hồng Nhung") == "");
  CHECK(listed("Αλέξης Παπαδόπουλος") == "");
  CHECK(listed("Zoë Łukasiewicz-Ørsted Ğ ş ț") == "");
  CHECK(listed("line one\nline two\ttabbed\r\n") == "");  // layout controls are never drawn
}

TEST_CASE("coverage: scripts and symbols the fonts lack are named, once each, in order") {
  CHECK(listed("王芳 王") == "U+738B U+82B3 ");
  CHECK(listed("김민준") == "U+AE40 U+BBFC U+C900 ");
  CHECK(listed("राहुल") == "U+0930 U+093E U+0939 U+0941 U+0932 ");
  CHECK(listed("สมชาย") == "U+0E2A U+0E21 U+0E0A U+0E32 U+0E22 ");
  CHECK(listed("ok 😀") == "U+1F600 ");       // above the BMP (emoji)
  CHECK(listed("ok 👍🏽") == "U+1F44D U+1F3FD ");
  CHECK(listed("bell\x07") == "U+0007 ");     // a control character would print as a box
}

TEST_CASE("coverage: right-to-left text is refused even where the fonts have the glyphs") {
  CHECK(shipped().check(U'\u05D0') == Printability::right_to_left);  // Hebrew alef (Liberation has it)
  CHECK(listed("שרה לוי") == "U+05E9< U+05E8< U+05D4< U+05DC< U+05D5< U+05D9< ");
  CHECK(listed("محمد") == "U+0645< U+062D< U+062F< ");
  CHECK(listed("a\u200Fb") == "U+200F< ");  // right-to-left mark
  CHECK(p2p::is_right_to_left(U'\uFB2A'));   // Hebrew presentation form
  CHECK_FALSE(p2p::is_right_to_left(U'a'));
}

TEST_CASE("coverage: names for messages") {
  CHECK(std::string(p2p::script_of(U'\u738B')) == "CJK (Chinese, Japanese)");
  CHECK(std::string(p2p::script_of(U'\U0001F600')) == "emoji");
  CHECK(std::string(p2p::script_of(U'\u05D0')) == "Hebrew");
  CHECK(std::string(p2p::script_of(U'a')) == "");
  CHECK(p2p::code_point_name(0x41) == "U+0041");
  CHECK(p2p::code_point_name(0x1F600) == "U+1F600");
  CHECK(p2p::utf8_of(0x1F600) == "\xF0\x9F\x98\x80");
  CHECK(p2p::utf8_of(0x738B) == "王");
}

TEST_CASE("coverage: a character one face lacks is not printable by the set") {
  // U+2713 (check mark) is in no Liberation face; an empty set covers nothing
  CHECK(shipped().check(U'\u2713') == Printability::no_glyph);
  TextCoverage none({});
  CHECK(none.check(U'a') == Printability::no_glyph);
  CHECK(none.unprintable("ab").size() == 2);
}
