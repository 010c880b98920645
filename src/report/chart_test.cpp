#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <string>

#include "report/chart.h"
#include "report/report_fonts_test.h"

using namespace p2p;
using namespace p2p::chart;

TEST_CASE("a scale maps linearly and clamps at its ends") {
  Scale s{0, 1, 100, 300};
  CHECK(s.at(0) == 100);
  CHECK(s.at(0.5) == 200);
  CHECK(s.at(1) == 300);
  CHECK(s.at(-3) == 100);
  CHECK(s.at(7) == 300);
  Scale down{0, 50, 400, 200};  // a vertical axis: larger values higher on the page
  CHECK(down.at(25) == 300);
}

TEST_CASE("nice ticks step by 1, 2 or 5 x 10^k and cover the range") {
  auto t = nice_ticks(0, 1, 6);
  REQUIRE(t.size() == 6);
  CHECK(t[1] == doctest::Approx(0.2));
  CHECK(t.back() == doctest::Approx(1.0));
  auto c = nice_ticks(0, 73, 6);
  CHECK(c.front() == 0);
  CHECK(c.back() >= 73);
  CHECK(c.size() <= 6);
  CHECK(c[1] == doctest::Approx(20));
  CHECK(nice_ticks(0, 1, 6).size() == 6);
  CHECK(nice_ticks(0, 3, 6) == std::vector<double>{0, 1, 2, 3});
}

TEST_CASE("a 50 % bar is half the axis wide and its whisker ends at the interval's bounds") {
  Page p;
  Scale s{0, 1, 100, 300};
  add_bar(p, s, 50, 9, 0.5, 0.31, 0.69);
  REQUIRE(p.rects.size() == 1);
  CHECK(p.rects[0].x == 100);
  CHECK(p.rects[0].w == doctest::Approx(100));  // half of the 200-point axis
  CHECK(p.rects[0].h == 9);
  // the whisker: the one horizontal line at the bar's middle (the rest are the bar's edge and end ticks)
  int whiskers = 0;
  for (const LineItem& l : p.lines)
    if (l.y1 == l.y2 && l.y1 == doctest::Approx(54.5)) {
      ++whiskers;
      CHECK(l.x1 == doctest::Approx(100 + 0.31 * 200));
      CHECK(l.x2 == doctest::Approx(100 + 0.69 * 200));
    }
  CHECK(whiskers == 1);
}

TEST_CASE("a zero rate draws no bar but still marks the axis; the whisker still shows") {
  Page p;
  Scale s{0, 1, 0, 200};
  add_bar(p, s, 0, 9, 0, 0, 0.3);
  CHECK(p.rects.empty());
  CHECK(p.lines.size() == 4);  // the mark at 0, the whisker and its two end ticks
}

TEST_CASE("a benchmark band has dashed edges: it reads without colour") {
  Page p;
  Scale s{0, 1, 0, 200};
  add_band(p, s, 10, 20, 0.55, 0.75);
  REQUIRE(p.rects.size() == 1);
  CHECK(p.rects[0].x == doctest::Approx(110));
  CHECK(p.rects[0].w == doctest::Approx(40));
  REQUIRE(p.lines.size() == 2);
  for (const LineItem& l : p.lines) CHECK(l.dash > 0);
}

TEST_CASE("a polyline breaks at a missing point instead of inventing one") {
  Page p;
  add_polyline(p, {Point{0, 0}, std::nullopt, Point{20, 5}, Point{30, 8}}, 1.4);
  REQUIRE(p.lines.size() == 1);
  CHECK(p.lines[0].x1 == 20);
}

TEST_CASE("fit_text keeps text that fits and cuts the rest with an ellipsis, on a character boundary") {
  const FontSet& f = test_fonts();
  CHECK(fit_text(f, 0, 8, "Aetna", 100) == "Aetna");
  std::string cut = fit_text(f, 0, 8, "Excellus BlueCross BlueShield of Central New York", 80);
  CHECK(cut.size() < 40);
  CHECK(cut.substr(cut.size() - 3) == "\u2026");
  CHECK(f.face(0).width(cut, 8) <= 80);
  std::string accents = fit_text(f, 0, 8, "Dr. Luis Fernández Núñez Ødegaard", 60);
  size_t i = 0;
  while (i < accents.size()) CHECK(next_code_point(accents, i) != 0xFFFD);
}

TEST_CASE("a legend's swatches and labels do not overlap") {
  Page p;
  const FontSet& f = test_fonts();
  double w = add_legend(p, f, 50, 100, {{Swatch::bar, "Overturn rate"}, {Swatch::whisker, "95 % interval"},
                                        {Swatch::band, "Benchmark"}, {Swatch::line_with_marker, "Trend"}});
  CHECK(w > 0);
  REQUIRE(p.texts.size() == 4);
  for (size_t i = 1; i < p.texts.size(); ++i) CHECK(p.texts[i].x > p.texts[i - 1].x + p.texts[i - 1].width + 16);
  for (const RectItem& r : p.rects) CHECK(r.x + r.w <= 50 + w + 0.01);
}

TEST_CASE("ticks from zero share a grid: the same number of intervals, a round step") {
  CHECK(ticks_from_zero(69, 4) == std::vector<double>{0, 20, 40, 60, 80});
  CHECK(ticks_from_zero(3, 4) == std::vector<double>{0, 1, 2, 3, 4});
  CHECK(ticks_from_zero(84, 4) == std::vector<double>{0, 25, 50, 75, 100});
  CHECK(ticks_from_zero(0, 4) == std::vector<double>{0, 1, 2, 3, 4});
  CHECK(ticks_from_zero(401, 4).back() == 800);  // 100 x 4 falls short by one
}

TEST_CASE("fit_shrinking shrinks before it cuts") {
  const FontSet& f = test_fonts();
  std::string label = "Conservative care not completed";
  double w = f.face(0).width(label, 8.5);
  Fitted smaller = fit_shrinking(f, 0, 8.5, 7, label, w - 5);
  CHECK(smaller.text == label);
  CHECK(smaller.size < 8.5);
  Fitted cut = fit_shrinking(f, 0, 8.5, 7, label, w / 2);
  CHECK(cut.size == 7);
  CHECK(cut.text.substr(cut.text.size() - 3) == "\u2026");
}
