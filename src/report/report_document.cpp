// The overturn report's pages (report_document.h). A Sheet places blocks
// down the page and starts a new one when a block does not fit; the summary,
// the group charts, the trend and the tables are each a function over it.
#include "report/report_document.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "report/chart.h"

namespace p2p {

namespace {

using namespace chart;

constexpr double kPageWidth = 612, kPageHeight = 792;  // US Letter, portrait
constexpr double kLeft = 48, kRight = kPageWidth - 48;
constexpr double kTop = 40, kBottom = kPageHeight - 40;  // the margins: nothing is drawn outside
constexpr double kBodyBottom = kBottom - 18;             // the footer lives below this
constexpr double kPageRoom = kBodyBottom - kTop - 22;    // the height a page after the first offers
constexpr int kRegular = 0, kBold = 1;
constexpr Color kWhite{1, 1, 1};
constexpr Color kRowRule{0.75f, 0.75f, 0.75f};

// --- numbers as a reader sees them ---------------------------------------

std::string whole(long long n) { return std::to_string(n); }
std::string percent(double f) { return whole(std::lround(f * 100)) + " %"; }
std::string percent_range(double low, double high) {
  return whole(std::lround(low * 100)) + "\u2013" + whole(std::lround(high * 100)) + " %";
}
std::string rate_with_interval(const Proportion& p) {
  return percent(p.rate) + " (" + percent_range(p.low, p.high) + ")";
}
std::string share(int part, int whole_count) {
  return whole_count > 0 ? percent(static_cast<double>(part) / whole_count) : "";
}
std::string days(double d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, std::fabs(d - std::round(d)) < 0.05 ? "%.0f days" : "%.1f days", d);
  return buf;
}
const std::string& label_of(const GroupRate& g) { return g.label.empty() ? g.key : g.label; }
std::string capitalized(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

// Where the point estimate lies against a published range, and whether the
// interval says the difference could be chance.
std::string verdict(const Proportion& p, const Benchmark& b) {
  std::string range = "the published " + percent_range(b.low, b.high) + (b.label.empty() ? "" : " (" + b.label + ")");
  if (p.rate < b.low) return p.high >= b.low ? "below " + range + ", though its interval reaches it" : "below " + range;
  if (p.rate > b.high) return p.low <= b.high ? "above " + range + ", though its interval reaches it" : "above " + range;
  return "within " + range;
}

// --- the sheet: pages filled from the top down ------------------------------

struct Sheet {
  const FontSet& fonts;
  std::string running_title;
  std::vector<Page> pages;
  double y = kTop;

  Page& page() { return pages.back(); }
  double ascent(double size) const { return ascent_per_size(fonts) * size; }
  bool fits(double h) const { return y + h <= kBodyBottom; }
  void ensure(double h) {
    if (!fits(h)) new_page();
  }
  void new_page() {
    pages.emplace_back();
    y = kTop;
    if (pages.size() == 1) return;
    add_text(page(), fonts, kRegular, 7.5, kLeft, y + ascent(7.5), running_title, Anchor::left, kSoftInk);
    add_line(page(), kLeft, y + 11, kRight, y + 11, 0.4, kSoftInk);
    y += 22;
  }
  double text(int font, double size, double x, double baseline, const std::string& s, Anchor align = Anchor::left,
              Color color = kInk) {
    return add_text(page(), fonts, font, size, x, baseline, s, align, color);
  }
  // Wrapped text from x to x + width, advancing y line by line.
  void paragraph(const Inlines& spans, double x, double width, double size, Color color = kInk) {
    double lead = size * 1.32;
    for (const Line& line : break_lines(spans, width, size, fonts)) {
      ensure(lead);
      for (const LineRun& run : line.runs)
        text(font_index(run.style), size, x + run.x, y + ascent(size), run.text, Anchor::left, color);
      y += lead;
    }
  }
  void heading(const std::string& s, double size = 13) {
    text(kBold, size, kLeft, y + ascent(size), s);
    y += size * 1.45;
  }
};

// --- tables -----------------------------------------------------------------

struct Column {
  std::string title;
  double x = 0, width = 0;  // the cell spans [x, x + width]
  Anchor align = Anchor::left;
};

struct TableRow {
  std::vector<std::string> cells;
  bool group = false;  // a bold heading row: cells[0] across the table
};

constexpr double kTableRow = 12.5, kTableText = 8;

void table_header(Sheet& s, const std::vector<Column>& cols) {
  double baseline = s.y + s.ascent(7.5);
  for (const Column& c : cols) {
    double x = c.align == Anchor::right ? c.x + c.width : c.x;
    s.text(kBold, 7.5, x, baseline, fit_text(s.fonts, kBold, 7.5, c.title, c.width), c.align, kSoftInk);
  }
  s.y += 11;
  add_line(s.page(), cols.front().x, s.y, cols.back().x + cols.back().width, s.y, 0.6);
  s.y += 2;
}

double table_height(size_t rows) { return 13 + kTableRow * rows + 6; }

// Rows under a header; a row that does not fit starts a new page that
// repeats `continued` and the header. A table that fits a page whole is not
// split: it starts on the next page instead.
void table(Sheet& s, const std::vector<Column>& cols, const std::vector<TableRow>& rows, const std::string& continued) {
  if (table_height(rows.size()) <= kPageRoom) s.ensure(table_height(rows.size()));
  s.ensure(13 + kTableRow * std::min<size_t>(rows.size(), 3));
  table_header(s, cols);
  double left = cols.front().x, right = cols.back().x + cols.back().width;
  for (const TableRow& row : rows) {
    if (!s.fits(kTableRow)) {
      s.new_page();
      s.heading(continued, 10);
      table_header(s, cols);
    }
    double baseline = s.y + 1.5 + s.ascent(kTableText);
    if (row.group) {
      s.text(kBold, kTableText, left, baseline, fit_text(s.fonts, kBold, kTableText, row.cells[0], right - left));
    } else {
      for (size_t i = 0; i < cols.size() && i < row.cells.size(); ++i) {
        const Column& c = cols[i];
        std::string cell = fit_text(s.fonts, kRegular, kTableText, row.cells[i], c.width);
        s.text(kRegular, kTableText, c.align == Anchor::right ? c.x + c.width : c.x, baseline, cell, c.align);
      }
    }
    s.y += kTableRow;
    add_line(s.page(), left, s.y - 0.5, right, s.y - 0.5, 0.3, kRowRule);
  }
  s.y += 6;
}

// --- page 1: the summary ----------------------------------------------------

struct Tile {
  std::string label, value, note;
};

void tiles(Sheet& s, const std::vector<Tile>& list) {
  const double gap = 10, h = 58;
  double w = (kRight - kLeft - gap * (list.size() - 1)) / list.size();
  for (size_t i = 0; i < list.size(); ++i) {
    double x = kLeft + i * (w + gap);
    add_box(s.page(), x, s.y, w, h, kWhite, 0.6);
    s.text(kRegular, 8, x + 7, s.y + 6 + s.ascent(8), fit_text(s.fonts, kRegular, 8, list[i].label, w - 14), Anchor::left,
           kSoftInk);
    s.text(kBold, 22, x + 7, s.y + 18 + s.ascent(22), list[i].value);
    s.text(kRegular, 7, x + 7, s.y + 44 + s.ascent(7), fit_text(s.fonts, kRegular, 7, list[i].note, w - 14), Anchor::left,
           kSoftInk);
  }
  s.y += h + 16;
}

bool rate_shown(const Proportion& p, int min_group) { return p.trials > 0 && p.trials >= min_group; }

std::string benchmark_note(const std::optional<Benchmark>& b) {
  return b ? "benchmark " + percent_range(b->low, b->high) : "no published benchmark";
}

std::vector<Tile> summary_tiles(const Report& r) {
  const ReportSummary& m = r.summary;
  int min = r.options.min_group;
  auto rate_tile = [&](std::string label, const Proportion& p, const std::optional<Benchmark>& b) {
    if (!rate_shown(p, min))
      return Tile{label, "\u2014", whole(p.trials) + " decided: too few for a rate"};
    return Tile{label, percent(p.rate), benchmark_note(b) + " \u00b7 n = " + whole(p.trials)};
  };
  return {
      {"Cases denied", whole(m.cases), whole(m.p2p_requested) + " P2P requested, " + whole(m.p2p_held) + " held"},
      rate_tile("P2P overturn rate", m.p2p_overturn, m.p2p_benchmark),
      rate_tile("Written appeal overturn rate", m.appeal_overturn, m.appeal_benchmark),
      {"P2P windows missed", whole(m.windows_missed),
       m.cases > 0 ? share(m.windows_missed, m.cases) + " of cases denied" : "no cases"},
  };
}

// One line of the summary table; `plot` puts the rate and its interval on
// the row's 0-100 % scale, against `benchmark` when there is one.
struct SummaryRow {
  std::string measure, count, rate;
  bool indent = false;
  std::optional<Proportion> plot;
  std::optional<Benchmark> benchmark;
};

std::vector<SummaryRow> summary_rows(const Report& r) {
  const ReportSummary& m = r.summary;
  int min = r.options.min_group;
  auto decided_rate = [&](const Proportion& p) -> std::string {
    if (p.trials == 0) return "no decisions";
    return rate_shown(p, min) ? rate_with_interval(p) : "too few for a rate";
  };
  auto plotted = [&](const Proportion& p) { return rate_shown(p, min) ? std::optional<Proportion>(p) : std::nullopt; };
  int decided = m.overturned + m.modified + m.upheld;
  std::vector<SummaryRow> rows = {
      {"Cases denied in the period", whole(m.cases), "", false, {}, {}},
      {"P2P requested", whole(m.p2p_requested), m.cases ? share(m.p2p_requested, m.cases) + " of cases" : "", false, {}, {}},
      {"P2P held", whole(m.p2p_held), m.p2p_requested ? share(m.p2p_held, m.p2p_requested) + " of requested" : "", false,
       {}, {}},
      {"Overturned", whole(m.overturned), decided_rate(m.p2p_overturn), true, plotted(m.p2p_overturn), m.p2p_benchmark},
      {"Modified (counted on their own)", whole(m.modified), decided ? share(m.modified, decided) + " of decided" : "",
       true, {}, {}},
      {"Upheld", whole(m.upheld), decided ? share(m.upheld, decided) + " of decided" : "", true, {}, {}},
      {"Written appeals filed", whole(m.appeals_filed), "", false, {}, {}},
      {"Overturned on appeal", whole(m.appeals_overturned) + " of " + whole(m.appeals_decided),
       decided_rate(m.appeal_overturn), true, plotted(m.appeal_overturn), m.appeal_benchmark},
  };
  if (m.appeal_after_p2p_benchmark)
    rows.push_back({"\u2026 against appeals after a P2P", "", "", true, plotted(m.appeal_overturn),
                    m.appeal_after_p2p_benchmark});
  rows.push_back({"External reviews filed", whole(m.external_filed), "", false, {}, {}});
  rows.push_back({"Overturned on external review", whole(m.external_overturned) + " of " + whole(m.external_decided),
                  decided_rate(m.external_overturn), true, plotted(m.external_overturn), m.external_benchmark});
  rows.push_back({"P2P windows missed", whole(m.windows_missed),
                  m.cases ? share(m.windows_missed, m.cases) + " of cases" : "", false, {}, {}});
  rows.push_back({"Median time, denial to P2P call",
                  m.median_days_denial_to_p2p ? days(*m.median_days_denial_to_p2p) : "\u2014", "", false, {}, {}});
  return rows;
}

// The summary table's columns and its 0-100 % plot.
constexpr double kMeasureX = kLeft, kCountRight = 236, kRateX = 248, kBenchX = 330, kPlotX0 = 430, kPlotX1 = kRight - 12;

void summary_table(Sheet& s, const std::vector<SummaryRow>& rows) {
  Scale scale{0, 1, kPlotX0, kPlotX1};
  std::vector<double> ticks = {0, 0.25, 0.5, 0.75, 1};
  // header: column names, and the plot's percentages above it
  double baseline = s.y + s.ascent(7.5);
  s.text(kBold, 7.5, kMeasureX, baseline, "Measure", Anchor::left, kSoftInk);
  s.text(kBold, 7.5, kCountRight, baseline, "Count", Anchor::right, kSoftInk);
  s.text(kBold, 7.5, kRateX, baseline, "Rate (95 % interval)", Anchor::left, kSoftInk);
  s.text(kBold, 7.5, kBenchX, baseline, "Benchmark", Anchor::left, kSoftInk);
  for (double t : ticks) s.text(kRegular, 6.5, scale.at(t), baseline, percent(t), Anchor::center, kSoftInk);
  s.y += 11;
  add_line(s.page(), kLeft, s.y, kRight, s.y, 0.6);
  double top = s.y;
  for (const SummaryRow& row : rows) {
    double h = row.benchmark ? 22 : 14.5;
    double b = s.y + 2 + s.ascent(8.5);
    double indent = row.indent ? 10 : 0;
    s.text(row.indent ? kRegular : kBold, 8.5, kMeasureX + indent, b,
           fit_text(s.fonts, kRegular, 8.5, row.measure, kCountRight - kMeasureX - 34 - indent));
    s.text(kRegular, 8.5, kCountRight, b, row.count, Anchor::right);
    s.text(kRegular, 8.5, kRateX, b, fit_text(s.fonts, kRegular, 8.5, row.rate, kBenchX - kRateX - 6));
    if (row.benchmark) {
      s.text(kRegular, 8.5, kBenchX, b, percent_range(row.benchmark->low, row.benchmark->high));
      s.text(kRegular, 6.5, kBenchX, b + 9,
             fit_text(s.fonts, kRegular, 6.5, row.benchmark->label, kPlotX0 - kBenchX - 8), Anchor::left, kSoftInk);
      add_band(s.page(), scale, s.y + 2, h - 4, row.benchmark->low, row.benchmark->high);
    }
    if (row.plot) add_dot_whisker(s.page(), scale, s.y + h / 2, row.plot->rate, row.plot->low, row.plot->high);
    s.y += h;
    add_line(s.page(), kLeft, s.y, kRight, s.y, 0.3, kRowRule);
  }
  for (double t : ticks) s.page().rects.insert(s.page().rects.begin(), RectItem{scale.at(t) - 0.2, top, 0.4, s.y - top, kGrid});
  s.y += 14;
}

// "By payer: highest Aetna 71 % (n = 40), lowest UnitedHealthcare 38 % (n = 52); ..."
std::optional<std::string> spread(const std::string& what, const std::vector<GroupRate>& groups) {
  std::vector<const GroupRate*> shown;
  for (const GroupRate& g : groups)
    if (g.rate_shown) shown.push_back(&g);
  if (shown.size() < 2) return std::nullopt;
  auto [lo, hi] = std::minmax_element(shown.begin(), shown.end(), [](const GroupRate* a, const GroupRate* b) {
    return a->overturn.rate < b->overturn.rate;
  });
  const GroupRate &top = **hi, &bottom = **lo;
  bool apart = top.overturn.low > bottom.overturn.high;
  return what + ": highest " + label_of(top) + " " + percent(top.overturn.rate) + " (n = " + whole(top.overturn.trials) +
         "), lowest " + label_of(bottom) + " " + percent(bottom.overturn.rate) + " (n = " +
         whole(bottom.overturn.trials) + "); " +
         (apart ? "their intervals do not overlap." : "their intervals overlap, so the gap may be chance.");
}

std::vector<std::string> findings(const Report& r) {
  const ReportSummary& m = r.summary;
  std::vector<std::string> out;
  if (m.cases == 0) out.push_back("No denials are dated in this period.");
  if (rate_shown(m.p2p_overturn, r.options.min_group)) {
    std::string s = "P2P overturn rate " + rate_with_interval(m.p2p_overturn) + " on " + whole(m.p2p_overturn.trials) +
                    " decided calls";
    out.push_back(s + (m.p2p_benchmark ? ": " + verdict(m.p2p_overturn, *m.p2p_benchmark) + "." : "."));
  } else if (m.p2p_overturn.trials > 0) {
    out.push_back(whole(m.p2p_overturn.trials) + " decided P2P calls: too few for a rate (fewer than " +
                  whole(r.options.min_group) + ").");
  }
  int decided = m.overturned + m.modified + m.upheld;
  if (m.modified > 0)
    out.push_back(whole(m.modified) + " calls ended modified (" + share(m.modified, decided) +
                  " of decided): counted on their own, not as overturns.");
  for (auto [what, groups] : {std::pair{"By payer", &r.by_payer}, std::pair{"By denial type", &r.by_denial_type},
                              std::pair{"By service category", &r.by_category}, std::pair{"By physician", &r.by_physician}})
    if (auto s = spread(what, *groups)) out.push_back(*s);
  int missed = static_cast<int>(std::count_if(r.review.begin(), r.review.end(), [](auto& i) { return i.missed_window; }));
  int past = static_cast<int>(r.review.size()) - missed;
  if (!r.review.empty())
    out.push_back(whole(missed) + " windows closed with nothing recorded and " + whole(past) +
                  " deadlines passed; the weekly-review list at the end names each case by step.");
  if (m.median_days_denial_to_p2p)
    out.push_back("Median " + days(*m.median_days_denial_to_p2p) + " from denial to the P2P call.");
  return out;
}

void bullets(Sheet& s, const std::vector<std::string>& items, double size) {
  for (const std::string& item : items) {
    s.ensure(size * 1.32);
    s.text(kRegular, size, kLeft + 2, s.y + s.ascent(size), "\u2022");
    s.paragraph({{item, kPlain}}, kLeft + 12, kRight - kLeft - 12, size);
    s.y += 2;
  }
}

// Every benchmark the report compares against, once, with its source.
std::vector<Benchmark> benchmarks_used(const Report& r) {
  std::vector<Benchmark> out;
  auto add = [&](const std::optional<Benchmark>& b) {
    if (!b) return;
    for (const Benchmark& seen : out)
      if (seen.label == b->label && seen.low == b->low && seen.high == b->high) return;
    out.push_back(*b);
  };
  const ReportSummary& m = r.summary;
  for (auto* b : {&m.p2p_benchmark, &m.appeal_benchmark, &m.appeal_after_p2p_benchmark, &m.external_benchmark}) add(*b);
  for (auto* groups : {&r.by_payer, &r.by_denial_type, &r.by_category, &r.by_physician})
    for (const GroupRate& g : *groups) add(g.benchmark);
  return out;
}

void how_to_read(Sheet& s, const Report& r) {
  s.ensure(40);
  s.text(kBold, 8, kLeft, s.y + s.ascent(8), "How to read this report");
  s.y += 11;
  std::string min = whole(r.options.min_group);
  s.paragraph({{"An overturn rate is overturned calls out of decided calls (overturned, modified or upheld); modified "
                "calls are counted on their own, never as overturns. Whiskers and ranges in brackets are 95 % Wilson "
                "score intervals: the narrower, the more calls behind the rate. A group with fewer than " +
                    min + " decided calls is listed with its counts only.",
                kPlain}},
              kLeft, kRight - kLeft, 7.5, kSoftInk);
  std::vector<Benchmark> used = benchmarks_used(r);
  if (used.empty()) return;
  // one sentence per source, so a shared source is named once
  std::vector<std::string> sources;
  for (const Benchmark& b : used)
    if (std::find(sources.begin(), sources.end(), b.source) == sources.end()) sources.push_back(b.source);
  for (const std::string& source : sources) {
    std::string text = "Published benchmarks (dashed ranges)" + (source.empty() ? "" : ", from " + source) + ": ";
    bool first = true;
    for (const Benchmark& b : used)
      if (b.source == source) {
        text += (first ? "" : "; ") + b.label + " " + percent_range(b.low, b.high);
        first = false;
      }
    s.paragraph({{text + ".", kPlain}}, kLeft, kRight - kLeft, 7.5, kSoftInk);
  }
}

void summary_page(Sheet& s, const Report& r, const ReportPageOptions& o) {
  s.text(kBold, 20, kLeft, s.y + s.ascent(20), "P2P and appeal outcomes");
  s.y += 27;
  std::string line = "Denials dated " + r.options.from + " to " + r.options.to;
  if (!o.practice.empty()) line = o.practice + " \u00b7 " + line;
  s.text(kRegular, 10, kLeft, s.y + s.ascent(10), fit_text(s.fonts, kRegular, 10, line, kRight - kLeft));
  s.y += 14;
  std::string sub = (o.prepared.empty() ? "" : "Prepared " + o.prepared + " \u00b7 ") + "a rate needs at least " +
                    whole(r.options.min_group) + " decided calls";
  s.text(kRegular, 8, kLeft, s.y + s.ascent(8), sub, Anchor::left, kSoftInk);
  s.y += 20;
  tiles(s, summary_tiles(r));
  s.heading("Against the published benchmarks", 12);
  summary_table(s, summary_rows(r));
  s.heading("What stands out", 12);
  bullets(s, findings(r), 9);
  s.y += 8;
  how_to_read(s, r);
}

// --- the group charts ---------------------------------------------------------

// Columns of a group chart, left to right.
constexpr double kGroupLabelX = kLeft, kGroupPlotX0 = 196, kGroupPlotX1 = 356, kGroupRateX = 366,
                 kGroupDecidedRight = 474, kGroupModifiedRight = 516, kGroupBenchRight = kRight;
constexpr double kGroupRow = 17, kGroupBar = 9, kGroupAxis = 18;

void group_columns(Sheet& s, const std::string& noun, bool any_benchmark) {
  double b1 = s.y + s.ascent(7), b2 = b1 + 8.5;
  s.text(kBold, 7, kGroupLabelX, b2, capitalized(noun), Anchor::left, kSoftInk);
  s.text(kBold, 7, (kGroupPlotX0 + kGroupPlotX1) / 2, b2, "Overturn rate, 95 % interval", Anchor::center, kSoftInk);
  s.text(kBold, 7, kGroupRateX, b1, "Rate", Anchor::left, kSoftInk);
  s.text(kBold, 7, kGroupRateX, b2, "(95 % interval)", Anchor::left, kSoftInk);
  s.text(kBold, 7, kGroupDecidedRight, b1, "Overturned", Anchor::right, kSoftInk);
  s.text(kBold, 7, kGroupDecidedRight, b2, "of decided", Anchor::right, kSoftInk);
  s.text(kBold, 7, kGroupModifiedRight, b2, "Modified", Anchor::right, kSoftInk);
  if (any_benchmark) s.text(kBold, 7, kGroupBenchRight, b2, "Benchmark", Anchor::right, kSoftInk);
  s.y += 20;
  add_line(s.page(), kLeft, s.y, kRight, s.y, 0.6);
}

void group_row(Sheet& s, const Scale& scale, const GroupRate& g) {
  double b = s.y + (kGroupRow - 8.5) / 2 + s.ascent(8.5) - 1;
  Fitted label = fit_shrinking(s.fonts, kRegular, 8.5, 7, label_of(g), kGroupPlotX0 - kGroupLabelX - 8);
  s.text(kRegular, label.size, kGroupLabelX, b, label.text);
  if (g.benchmark) add_band(s.page(), scale, s.y, kGroupRow, g.benchmark->low, g.benchmark->high);
  add_bar(s.page(), scale, s.y + (kGroupRow - kGroupBar) / 2, kGroupBar, g.overturn.rate, g.overturn.low,
          g.overturn.high);
  s.text(kBold, 8.5, kGroupRateX, b, percent(g.overturn.rate));
  s.text(kRegular, 7.5, kGroupRateX + 24, b, "(" + percent_range(g.overturn.low, g.overturn.high) + ")", Anchor::left,
         kSoftInk);
  s.text(kRegular, 8.5, kGroupDecidedRight, b, whole(g.overturned) + " of " + whole(g.overturn.trials), Anchor::right);
  s.text(kRegular, 8.5, kGroupModifiedRight, b, whole(g.modified), Anchor::right);
  if (g.benchmark)
    s.text(kRegular, 8.5, kGroupBenchRight, b, percent_range(g.benchmark->low, g.benchmark->high), Anchor::right);
  s.y += kGroupRow;
}

void group_axis(Sheet& s, const Scale& scale, double top) {
  std::vector<double> ticks = nice_ticks(0, 1, 6);
  std::vector<std::string> labels;
  for (double t : ticks) labels.push_back(percent(t));
  // grid lines go under the bars: insert them before this chart's rectangles
  Page probe;
  add_x_axis(probe, s.fonts, scale, ticks, top, s.y, labels);
  s.page().rects.insert(s.page().rects.begin(), probe.rects.begin(), probe.rects.end());
  s.page().lines.insert(s.page().lines.end(), probe.lines.begin(), probe.lines.end());
  s.page().texts.insert(s.page().texts.end(), probe.texts.begin(), probe.texts.end());
  s.y += kGroupAxis;
}

void counts_only(Sheet& s, const std::string& noun, const std::string& plural, const std::vector<const GroupRate*>& groups,
                 int min_group) {
  double whole_block = 30 + table_height(groups.size());  // the sentence stays with its table
  s.ensure(whole_block <= kPageRoom ? whole_block : 60);
  std::string why = whole(static_cast<long long>(groups.size())) + " " + (groups.size() == 1 ? noun : plural) +
                    " with fewer than " + whole(min_group) +
                    " decided calls: counts only. On so few calls the 95 % interval is too wide for a rate to "
                    "mean much, so none is shown.";
  s.paragraph({{why, kItalic}}, kLeft, kRight - kLeft, 8, kSoftInk);
  s.y += 3;
  std::vector<Column> cols = {{capitalized(noun), kLeft, 200, Anchor::left},        {"Cases", 258, 50, Anchor::right},
                              {"Calls held", 318, 56, Anchor::right},  {"Overturned", 384, 56, Anchor::right},
                              {"Modified", 450, 50, Anchor::right},     {"Upheld", 510, kRight - 510, Anchor::right}};
  std::vector<TableRow> rows;
  for (const GroupRate* g : groups)
    rows.push_back({{label_of(*g), whole(g->cases), whole(g->calls_held), whole(g->overturned), whole(g->modified),
                     whole(g->upheld)}});
  table(s, cols, rows, plural + ", counts only (continued)");
}

struct GroupChart {
  std::string title, noun, plural;
  const std::vector<GroupRate>* groups;
};

void group_chart(Sheet& s, const GroupChart& c, int min_group) {
  std::vector<const GroupRate*> shown, counted;
  for (const GroupRate& g : *c.groups) (g.rate_shown ? shown : counted).push_back(&g);
  // the Report sorts already; a stable sort keeps its order and guards the page against a caller that did not
  std::stable_sort(shown.begin(), shown.end(),
                   [](const GroupRate* a, const GroupRate* b) { return a->overturn.rate > b->overturn.rate; });
  bool any_benchmark = std::any_of(shown.begin(), shown.end(), [](const GroupRate* g) { return g->benchmark.has_value(); });
  const double head = 18 + 13 + 16, columns = 21;
  // a chart that fits a page whole starts on a new one rather than split; a longer one needs room for 4 rows here
  double whole_chart = head + columns + kGroupRow * shown.size() + kGroupAxis;
  if (whole_chart <= kPageRoom) s.ensure(whole_chart);
  s.ensure(head + columns + kGroupRow * std::min<size_t>(std::max<size_t>(shown.size(), 1), 4) + kGroupAxis);
  s.heading(c.title);
  std::string sub = "Overturned out of decided P2P calls, highest first.";
  if (c.groups->empty()) sub = "No P2P calls in the period.";
  else if (shown.empty()) sub = "No " + c.noun + " has " + whole(min_group) + " decided calls yet: counts only.";
  s.text(kRegular, 8, kLeft, s.y + s.ascent(8), sub, Anchor::left, kSoftInk);
  s.y += 13;
  Scale scale{0, 1, kGroupPlotX0, kGroupPlotX1};
  if (!shown.empty()) {
    std::vector<LegendEntry> legend = {{Swatch::bar, "Overturn rate"}, {Swatch::whisker, "95 % interval (Wilson)"}};
    if (any_benchmark) legend.push_back({Swatch::band, "Published benchmark range"});
    add_legend(s.page(), s.fonts, kLeft, s.y + s.ascent(7.5), legend);
    s.y += 16;
  }
  size_t i = 0;
  while (i < shown.size()) {
    if (i > 0) {
      s.new_page();
      s.heading(c.title + " (continued)", 10);
    }
    group_columns(s, c.noun, any_benchmark);
    double top = s.y;
    for (; i < shown.size() && s.fits(kGroupRow + kGroupAxis); ++i) group_row(s, scale, *shown[i]);
    group_axis(s, scale, top);
  }
  if (!counted.empty()) counts_only(s, c.noun, c.plural, counted, min_group);
  s.y += 14;
}

// --- the monthly trend ----------------------------------------------------------

std::string month_name(const std::string& ym) {
  static const char* names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int m = ym.size() >= 7 ? std::atoi(ym.c_str() + 5) : 0;
  return m >= 1 && m <= 12 ? names[m - 1] : ym;
}

constexpr double kTrendX0 = kLeft + 30, kTrendX1 = kRight - 34, kTrendHeight = 190;
constexpr double kTrendBlock = 18 + 26 + 16 + 14 + kTrendHeight + 28;  // heading, note, legend, axis titles, plot, months

// The vertical scales' labels and grid: counts on the left, percentages on the right.
void trend_axes(Sheet& s, const Scale& counts, const std::vector<double>& count_ticks, const Scale& rates, double top,
                double bottom) {
  for (double t : count_ticks) {
    double y = counts.at(t);
    s.page().rects.push_back(RectItem{kTrendX0, y - 0.2, kTrendX1 - kTrendX0, 0.4, kGrid});
    s.text(kRegular, 7, kTrendX0 - 4, y + s.ascent(7) / 2, whole(std::lround(t)), Anchor::right, kSoftInk);
  }
  for (double t : {0.0, 0.25, 0.5, 0.75, 1.0}) {
    double y = rates.at(t);
    add_line(s.page(), kTrendX1, y, kTrendX1 + 3, y, 0.5);
    s.text(kRegular, 7, kTrendX1 + 5, y + s.ascent(7) / 2, percent(t), Anchor::left, kSoftInk);
  }
  add_line(s.page(), kTrendX0, top, kTrendX0, bottom, 0.6);
  add_line(s.page(), kTrendX1, top, kTrendX1, bottom, 0.6);
  add_line(s.page(), kTrendX0, bottom, kTrendX1, bottom, 0.6);
}

void trend_chart(Sheet& s, const Report& r) {
  const std::vector<MonthPoint>& months = r.monthly;
  const std::optional<Benchmark>& bench = r.summary.p2p_benchmark;
  s.ensure(kTrendBlock);
  s.heading("Monthly trend: denials and P2P overturn rate");
  s.paragraph({{"Bars: cases denied each month (left scale). Line: overturn rate of the calls decided that month "
                "(right scale), drawn only for months with at least " +
                    whole(r.options.min_group) + " decided calls; a gap means too few.",
                kPlain}},
              kLeft, kRight - kLeft, 8, kSoftInk);
  s.y += 2;
  std::vector<LegendEntry> legend = {{Swatch::light_bar, "Denials"}, {Swatch::line_with_marker, "Overturn rate"}};
  if (bench) legend.push_back({Swatch::band, "P2P benchmark " + percent_range(bench->low, bench->high)});
  add_legend(s.page(), s.fonts, kLeft, s.y + s.ascent(7.5), legend);
  s.y += 16;
  s.text(kBold, 7, kLeft, s.y + s.ascent(7), "Denials", Anchor::left, kSoftInk);
  s.text(kBold, 7, kRight, s.y + s.ascent(7), "Overturn rate", Anchor::right, kSoftInk);
  s.y += 14;
  double top = s.y, bottom = s.y + kTrendHeight;
  int most = 1;
  for (const MonthPoint& m : months) most = std::max(most, m.denials);
  std::vector<double> count_ticks = ticks_from_zero(most, 4);  // 4 intervals, as the percentages: one grid serves both
  Scale counts{0, count_ticks.back(), bottom, top}, rates{0, 1, bottom, top};
  trend_axes(s, counts, count_ticks, rates, top, bottom);
  if (bench) add_band_vertical(s.page(), rates, kTrendX0, kTrendX1 - kTrendX0, bench->low, bench->high);
  double slot = months.empty() ? 0 : (kTrendX1 - kTrendX0) / months.size();
  int every = std::max(1, static_cast<int>(std::ceil(26 / std::max(slot, 1.0))));  // month labels that fit side by side
  std::vector<std::optional<Point>> line;
  for (size_t i = 0; i < months.size(); ++i) {
    const MonthPoint& m = months[i];
    double mid = kTrendX0 + slot * (i + 0.5);
    double y = counts.at(m.denials);
    if (m.denials > 0) add_box(s.page(), mid - slot * 0.28, y, slot * 0.56, bottom - y, kLightBarFill);
    line.push_back(m.overturn_rate ? std::optional<Point>(Point{mid, rates.at(*m.overturn_rate)}) : std::nullopt);
    if (i % every != 0) continue;
    s.text(kRegular, 7, mid, bottom + 3 + s.ascent(7), month_name(m.month), Anchor::center, kSoftInk);
    bool new_year = i == 0 || m.month.compare(5, 2, "01") == 0;
    if (new_year && m.month.size() >= 4)
      s.text(kRegular, 7, mid, bottom + 12 + s.ascent(7), m.month.substr(0, 4), Anchor::center, kSoftInk);
  }
  add_polyline(s.page(), line, 1.4);
  for (const auto& p : line)
    if (p) add_marker(s.page(), p->x, p->y, 4.5);
  s.y = bottom + 28;
}

void trend_table(Sheet& s, const Report& r) {
  std::vector<Column> cols = {{"Month", kLeft, 80, Anchor::left},          {"Denials", 140, 60, Anchor::right},
                              {"Decided calls", 210, 70, Anchor::right},   {"Overturned", 290, 70, Anchor::right},
                              {"Overturn rate", 370, 70, Anchor::right}};
  std::vector<TableRow> rows;
  for (const MonthPoint& m : r.monthly)
    rows.push_back({{m.month, whole(m.denials), whole(m.decided), whole(m.overturned),
                     m.overturn_rate ? percent(*m.overturn_rate) : "\u2014"}});
  table(s, cols, rows, "Monthly trend (continued)");
}

// --- the weekly-review list -----------------------------------------------------

// The payer's name as the payer chart shows it; its id when the chart lacks it.
std::string payer_name(const Report& r, const std::string& id) {
  for (const GroupRate& g : r.by_payer)
    if (g.key == id) return label_of(g);
  return id;
}

void review_list(Sheet& s, const Report& r) {
  s.ensure(120);
  s.heading("Weekly review: missed windows and past deadlines");
  int missed = static_cast<int>(std::count_if(r.review.begin(), r.review.end(), [](auto& i) { return i.missed_window; }));
  std::string intro = r.review.empty()
                          ? "Nothing to review: no window was missed and no deadline passed in the period."
                          : whole(static_cast<long long>(r.review.size())) + " items: " + whole(missed) +
                                " windows closed with nothing recorded, " +
                                whole(static_cast<long long>(r.review.size()) - missed) +
                                " deadlines passed. Grouped by step, then by due date, for process review.";
  s.paragraph({{intro, kPlain}}, kLeft, kRight - kLeft, 9);
  s.y += 4;
  if (r.review.empty()) return;
  std::vector<Column> cols = {{"Case", kLeft, 92, Anchor::left},          {"Due", 146, 80, Anchor::left},
                              {"What happened", 232, 86, Anchor::left},   {"Payer", 324, 130, Anchor::left},
                              {"Physician", 460, kRight - 460, Anchor::left}};
  std::vector<TableRow> rows;
  for (size_t i = 0; i < r.review.size(); ++i) {
    const ReviewItem& item = r.review[i];
    if (i == 0 || item.step != r.review[i - 1].step) {
      size_t n = 0;
      while (i + n < r.review.size() && r.review[i + n].step == item.step) ++n;
      std::string label = item.step_label.empty() ? item.step : item.step_label;
      rows.push_back({{label + " (" + whole(static_cast<long long>(n)) + ")"}, true});
    }
    rows.push_back({{item.case_id, item.due, item.missed_window ? "Window missed" : "Deadline passed",
                     payer_name(r, item.payer_id), item.physician}});
  }
  table(s, cols, rows, "Weekly review (continued)");
}

// "Page x of y" and the report's name at the foot of every page.
void footers(Sheet& s, const Report& r) {
  std::string left = "P2P and appeal outcomes, " + r.options.from + " to " + r.options.to +
                     " \u00b7 internal quality review: case ids only, no patient data";
  for (size_t i = 0; i < s.pages.size(); ++i) {
    Page& p = s.pages[i];
    double baseline = kBottom - 2;
    add_line(p, kLeft, kBottom - 11, kRight, kBottom - 11, 0.4, kSoftInk);
    std::string right = "Page " + whole(static_cast<long long>(i + 1)) + " of " + whole(static_cast<long long>(s.pages.size()));
    double w = add_text(p, s.fonts, kRegular, 7, kRight, baseline, right, Anchor::right, kSoftInk);
    add_text(p, s.fonts, kRegular, 7, kLeft, baseline, fit_text(s.fonts, kRegular, 7, left, kRight - kLeft - w - 20),
             Anchor::left, kSoftInk);
  }
}

}  // namespace

std::vector<Page> report_pages(const Report& report, const FontSet& fonts, const ReportPageOptions& options) {
  Sheet s{fonts, "P2P and appeal outcomes, " + report.options.from + " to " + report.options.to, {}, kTop};
  s.new_page();
  summary_page(s, report, options);
  int min = report.options.min_group;
  s.new_page();
  group_chart(s, {"Overturn rate by payer", "payer", "payers", &report.by_payer}, min);
  group_chart(s, {"Overturn rate by denial type", "denial type", "denial types", &report.by_denial_type}, min);
  group_chart(s, {"Overturn rate by service category", "service category", "service categories", &report.by_category},
              min);
  group_chart(s, {"Overturn rate by physician", "physician", "physicians", &report.by_physician}, min);
  if (!report.monthly.empty()) {
    double whole_trend = kTrendBlock + table_height(report.monthly.size());  // the chart with its table, if a page holds both
    if (whole_trend <= kPageRoom) s.ensure(whole_trend);
    trend_chart(s, report);
    trend_table(s, report);
  }
  s.new_page();
  review_list(s, report);
  footers(s, report);
  for (Page& p : s.pages) p.width = kPageWidth, p.height = kPageHeight;
  return s.pages;
}

}  // namespace p2p
