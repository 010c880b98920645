// Shared subsets (pdf_export.h): the documents of a packet drawn with one
// font family embed one subset per face, made for all of them; a subset
// made for other pages or other fonts is never used.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "pdf/pdf_export.h"
#include "pdf/type0_font.h"
#include "text/font_subset.h"
#include "text/test_fonts.h"

namespace {

p2p::FontSet liberation_sans() { return p2p::test_fonts::family("LiberationSans"); }

std::vector<p2p::Page> page_of(std::vector<p2p::TextItem> texts) {
  p2p::Page page;
  page.texts = std::move(texts);
  return {page};
}

bool holds(const std::string& pdf, const std::string& bytes) { return pdf.find(bytes) != std::string::npos; }

}  // namespace

TEST_CASE("shared subsets: one subset per face for every document, each file naming only the faces it draws") {
  const p2p::FontSet fonts = liberation_sans();
  auto brief = page_of({{72, 72, 0, 10, "Alpha", {}, 0}});
  auto letter = page_of({{72, 72, 0, 10, "Zebra quiz", {}, 0}, {72, 90, 1, 10, "Bold", {}, 0}});
  auto shared = p2p::share_subsets({&brief, &letter}, fonts);
  REQUIRE(shared.is_ok());
  const p2p::SharedSubsets& s = shared.value();
  REQUIRE(s.face[0]);
  REQUIRE(s.face[1]);
  CHECK_FALSE(s.face[2]);  // nothing italic: no subset
  CHECK(s.face[0]->subset.glyph_id(U'A') != 0);   // the brief's
  CHECK(s.face[0]->subset.glyph_id(U'Z') != 0);   // the letter's
  CHECK(s.face[0]->subset.glyph_id(U'Q') == 0);   // nobody's

  auto alone = p2p::export_pdf(brief, fonts, {});
  auto with = p2p::export_pdf(brief, fonts, {}, &s);
  REQUIRE(alone.is_ok());
  REQUIRE(with.is_ok());
  CHECK(holds(with.value(), s.face[0]->packed_ttf));
  CHECK_FALSE(holds(with.value(), s.face[1]->packed_ttf));  // the brief draws nothing bold
  CHECK_FALSE(holds(alone.value(), s.face[0]->packed_ttf));
  CHECK(holds(with.value(), "+" + s.face[0]->subset.postscript_name));
  auto letter_pdf = p2p::export_pdf(letter, fonts, {}, &s);
  REQUIRE(letter_pdf.is_ok());
  CHECK(holds(letter_pdf.value(), s.face[0]->packed_ttf));
  CHECK(holds(letter_pdf.value(), s.face[1]->packed_ttf));
}

TEST_CASE("shared subsets: pages they were not made for, or other fonts, get their own subset") {
  const p2p::FontSet fonts = liberation_sans();
  auto letter = page_of({{72, 72, 0, 10, "Zebra quiz", {}, 0}});
  auto other = page_of({{72, 72, 0, 10, "Alpha", {}, 0}});  // 'A', 'p', 'h' are not in the letter
  auto shared = p2p::share_subsets({&letter}, fonts);
  REQUIRE(shared.is_ok());
  REQUIRE(shared.value().face[0]);
  auto pdf = p2p::export_pdf(other, fonts, {}, &shared.value());
  REQUIRE(pdf.is_ok());
  CHECK_FALSE(holds(pdf.value(), shared.value().face[0]->packed_ttf));

  // made for both, so larger than the letter's own subset
  auto both = p2p::share_subsets({&letter, &other}, fonts);
  REQUIRE(both.is_ok());
  REQUIRE(both.value().face[0]);
  const p2p::FontSet copy = liberation_sans();  // the same files, another FontSet
  auto mine = p2p::export_pdf(letter, fonts, {}, &both.value());
  auto theirs = p2p::export_pdf(letter, copy, {}, &both.value());
  REQUIRE(mine.is_ok());
  REQUIRE(theirs.is_ok());
  CHECK(holds(mine.value(), both.value().face[0]->packed_ttf));
  CHECK_FALSE(holds(theirs.value(), both.value().face[0]->packed_ttf));
}

TEST_CASE("shared subsets: a character no face has leaves that face unshared, and its document's export names it") {
  const p2p::FontSet fonts = liberation_sans();
  auto fine = page_of({{72, 72, 0, 10, "Alpha", {}, 0}, {72, 90, 1, 10, "Bold", {}, 0}});
  auto boxed = page_of({{72, 72, 0, 10, "done \xE2\x9C\x93", {}, 0}});  // ✓: not in Liberation Sans
  auto shared = p2p::share_subsets({&fine, &boxed}, fonts);
  REQUIRE(shared.is_ok());
  CHECK_FALSE(shared.value().face[0]);
  CHECK(shared.value().face[1]);
  CHECK(p2p::export_pdf(fine, fonts, {}, &shared.value()).is_ok());
  auto bad = p2p::export_pdf(boxed, fonts, {}, &shared.value());
  REQUIRE_FALSE(bad.is_ok());
  CHECK(bad.diagnostics().at(0).message.find("U+2713") != std::string::npos);
}
