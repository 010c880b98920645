#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "report/chart.h"
#include "report/report_document.h"
#include "report/report_fonts_test.h"
#include "report/sample_report.h"

using namespace p2p;

namespace {

constexpr double kLeft = 48, kRight = 564, kTop = 40, kBottom = 752;  // the report's margins

std::string all_text(const std::vector<Page>& pages) {
  std::string s;
  for (const Page& p : pages)
    for (const TextItem& t : p.texts) s += t.text + " ";  // wrapped lines read as one stream, as pdftotext shows them
  return s;
}

bool has(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

// Nothing outside the margins, every width as measured, no two texts overlapping.
void check_clean(const std::vector<Page>& pages) {
  const double asc = 0.905, desc = 0.212;  // Liberation Sans, per em
  for (size_t n = 0; n < pages.size(); ++n) {
    const Page& p = pages[n];
    CAPTURE(n);
    CHECK(p.width == 612);
    CHECK(p.height == 792);
    for (const TextItem& t : p.texts) {
      CAPTURE(t.text);
      CHECK(t.x >= kLeft - 0.01);
      CHECK(t.x + t.width <= kRight + 0.01);
      CHECK(t.baseline - asc * t.size >= kTop - 0.01);
      CHECK(t.baseline + desc * t.size <= kBottom + 0.01);
      CHECK(t.width == doctest::Approx(test_fonts().face(t.font).width(t.text, t.size)));
    }
    for (const RectItem& r : p.rects) {
      CHECK(r.x >= kLeft - 0.5);
      CHECK(r.x + r.w <= kRight + 0.5);
      CHECK(r.y >= kTop - 0.5);
      CHECK(r.y + r.h <= kBottom + 0.5);
      CHECK(r.w >= 0);
      CHECK(r.h >= 0);
    }
    for (const LineItem& l : p.lines) {
      CHECK(std::min(l.x1, l.x2) >= kLeft - 0.5);
      CHECK(std::max(l.x1, l.x2) <= kRight + 0.5);
      CHECK(std::min(l.y1, l.y2) >= kTop - 0.5);
      CHECK(std::max(l.y1, l.y2) <= kBottom + 0.5);
    }
    int overlaps = 0;
    for (size_t i = 0; i < p.texts.size(); ++i)
      for (size_t j = i + 1; j < p.texts.size(); ++j) {
        const TextItem &a = p.texts[i], &b = p.texts[j];
        double ox = std::min(a.x + a.width, b.x + b.width) - std::max(a.x, b.x);
        double oy = std::min(a.baseline + desc * a.size, b.baseline + desc * b.size) -
                    std::max(a.baseline - asc * a.size, b.baseline - asc * b.size);
        if (ox > 0.3 && oy > 0.3) {
          ++overlaps;
          MESSAGE("overlap on page " << n + 1 << ": '" << a.text << "' and '" << b.text << "'");
        }
      }
    CHECK(overlaps == 0);
  }
}

std::string percent(double f) { return std::to_string(static_cast<int>(std::lround(f * 100))) + " %"; }

int bars(const std::vector<Page>& pages) {  // the group charts' bars: 9 points tall, the bar grey
  int n = 0;
  for (const Page& p : pages)
    for (const RectItem& r : p.rects) n += r.fill == chart::kBarFill && r.h == 9;
  return n;
}

}  // namespace

TEST_CASE("the sample report: summary first, every group, trend and review; clean pages") {
  Report r = sample_report();
  auto pages = report_pages(r, test_fonts(), {"Riverside Spine", "2026-07-02"});
  REQUIRE(pages.size() >= 4);
  check_clean(pages);
  std::string first;
  for (const TextItem& t : pages[0].texts) first += t.text + "\n";
  CHECK(has(first, "P2P and appeal outcomes"));
  CHECK(has(first, "Riverside Spine"));
  CHECK(has(first, "Against the published benchmarks"));
  CHECK(has(first, percent(r.summary.p2p_overturn.rate)));
  CHECK(has(first, std::to_string(r.summary.cases)));
  CHECK(has(first, std::to_string(r.summary.windows_missed)));
  std::string text = all_text(pages);
  for (auto* groups : {&r.by_payer, &r.by_denial_type, &r.by_category, &r.by_physician})
    for (const GroupRate& g : *groups) {
      CAPTURE(g.label);
      CHECK(has(text, g.label));
      if (g.rate_shown) CHECK(has(text, std::to_string(g.overturned) + " of " + std::to_string(g.overturn.trials)));
    }
  CHECK(has(text, "Monthly trend"));
  CHECK(has(text, "Weekly review"));
  for (const ReviewItem& i : r.review) CHECK(has(text, i.case_id));
}

TEST_CASE("a group under the minimum count gets counts only, never a bar or a rate, and the page says why") {
  Report r = sample_report();
  int shown = 0, hidden = 0;
  for (auto* groups : {&r.by_payer, &r.by_denial_type, &r.by_category, &r.by_physician})
    for (const GroupRate& g : *groups) (g.rate_shown ? shown : hidden) += 1;
  REQUIRE(hidden > 0);  // the sample has small payers (Oscar, MVP) and a small category
  auto pages = report_pages(r, test_fonts());
  CHECK(bars(pages) == shown);
  std::string text = all_text(pages);
  CHECK(has(text, "decided calls: counts only"));
  CHECK(has(text, "so none is shown"));
}

TEST_CASE("an empty report still has a summary and says there was nothing") {
  Report r;
  r.options.from = "2026-01-01";
  r.options.to = "2026-01-31";
  auto pages = report_pages(r, test_fonts());
  check_clean(pages);
  std::string text = all_text(pages);
  CHECK(has(text, "No denials are dated in this period."));
  CHECK(has(text, "Nothing to review"));
  CHECK(bars(pages) == 0);
}

TEST_CASE("60 physicians, 24 payers and 200 review items continue over pages, still clean") {
  SampleShape shape;
  shape.cases = 4000;
  shape.physicians = 60;
  shape.payers = 24;
  shape.review_items = 200;
  shape.months = 36;
  Report r = sample_report(shape);
  auto pages = report_pages(r, test_fonts());
  check_clean(pages);
  std::string text = all_text(pages);
  CHECK(has(text, "Overturn rate by physician (continued)"));
  CHECK(has(text, "Weekly review (continued)"));
  for (const ReviewItem& i : r.review) CHECK(has(text, i.case_id));
  for (const GroupRate& g : r.by_physician) CHECK(has(text, g.label));
}

TEST_CASE("a label too long for its column is cut with an ellipsis inside the column") {
  Report r = sample_report();
  r.by_payer[0].label = "A payer whose name goes on and on far beyond any column of any chart";
  auto pages = report_pages(r, test_fonts());
  check_clean(pages);
  int cut = 0;
  for (const Page& p : pages)
    for (const TextItem& t : p.texts)
      if (t.x == kLeft && t.text.rfind("A payer whose name", 0) == 0 && t.text.substr(t.text.size() - 3) == "\u2026") {
        ++cut;
        CHECK(t.x + t.width <= 196 - 8 + 0.01);  // the label column ends 8 points before the plot
      }
  CHECK(cut >= 1);  // the chart's row (and the review table's payer column, cut to its own width)
}

TEST_CASE("the summary compares the P2P rate with its benchmark, and says when the interval reaches it") {
  Report r;
  r.options = {"2026-01-01", "2026-06-30", 10, 0};
  r.summary.cases = 100;
  r.summary.overturned = 25;
  r.summary.upheld = 25;
  r.summary.p2p_overturn = sample_wilson(25, 50);  // 50 %, interval about 37-63 %
  r.summary.p2p_benchmark = Benchmark{0.55, 0.75, "P2P, prepared physician", "domain.md"};
  std::string text = all_text(report_pages(r, test_fonts()));
  CHECK(has(text, "below the published 55\u201375 % (P2P, prepared physician), though its interval reaches it."));
  r.summary.overturned = 10;
  r.summary.upheld = 40;
  r.summary.p2p_overturn = sample_wilson(10, 50);  // 20 %, interval about 11-33 %
  text = all_text(report_pages(r, test_fonts()));
  CHECK(has(text, "below the published 55\u201375 % (P2P, prepared physician)."));
}
