// Flattening a filled form: every field becomes static items inside its box.
#include <doctest/doctest.h>

#include <string>

#include "layout/flatten.h"
#include "text/test_fonts.h"

using namespace p2p;

namespace {

const FontSet& fonts() { return test_fonts::sans_family(); }

FieldItem field(FieldItem::Kind kind, const char* name, double x, double y, double w, double h) {
  FieldItem f;
  f.kind = kind;
  f.name = name;
  f.x = x;
  f.y = y;
  f.w = w;
  f.h = h;
  f.font_size = 10;
  return f;
}

Page form_page() {
  Page p;
  p.fields.push_back(field(FieldItem::Kind::text, "reviewer_name", 50, 100, 300, 17));
  p.fields.push_back(field(FieldItem::Kind::multiline, "reasoning", 50, 150, 200, 60));
  p.fields.push_back(field(FieldItem::Kind::checkbox, "upheld", 50, 250, 9.5, 9.5));
  p.fields.push_back(field(FieldItem::Kind::checkbox, "overturned", 80, 250, 9.5, 9.5));
  return p;
}

bool inside(const TextItem& t, const FieldItem& f) {
  const FontFace& face = fonts().face(t.font);
  double asc = face.ascent() * t.size / face.units_per_em(), desc = face.descent() * t.size / face.units_per_em();
  return t.x >= f.x && t.x + t.width <= f.x + f.w && t.baseline - asc >= f.y && t.baseline - desc <= f.y + f.h;
}

}  // namespace

TEST_CASE("flatten: no field is left, on any page") {
  FilledValues v{{"reviewer_name", {"Dr. Zoë Ñúñez", false}}, {"upheld", {"", true}}};
  auto out = flatten_fields({form_page(), form_page()}, v, fonts());
  REQUIRE(out.pages.size() == 2);
  for (const Page& p : out.pages) CHECK(p.fields.empty());
  CHECK(out.overflowed.empty());
}

TEST_CASE("flatten: a text value becomes one text item inside its box, as filled") {
  Page before = form_page();
  FilledValues v{{"reviewer_name", {"Dr. Zoë Ñúñez", false}}};
  auto out = flatten_fields({before}, v, fonts());
  const Page& p = out.pages[0];
  REQUIRE(p.texts.size() == 1);
  CHECK(p.texts[0].text == "Dr. Zoë Ñúñez");
  CHECK(p.texts[0].font == 0);
  CHECK(p.texts[0].size == 10);
  CHECK(p.texts[0].x == 52);  // 2 pt inset, as the appearance stream
  CHECK(inside(p.texts[0], before.fields[0]));
  CHECK(p.lines.empty());  // no checkbox ticked
}

TEST_CASE("flatten: a ticked checkbox becomes two lines inside its square, an unticked one draws nothing") {
  Page before = form_page();
  FilledValues v{{"upheld", {"", true}}, {"overturned", {"", false}}};
  auto out = flatten_fields({before}, v, fonts());
  const Page& p = out.pages[0];
  REQUIRE(p.lines.size() == 2);
  const FieldItem& box = before.fields[2];
  for (const LineItem& l : p.lines) {
    for (double x : {l.x1, l.x2}) CHECK((x > box.x && x < box.x + box.w));
    for (double y : {l.y1, l.y2}) CHECK((y > box.y && y < box.y + box.h));
    CHECK(l.color == Color{});
  }
  CHECK(p.lines[0].x2 == p.lines[1].x1);  // one tick: the strokes meet
  CHECK(p.texts.empty());
}

TEST_CASE("flatten: a multi-line value wraps inside its box, keeping the line breaks") {
  Page before = form_page();
  FilledValues v{{"reasoning", {"Criteria 2 not met.\r\nConservative care only 4 weeks; policy asks for 6.", false}}};
  auto out = flatten_fields({before}, v, fonts());
  const Page& p = out.pages[0];
  REQUIRE(p.texts.size() >= 3);
  CHECK(p.texts[0].text == "Criteria 2 not met.");
  std::string rest;
  for (size_t i = 1; i < p.texts.size(); ++i) rest += (i > 1 ? " " : "") + p.texts[i].text;
  CHECK(rest == "Conservative care only 4 weeks; policy asks for 6.");
  for (const TextItem& t : p.texts) CHECK(inside(t, before.fields[1]));
  for (size_t i = 1; i < p.texts.size(); ++i) CHECK(p.texts[i].baseline > p.texts[i - 1].baseline);
  CHECK(out.overflowed.empty());
}

TEST_CASE("flatten: a value too long for its box shrinks, and past the smallest size it is named as overflowed") {
  Page before = form_page();
  std::string longer(70, 'x');  // ~5.0 pt per x at 10 pt: 350 pt in a 296 pt line
  auto shrunk = flatten_fields({before}, {{"reviewer_name", {longer, false}}}, fonts());
  REQUIRE(shrunk.pages[0].texts.size() == 1);
  CHECK(shrunk.pages[0].texts[0].size < 10);
  CHECK(shrunk.pages[0].texts[0].text == longer);
  CHECK(inside(shrunk.pages[0].texts[0], before.fields[0]));
  CHECK(shrunk.overflowed.empty());

  std::string far_too_long(400, 'x');
  auto cut = flatten_fields({before}, {{"reviewer_name", {far_too_long, false}}, {"reasoning", {far_too_long + " " + far_too_long, false}}},
                            fonts());
  CHECK(cut.overflowed == std::vector<std::string>{"reviewer_name", "reasoning"});
  for (const TextItem& t : cut.pages[0].texts) {
    CHECK(t.size == kSmallestFilledSize);
    CHECK((inside(t, before.fields[0]) || inside(t, before.fields[1])));
  }
}

TEST_CASE("flatten: controls print as spaces on one line, as the form showed them") {
  auto out = flatten_fields({form_page()}, {{"reviewer_name", {"A\tB\nC", false}}}, fonts());
  REQUIRE(out.pages[0].texts.size() == 1);
  CHECK(out.pages[0].texts[0].text == "A B C");
}
