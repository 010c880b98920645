#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "layout/layout.h"
#include "markdown/markdown.h"
#include "text/test_fonts.h"

using namespace p2p;

namespace {

const FontSet& fonts() { return test_fonts::sans_family(); }

PageStyle style() {
  PageStyle st;
  st.letterhead.name = "Riverside Spine & Pain Associates";
  st.letterhead.lines = {"410 Western Avenue, Suite 200", "Albany, NY 12203", "Tel (518) 555-0142"};
  st.footer_left = "Case T-1";
  return st;
}

std::string all_text(const Page& p) {
  std::string s;
  for (const TextItem& t : p.texts) s += t.text + " ";
  return s;
}

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

// Every text item lies inside the page margins and no two overlap.
void check_clean(const Page& p, const PageStyle& st) {
  const double asc = 0.905, desc = 0.212;  // Liberation Sans, per em
  struct Box { double x0, y0, x1, y1; std::string text; };
  std::vector<Box> boxes;
  for (const TextItem& t : p.texts) {
    CHECK(t.x >= st.margin_x - 0.01);
    CHECK(t.x + t.width <= st.width - st.margin_x + 0.01);
    CHECK(t.baseline - asc * t.size >= st.margin_top - 0.01);
    CHECK(t.baseline + desc * t.size <= st.height - st.margin_bottom + 0.01);
    CHECK(t.width == doctest::Approx(fonts().face(t.font).width(t.text, t.size)));
    boxes.push_back({t.x, t.baseline - asc * t.size, t.x + t.width, t.baseline + desc * t.size, t.text});
  }
  int overlaps = 0;
  for (size_t i = 0; i < boxes.size(); ++i)
    for (size_t j = i + 1; j < boxes.size(); ++j) {
      const Box &a = boxes[i], &b = boxes[j];
      double ox = std::min(a.x1, b.x1) - std::max(a.x0, b.x0);
      double oy = std::min(a.y1, b.y1) - std::max(a.y0, b.y0);
      if (ox > 0.5 && oy > 0.5) {
        ++overlaps;
        MESSAGE("overlap: '" << a.text << "' and '" << b.text << "'");
      }
    }
  CHECK(overlaps == 0);
}

}  // namespace

TEST_CASE("break_lines keeps every word, in order, within the width") {
  std::string text = "Ten weeks of supervised physical therapy and a 6-day oral steroid taper did not change her "
                     "ODI (52/100 to 48/100); Núñez Ødegaard Zoë.";
  Inlines in = {{text, kPlain}};
  for (double w : {60.0, 120.0, 300.0}) {
    auto lines = break_lines(in, w, 10, fonts());
    std::string joined;
    for (const Line& l : lines) {
      CHECK(l.width <= w + 0.01);
      for (const LineRun& r : l.runs) joined += (joined.empty() ? "" : " ") + r.text;
    }
    CHECK(joined == text);
  }
}

TEST_CASE("break_lines measures with the font of each style") {
  Inlines in = {{"Bold", kBold}, {" then plain", kPlain}};
  auto lines = break_lines(in, 500, 10, fonts());
  REQUIRE(lines.size() == 1);
  REQUIRE(lines[0].runs.size() == 2);
  CHECK(lines[0].runs[0].width == doctest::Approx(fonts().face(1).width("Bold", 10)));
  CHECK(lines[0].runs[1].x == doctest::Approx(lines[0].runs[0].width + fonts().face(0).width(" ", 10)));
}

TEST_CASE("a word glued across styles is never split at the style change") {
  Inlines in = {{"aaaa ", kPlain}, {"Bob", kBold}, {"'s", kPlain}};
  double w = fonts().face(0).width("aaaa Bob", 10);  // room for "aaaa Bob" but not "'s"
  auto lines = break_lines(in, w + 1, 10, fonts());
  REQUIRE(lines.size() == 2);
  CHECK(lines[1].runs[0].text == "Bob");
  CHECK(lines[1].runs[1].text == "'s");
}

TEST_CASE("an over-long word is broken between characters, hard breaks start lines") {
  auto lines = break_lines({{repeat("X", 80), kPlain}}, 100, 10, fonts());
  CHECK(lines.size() > 3);
  for (const Line& l : lines) CHECK(l.width <= 100.01);
  auto two = break_lines({{"one", kPlain}, {"\n", kPlain}, {"two", kPlain}}, 500, 10, fonts());
  CHECK(two.size() == 2);
}

TEST_CASE("a short document keeps its size and stays clean") {
  PageStyle st = style();
  LayoutResult r = layout_one_page(parse_markdown("# Title\n\nSome **bold** and *italic* text.\n\n- a\n- b\n"), st,
                                   fonts());
  REQUIRE(r.pages.size() == 1);
  CHECK(r.body_size == st.body_size);
  CHECK(r.items_cut == 0);
  check_clean(r.pages[0], st);
  CHECK(all_text(r.pages[0]).find("Page 1 of 1") != std::string::npos);
  CHECK(all_text(r.pages[0]).find("Riverside Spine") != std::string::npos);
}

TEST_CASE("overflow first shrinks the type, not below the floor, before cutting anything") {
  PageStyle st = style();
  std::string md = "# Brief\n\n";
  for (int i = 0; i < 54; ++i) md += "- finding number " + std::to_string(i) + " with a few words\n";
  Blocks blocks = parse_markdown(md);
  CHECK(layout_document(blocks, st, fonts()).pages.size() == 2);  // too long at 10 pt
  LayoutResult r = layout_one_page(blocks, st, fonts(), 8.0);
  REQUIRE(r.pages.size() == 1);
  CHECK(r.body_size < st.body_size);
  CHECK(r.body_size >= 8.0);
  CHECK(r.items_cut == 0);
  check_clean(r.pages[0], st);
}

TEST_CASE("a block marked optional stays while it fits, and goes first, before a cut or a small type") {
  PageStyle st = style();
  std::string context = "<!-- optional -->\nContext line that may go when room is short.\n\n";
  // short: everything fits, the optional block is kept at full size
  LayoutResult fits = layout_one_page(parse_markdown("# Brief\n\n" + context + "- a\n- b\n"), st, fonts(), 8.0);
  CHECK(all_text(fits.pages[0]).find("Context line") != std::string::npos);
  CHECK(fits.body_size == st.body_size);
  // long: the optional block goes; what remains shrinks and is cut as before
  std::string md = "# Brief\n\n" + context;
  for (int i = 0; i < 150; ++i) md += "- item" + std::to_string(i) + " of a long list\n";
  LayoutResult r = layout_one_page(parse_markdown(md), st, fonts(), 8.0);
  REQUIRE(r.pages.size() == 1);
  std::string text = all_text(r.pages[0]);
  CHECK(text.find("Context line") == std::string::npos);
  CHECK(text.find("more items not shown") != std::string::npos);
  // a page of items plus a long optional block: the block goes whole, the
  // items keep their full type size and nothing is cut
  std::string items = "# Brief\n\n";
  int n = 0;
  while (layout_document(parse_markdown(items + "- finding " + std::to_string(n) + "\n"), st, fonts()).pages.size() == 1)
    items += "- finding " + std::to_string(n++) + "\n";
  std::string long_context = "<!-- optional -->\n" + repeat("context words that fill many lines ", 120) + "\n\n";
  LayoutResult dropped = layout_one_page(parse_markdown("# Brief\n\n" + long_context + items.substr(9)), st, fonts(), 8.0);
  CHECK(dropped.items_cut == 0);
  CHECK(dropped.body_size == st.body_size);
  CHECK(all_text(dropped.pages[0]).find("context words") == std::string::npos);
  CHECK(all_text(dropped.pages[0]).find("finding " + std::to_string(n - 1)) != std::string::npos);
  check_clean(dropped.pages[0], st);
}

TEST_CASE("then lists are cut from the end with a visible +N more line") {
  PageStyle st = style();
  std::string md = "# Brief\n\n";
  for (int i = 0; i < 150; ++i) md += "- item" + std::to_string(i) + " of a long list\n";
  md += "\n## After the list\n\nThis paragraph must still be there.\n";
  LayoutResult r = layout_one_page(parse_markdown(md), st, fonts(), 8.0);
  REQUIRE(r.pages.size() == 1);
  CHECK(r.body_size == 8.0);
  CHECK(r.items_cut > 0);
  std::string text = all_text(r.pages[0]);
  CHECK(text.find("+" + std::to_string(r.items_cut) + " more items not shown") != std::string::npos);
  CHECK(text.find("item0 ") != std::string::npos);     // the start of the list is kept
  CHECK(text.find("item149 ") == std::string::npos);   // the end is cut
  CHECK(text.find("must still be there") != std::string::npos);
  check_clean(r.pages[0], st);
}

TEST_CASE("table rows that carry a gap are kept longest") {
  PageStyle st = style();
  std::string md = "| # | Criterion | Status |\n|:-|:-|:-|\n";
  for (int i = 0; i < 120; ++i) {
    bool gap = i == 100;
    md += "| " + std::to_string(i) + " | criterion text number " + std::to_string(i) + " | " +
          (gap ? "<mark>NOT MET</mark>" : "Met") + " |\n";
  }
  LayoutResult r = layout_one_page(parse_markdown(md), st, fonts(), 8.0);
  REQUIRE(r.pages.size() == 1);
  CHECK(r.items_cut > 0);
  std::string text = all_text(r.pages[0]);
  CHECK(text.find("criterion text number 100 ") != std::string::npos);
  CHECK(text.find("NOT MET") != std::string::npos);
  CHECK(text.find("more rows not shown") != std::string::npos);
  check_clean(r.pages[0], st);
}

TEST_CASE("a paragraph longer than a page is shortened, visibly, as the last resort") {
  PageStyle st = style();
  std::string md = "# Brief\n\n" + repeat("lorem ipsum dolor sit amet ", 1200) + "\n";
  LayoutResult r = layout_one_page(parse_markdown(md), st, fonts(), 8.0);
  REQUIRE(r.pages.size() == 1);
  CHECK(r.words_cut > 0);
  CHECK(all_text(r.pages[0]).find("words cut to fit one page") != std::string::npos);
  check_clean(r.pages[0], st);
}

TEST_CASE("long documents flow onto more pages, table headers repeat") {
  PageStyle st = style();
  std::string md = "| Col A | Col B |\n|-|-|\n";
  for (int i = 0; i < 90; ++i) md += "| row " + std::to_string(i) + " | some wrapped cell text |\n";
  LayoutResult r = layout_document(parse_markdown(md), st, fonts());
  REQUIRE(r.pages.size() >= 2);
  for (const Page& p : r.pages) {
    check_clean(p, st);
    CHECK(all_text(p).find("Col A") != std::string::npos);
  }
  CHECK(all_text(r.pages.back()).find("Page " + std::to_string(r.pages.size()) + " of " +
                                      std::to_string(r.pages.size())) != std::string::npos);
}

TEST_CASE("table cells wrap inside their column") {
  PageStyle st = style();
  std::string md = "| # | Criterion | Evidence |\n|-|-|-|\n| 1 | " + repeat("long criterion words ", 12) + " | " +
                   repeat("evidence words here ", 10) + " |\n";
  LayoutResult r = layout_document(parse_markdown(md), st, fonts());
  REQUIRE(r.pages.size() == 1);
  check_clean(r.pages[0], st);
  int lines_with_criterion = 0;
  for (const TextItem& t : r.pages[0].texts) lines_with_criterion += t.text.find("criterion") != std::string::npos;
  CHECK(lines_with_criterion > 1);
}

TEST_CASE("the template's cut priority decides which list loses entries first") {
  PageStyle st = style();
  std::string md = "# Brief\n\n";
  for (int i = 0; i < 40; ++i) md += "- keep" + std::to_string(i) + " essential entry\n";
  md += "\n<!-- cut: 3 -->\n";
  for (int i = 0; i < 40; ++i) md += "- tip" + std::to_string(i) + " nice to have\n";
  LayoutResult r = layout_one_page(parse_markdown(md), st, fonts(), 8.0);
  REQUIRE(r.pages.size() == 1);
  REQUIRE(r.items_cut > 0);
  std::string text = all_text(r.pages[0]);
  CHECK(text.find("keep39 ") != std::string::npos);  // the unmarked list is whole
  CHECK(text.find("tip39 ") == std::string::npos);   // the marked one was cut
  check_clean(r.pages[0], st);
}

TEST_CASE("a heading is never left at a page's foot without the short paragraph it introduces") {
  PageStyle st = style();
  int two_pages = 0;
  for (int n = 30; n <= 60; ++n) {  // slide the heading across the page break
    std::string md;
    for (int i = 0; i < n; ++i) md += "- filler line " + std::to_string(i) + "\n";
    md += "\n### Heading that must not be stranded\n\n" +
          repeat("a paragraph of several lines that is kept together ", 12) + "\n";
    LayoutResult r = layout_document(parse_markdown(md), st, fonts());
    two_pages += r.pages.size() > 1;
    for (const Page& p : r.pages) {
      std::string text = all_text(p);
      if (text.find("stranded") != std::string::npos)
        CHECK_MESSAGE(text.find("a paragraph of several") != std::string::npos, "filler lines: " << n);
    }
  }
  CHECK(two_pages > 0);
}

// Regression (issue 9, the UHC proton LOMN): "Sincerely," and the signature
// opened page 3 alone, the letter's last words on page 2. A signature marked
// `<!-- keep-with-previous -->` takes the end of the block before it along:
// the last list item, or the last two lines of a long paragraph.
TEST_CASE("a signature kept with the previous block never opens a page alone") {
  PageStyle st = style();
  const std::string signature = "<!-- keep-with-previous -->\nSincerely,  \n&nbsp;  \n&nbsp;  \n"
                                "\\_\\_\\_\\_  \n**Dr. Signer, MD**  \nSpecialty  \nPractice\n";
  int moved = 0;
  for (int n = 30; n <= 60; ++n) {  // slide the end of the letter across the page break
    for (bool list : {true, false}) {
      std::string md;
      for (int i = 0; i < n; ++i) md += "- filler line " + std::to_string(i) + "\n";
      md += list ? "\n1. the last reference of the letter\n" : "\n" + repeat("the last paragraph of the letter ", 40) + "\n";
      md += "\n" + signature;
      LayoutResult r = layout_document(parse_markdown(md), st, fonts());
      for (const Page& p : r.pages) {
        std::string text = all_text(p);
        if (text.find("Sincerely,") == std::string::npos) continue;
        CAPTURE(n);
        CAPTURE(list);
        CHECK(text.find("of the letter") != std::string::npos);
        CHECK(text.find("Dr. Signer") != std::string::npos);
        moved += &p != &r.pages.front();
      }
    }
  }
  CHECK(moved > 0);  // the loop did cross the page break
  Blocks plain = parse_markdown("Sincerely,\n");
  CHECK_FALSE(plain[0].keep_with_previous);
  CHECK(parse_markdown(signature)[0].keep_with_previous);
}

// Regression (issue 9): cells with long unbreakable tokens made every column
// narrower than its widest word, and the header printed as "Statu / s".
TEST_CASE("a table header's words are never broken, even when body words must be") {
  PageStyle st = style();
  std::string url = "https://payer.example/" + repeat("policy-bulletin-", 8);
  std::string md = "| # | Criterion | Status | Patient's facts (source) |\n|:--|:--|:--|:--|\n| 1 | " + url +
                   " | Met | " + url + " |\n";
  LayoutResult r = layout_document(parse_markdown(md), st, fonts());
  REQUIRE(r.pages.size() == 1);
  check_clean(r.pages[0], st);
  // each header cell's first line holds whole words: "Status", never "Statu"
  std::string text = all_text(r.pages[0]);
  for (std::string w : {"Criterion ", "Status ", "Patient's "}) {
    CAPTURE(w);
    CAPTURE(text);
    CHECK(text.find(w) != std::string::npos);
  }
}

// --- bounded work (issue 8): the inputs that took minutes -------------------

TEST_CASE("a word longer than a line is split in one pass, styles glued to it included") {
  std::string word = repeat("0123456789", 100000);  // 1 MB, no space
  auto lines = break_lines({{"see", kPlain}, {" " + word, kPlain}, {"!", kBold}}, 200, 10, fonts());
  std::string joined;
  for (const Line& l : lines) {
    CHECK(l.width <= 200.01);
    for (const LineRun& r : l.runs) joined += r.text;
  }
  CHECK(joined == "see" + word + "!");
}

TEST_CASE("a brief with a 10 MB unbroken word fits one page, cut visibly, in bounded time") {
  PageStyle st = style();
  std::string md = "# Brief\n\nBefore the word.\n\n" + repeat("x", 10'000'000) + "\n\n## After\n\nTail.\n";
  LayoutResult r = layout_one_page(parse_markdown(md), st, fonts(), 8.0);
  REQUIRE(r.pages.size() == 1);
  std::string text = all_text(r.pages[0]);
  CHECK(text.find("Before the word.") != std::string::npos);
  CHECK(text.find("characters cut to fit one page]") != std::string::npos);
  check_clean(r.pages[0], st);
}

TEST_CASE("3,500 criteria rows: binary-searched cuts keep the gap rows and say how many went") {
  PageStyle st = style();
  std::string md = "# Brief\n\n| # | Criterion | Status |\n|:-|:-|:-|\n";
  for (int i = 0; i < 3500; ++i)
    md += "| " + std::to_string(i) + " | criterion text number " + std::to_string(i) + " | " +
          (i % 700 == 3 ? "<mark>NOT MET</mark>" : "Met") + " |\n";
  md += "\n## Ask\n\nApprove the service.\n";
  LayoutResult r = layout_one_page(parse_markdown(md), st, fonts(), 8.0);
  REQUIRE(r.pages.size() == 1);
  std::string text = all_text(r.pages[0]);
  for (int gap = 3; gap < 3500; gap += 700)
    CHECK(text.find("criterion text number " + std::to_string(gap) + " ") != std::string::npos);
  CHECK(text.find("+" + std::to_string(r.items_cut) + " more rows not shown") != std::string::npos);
  CHECK(text.find("Approve the service.") != std::string::npos);
  check_clean(r.pages[0], st);
  CHECK(r.items_cut > 3400);  // nearly all rows go; the five gap rows stay
}

// --- the letterhead: shrink, then wrap, then an error ------------------------

PageStyle long_letterhead(const std::string& name, const std::string& address_line) {
  PageStyle st = style();
  st.letterhead.name = name;
  st.letterhead.name_field = "/practice/name";
  st.letterhead.lines = {"410 Western Avenue, Suite 200", address_line, "Tel (518) 555-0142"};
  st.letterhead.line_fields = {"/practice/address/0", "/practice/address/1", "/practice/phone"};
  return st;
}

std::string words_of_length(size_t n) {
  std::string s;
  for (int i = 0; s.size() < n; ++i) s += "Suite" + std::to_string(i) + " ";
  s.resize(n);
  return s;
}

// All of `text`'s words are printed on the page, in order.
bool printed(const Page& p, const std::string& text) {
  std::string all;
  for (const TextItem& t : p.texts) all += t.text + " ";
  size_t at = 0;
  for (size_t i = 0; i < text.size();) {
    size_t j = text.find(' ', i);
    if (j == std::string::npos) j = text.size();
    if (j > i) {
      at = all.find(text.substr(i, j - i), at);
      if (at == std::string::npos) return false;
    }
    i = j + 1;
  }
  return true;
}

TEST_CASE("a 95-character practice name and a 300-character address line stay inside the page, clear of the text") {
  std::string name = "The Greater Hudson Valley Interdisciplinary Orthopaedic, Spine, Pain & Rehabilitation Partners";
  REQUIRE(name.size() >= 90);
  for (const std::string& address : {std::string("1 Main St"), words_of_length(300)}) {
    PageStyle st = long_letterhead(name, address);
    CHECK(check_letterhead(st, fonts()).empty());
    std::string md = "# Brief\n\n";
    for (int i = 0; i < 80; ++i) md += "- finding " + std::to_string(i) + "\n";
    LayoutResult doc = layout_document(parse_markdown(md), st, fonts());
    CHECK(doc.diagnostics.empty());
    REQUIRE(doc.pages.size() >= 2);
    for (const Page& p : doc.pages) {
      check_clean(p, st);
      CHECK(printed(p, name));
      CHECK(printed(p, address));
    }
    LayoutResult one = layout_one_page(parse_markdown(md), st, fonts());
    REQUIRE(one.pages.size() == 1);
    check_clean(one.pages[0], st);
  }
}

TEST_CASE("a 300-character address line shrinks to the floor, then wraps") {
  PageStyle st = long_letterhead("Riverside Spine & Pain Associates", words_of_length(300));
  LayoutResult r = layout_document(parse_markdown("Body text.\n"), st, fonts());
  REQUIRE(r.pages.size() == 1);
  int address_lines = 0;
  for (const TextItem& t : r.pages[0].texts)
    if (t.text.find("Suite") != std::string::npos && t.font == 0) {
      ++address_lines;
      CHECK(t.size == 6.0);
    }
  CHECK(address_lines > 1);
  check_clean(r.pages[0], st);
}

TEST_CASE("a letterhead that cannot fit even wrapped is an error naming the field, and nothing is laid out") {
  PageStyle st = long_letterhead("Riverside Spine & Pain Associates", words_of_length(4000));
  Diagnostics d = check_letterhead(st, fonts());
  REQUIRE(d.size() == 1);
  CHECK(d[0].severity == Severity::error);
  CHECK(d[0].path == "/practice/address/1");
  LayoutResult one = layout_one_page(parse_markdown("Body.\n"), st, fonts());
  CHECK(one.pages.empty());
  REQUIRE(one.diagnostics.size() == 1);
  CHECK(one.diagnostics[0].path == "/practice/address/1");
  CHECK(has_errors(layout_document(parse_markdown("Body.\n"), st, fonts()).diagnostics));

  PageStyle named = long_letterhead(repeat("Practice Name ", 100), "1 Main St");
  Diagnostics n = check_letterhead(named, fonts());
  REQUIRE(n.size() == 1);
  CHECK(n[0].path == "/practice/name");
}

// --- reuse across the one-page rule's tries ---------------------------------

namespace {

std::string dump_lines(const std::vector<Line>& lines) {
  std::string s;
  for (const Line& l : lines) {
    for (const LineRun& r : l.runs)
      s += "[" + r.text + "|" + std::to_string(r.style) + "|" + std::to_string(r.x) + "|" + std::to_string(r.width) + "]";
    s += "/" + std::to_string(l.width) + "\n";
  }
  return s;
}

// Everything a page shows, with positions, as text: equal dumps, equal pages.
std::string dump_page(const Page& p) {
  std::string s;
  char buf[160];
  for (const RectItem& r : p.rects) {
    std::snprintf(buf, sizeof buf, "R %.4f %.4f %.4f %.4f\n", r.x, r.y, r.w, r.h);
    s += buf;
  }
  for (const LineItem& l : p.lines) {
    std::snprintf(buf, sizeof buf, "L %.4f %.4f %.4f %.4f %.2f\n", l.x1, l.y1, l.x2, l.y2, l.width);
    s += buf;
  }
  for (const TextItem& t : p.texts) {
    std::snprintf(buf, sizeof buf, "T %.4f %.4f %d %.3f ", t.x, t.baseline, t.font, t.size);
    s += buf + t.text + "\n";
  }
  return s;
}

}  // namespace

TEST_CASE("a line cache hit gives the lines a fresh break gives; another text, width, size or style misses") {
  LineCache cache;
  Inlines spans = {{"Conservative therapy for six weeks with ", kPlain}, {"documented", kBold},
                   {" radicular pain and an objective deficit on examination.", kItalic}};
  const std::vector<Line>& first = cache.lines(spans, kPlain, 150, 10, fonts());
  CHECK(dump_lines(first) == dump_lines(break_lines(spans, 150, 10, fonts())));
  CHECK(cache.misses() == 1);

  Inlines copy = spans;  // same text elsewhere in memory: a hit, by content
  CHECK(&cache.lines(copy, kPlain, 150, 10, fonts()) == &first);
  CHECK(cache.hits() == 1);

  Inlines bold = spans;
  for (Span& sp : bold) sp.style |= kBold;
  CHECK(dump_lines(cache.lines(spans, kBold, 150, 10, fonts())) == dump_lines(break_lines(bold, 150, 10, fonts())));
  CHECK(dump_lines(cache.lines(spans, kPlain, 120, 10, fonts())) == dump_lines(break_lines(spans, 120, 10, fonts())));
  CHECK(dump_lines(cache.lines(spans, kPlain, 150, 9.5, fonts())) == dump_lines(break_lines(spans, 150, 9.5, fonts())));
  Inlines shorter = spans;
  shorter.back().text = " radicular pain.";
  CHECK(dump_lines(cache.lines(shorter, kPlain, 150, 10, fonts())) ==
        dump_lines(break_lines(shorter, 150, 10, fonts())));
  // the same characters split into spans differently are another text
  Inlines a = {{"ab", kPlain}, {"c", kBold}}, b = {{"a", kPlain}, {"bc", kBold}};
  CHECK(dump_lines(cache.lines(a, kPlain, 150, 10, fonts())) != dump_lines(cache.lines(b, kPlain, 150, 10, fonts())));
  CHECK(cache.hits() == 1);
  CHECK(cache.misses() == 7);
  CHECK(&cache.lines(spans, kPlain, 150, 10, fonts()) == &first);  // still there after the others went in
}

TEST_CASE("a cached cell measure is the one of a fresh measure; a change of size or style misses") {
  LineCache cache;
  Inlines cell = {{"Six weeks of physical therapy", kPlain}};
  LineCache::CellWidths w10 = cache.cell_widths(cell, kPlain, 10, fonts());
  CHECK(w10.widest_word == doctest::Approx(fonts().face(0).width("physical", 10)));
  CHECK(w10.one_line == doctest::Approx(fonts().face(0).width("Six weeks of physical therapy", 10)));
  CHECK(cache.cell_widths(cell, kPlain, 10, fonts()).one_line == w10.one_line);
  CHECK(cache.hits() == 1);
  CHECK(cache.cell_widths(cell, kPlain, 8, fonts()).one_line < w10.one_line);
  CHECK(cache.cell_widths(cell, kBold, 10, fonts()).one_line ==
        doctest::Approx(fonts().face(1).width("physical", 10) + fonts().face(1).width("Six weeks of ", 10) +
                        fonts().face(1).width("therapy", 10) + fonts().face(0).width(" ", 10)));
  CHECK(cache.misses() == 3);
}

TEST_CASE("laying out through a Cuts view gives the pages of the blocks with the cuts copied in") {
  PageStyle st = style();
  std::string md = "# Brief\n\n- first item\n- second item\n- third item\n- fourth item\n\n";
  md += "| # | Criterion | Status |\n|:-|:-|:-|\n";
  for (int i = 0; i < 8; ++i)
    md += "| " + std::to_string(i) + " | criterion " + std::string(static_cast<size_t>(i) * 6, 'x') + " | Met |\n";
  md += "\n> quoted:\n>\n> - a\n> - b\n> - c\n\nThe end.\n";
  Blocks blocks = parse_markdown(md);
  REQUIRE(blocks[1].kind == Block::Kind::list);
  REQUIRE(blocks[2].kind == Block::Kind::table);
  REQUIRE(blocks[3].kind == Block::Kind::quote);
  const Block& quoted_list = blocks[3].children.back();
  REQUIRE(quoted_list.kind == Block::Kind::list);

  Cuts view;
  view[&blocks[1]] = Cut{2, {}, 2};
  std::vector<bool> dropped(blocks[2].rows.size(), false);
  dropped[5] = dropped[8] = true;  // the widest row goes: the columns narrow
  view[&blocks[2]] = Cut{0, dropped, 2};
  view[&quoted_list] = Cut{1, {}, 2};

  Blocks copied;
  for (size_t i = 0; i < blocks.size(); ++i) {
    Block b = blocks[i];
    if (i == 1) b.items.resize(2);
    if (i == 2) b.rows.erase(b.rows.begin() + 8), b.rows.erase(b.rows.begin() + 5);
    if (i == 3) b.children.back().items.resize(1), b.children.push_back(cut_note(2, false));
    copied.push_back(b);
    if (i == 1) copied.push_back(cut_note(2, false));
    if (i == 2) copied.push_back(cut_note(2, true));
  }
  LineCache cache;
  auto viewed = layout_within(blocks, st, fonts(), 1, cache, &view);
  auto expected = layout_within(copied, st, fonts(), 1);
  REQUIRE(viewed);
  REQUIRE(expected);
  REQUIRE(viewed->pages.size() == 1);
  CHECK(dump_page(viewed->pages[0]) == dump_page(expected->pages[0]));
  CHECK(all_text(viewed->pages[0]).find("+2 more rows not shown") != std::string::npos);
  CHECK(all_text(viewed->pages[0]).find("third item") == std::string::npos);
  // again, the cache remembering from the second layout on: the same page
  for (int round = 0; round < 2; ++round) {
    auto again = layout_within(blocks, st, fonts(), 1, cache, &view);
    REQUIRE(again);
    CHECK(dump_page(again->pages[0]) == dump_page(expected->pages[0]));
  }
  CHECK(cache.hits() > 0);
}

TEST_CASE("a cache for one layout only hands out fresh lines, and they stay valid") {
  LineCache once(LineCache::Reuse::no);
  Inlines spans = {{"Conservative therapy for six weeks with documented radicular pain.", kPlain}};
  const std::vector<Line>& a = once.lines(spans, kPlain, 150, 10, fonts());
  const std::vector<Line>& b = once.lines(spans, kPlain, 150, 10, fonts());
  CHECK(&a != &b);
  CHECK(dump_lines(a) == dump_lines(break_lines(spans, 150, 10, fonts())));
  for (int i = 0; i < 100; ++i) once.lines(spans, kPlain, 100 + i, 10, fonts());
  CHECK(dump_lines(a) == dump_lines(b));  // earlier lines outlive later calls
  CHECK(once.hits() == 0);
  CHECK(once.cell_widths(spans, kPlain, 10, fonts()).one_line ==
        doctest::Approx(fonts().face(0).width(spans[0].text, 10)));
}
