#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "markdown/markdown.h"

using namespace p2p;

TEST_CASE("headings, paragraphs, emphasis and hard breaks") {
  Blocks b = parse_markdown("# Title *it*\n\nPlain **bold** _it_ end  \nnext line\nsoft\n\n---\n");
  REQUIRE(b.size() == 3);
  CHECK(b[0].kind == Block::Kind::heading);
  CHECK(b[0].level == 1);
  CHECK(plain_text(b[0].inlines) == "Title it");
  REQUIRE(b[1].kind == Block::Kind::paragraph);
  const Inlines& in = b[1].inlines;
  CHECK(in[0].text == "Plain ");
  CHECK(in[1].text == "bold");
  CHECK(in[1].style == kBold);
  CHECK(in[3].text == "it");
  CHECK(in[3].style == kItalic);
  bool has_break = false;
  for (const Span& s : in) has_break |= s.is_break();
  CHECK(has_break);
  CHECK(plain_text(in) == "Plain bold it end next line soft");
  CHECK(b[2].kind == Block::Kind::rule);
}

TEST_CASE("bullet and numbered lists, nested") {
  Blocks b = parse_markdown("- one\n- two\n  - inner\n\n3. three\n4. four\n");
  REQUIRE(b.size() == 2);
  CHECK_FALSE(b[0].ordered);
  REQUIRE(b[0].items.size() == 2);
  REQUIRE(b[0].items[1].size() == 2);
  CHECK(b[0].items[1][1].kind == Block::Kind::list);
  CHECK(b[1].ordered);
  CHECK(b[1].start == 3);
  CHECK(b[1].items.size() == 2);
}

TEST_CASE("GFM tables: alignment, header, escaped pipes, <mark> rows") {
  Blocks b = parse_markdown("| # | Criterion | Status |\n|:-|:-:|-:|\n| 1 | a \\| b | Met |\n| 2 | c | <mark>NOT MET</mark> |\n");
  REQUIRE(b.size() == 1);
  const Block& t = b[0];
  REQUIRE(t.kind == Block::Kind::table);
  CHECK(t.aligns == std::vector<Align>{Align::left, Align::center, Align::right});
  REQUIRE(t.rows.size() == 3);
  CHECK(t.rows[0].header);
  CHECK(plain_text(t.rows[1].cells[1].content) == "a | b");
  CHECK_FALSE(t.rows[1].marked);
  CHECK(t.rows[2].marked);
  CHECK(t.rows[2].cells[2].content[0].style == kMark);
}

TEST_CASE("raw HTML other than <mark> is dropped, escaped text is kept") {
  Blocks b = parse_markdown("a <i>b</i> c \\<i\\> \\*\\*Bob\\*\\* \\{\\{x\\}\\}\n\n<div>block</div>\n");
  REQUIRE(b.size() == 1);
  CHECK(plain_text(b[0].inlines) == "a b c <i> **Bob** {{x}}");
}

TEST_CASE("block quotes keep their paragraphs") {
  Blocks b = parse_markdown("> The payer's words.\n> Second line.\n");
  REQUIRE(b.size() == 1);
  CHECK(b[0].kind == Block::Kind::quote);
  CHECK(plain_text(b[0].children[0].inlines) == "The payer's words. Second line.");
}

namespace {
// Levels of quotes and lists above the deepest block, and every paragraph's
// text in document order.
int nesting(const Blocks& blocks) {
  int deepest = 0;
  for (const Block& b : blocks) {
    int inner = nesting(b.children);
    for (const Blocks& item : b.items) inner = std::max(inner, nesting(item));
    bool container = b.kind == Block::Kind::quote || b.kind == Block::Kind::list;
    deepest = std::max(deepest, inner + (container ? 1 : 0));
  }
  return deepest;
}
void texts(const Blocks& blocks, std::string& out) {
  for (const Block& b : blocks) {
    if (b.kind == Block::Kind::paragraph) out += plain_text(b.inlines) + "|";
    texts(b.children, out);
    for (const Blocks& item : b.items) texts(item, out);
  }
}
}  // namespace

TEST_CASE("quotes and lists nest at most 8 deep; deeper text is kept, not indented") {
  // the fuzz finding: thousands of "> " left a column of zero width
  std::string deep;
  for (int i = 0; i < 3000; ++i) deep += "> ";
  Blocks b = parse_markdown(deep + "deep words\n");
  CHECK(nesting(b) == 8);
  std::string t;
  texts(b, t);
  CHECK(t == "deep words|");

  std::string lists;  // nested lists with text at every level
  for (int i = 0; i < 20; ++i) lists += std::string(2 * i, ' ') + "- level " + std::to_string(i) + "\n";
  b = parse_markdown(lists);
  CHECK(nesting(b) == 8);
  t.clear();
  texts(b, t);
  for (int i = 0; i < 20; ++i) CHECK(t.find("level " + std::to_string(i) + "|") != std::string::npos);

  b = parse_markdown("> > quoted twice\n");  // under the bound: unchanged
  CHECK(nesting(b) == 2);
}

TEST_CASE("a fenced field block becomes a form field, values unescaped") {
  Blocks b = parse_markdown("```field\nname: reviewer\nlabel: Reviewer\ntype: multiline\nlines: 3\nvalue: Dr\\. R\\. Patel \\(MD\\)\n```\n");
  REQUIRE(b.size() == 1);
  CHECK(b[0].kind == Block::Kind::field);
  CHECK(b[0].field.name == "reviewer");
  CHECK(b[0].field.label == "Reviewer");
  CHECK(b[0].field.type == "multiline");
  CHECK(b[0].field.lines == 3);
  CHECK(b[0].field.value == "Dr. R. Patel (MD)");
}

TEST_CASE("<!-- optional --> marks the next block, and only that one") {
  Blocks b = parse_markdown("First.\n\n<!-- optional -->\nContext.\n\nAfter.\n");
  REQUIRE(b.size() == 3);
  CHECK_FALSE(b[0].optional);
  CHECK(b[1].optional);
  CHECK_FALSE(b[2].optional);
}
