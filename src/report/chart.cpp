// Chart pieces as frame items (chart.h). Lines are black or grey, bars grey
// with a black edge, reference ranges a light fill with dashed edges.
#include "report/chart.h"

#include <algorithm>
#include <cmath>

namespace p2p::chart {

double Scale::at(double v) const {
  if (v1 == v0) return p0;
  double t = (v - v0) / (v1 - v0);
  t = std::clamp(std::isfinite(t) ? t : 0.0, 0.0, 1.0);
  return p0 + t * (p1 - p0);
}

std::vector<double> nice_ticks(double lo, double hi, int max_ticks) {
  if (!(hi > lo) || max_ticks < 2) return {lo};
  double raw = (hi - lo) / (max_ticks - 1);
  double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  // the smallest of 1, 2, 5, 10 x 10^k that keeps the count within max_ticks
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * magnitude;
    if (std::ceil(hi / step - 1e-9) - std::floor(lo / step + 1e-9) + 1 <= max_ticks) break;
  }
  std::vector<double> ticks;
  long first = static_cast<long>(std::floor(lo / step + 1e-9));
  long last = static_cast<long>(std::ceil(hi / step - 1e-9));
  for (long i = first; i <= last; ++i) ticks.push_back(i * step);
  return ticks;
}

std::vector<double> ticks_from_zero(double hi, int intervals) {
  intervals = std::max(intervals, 1);
  double step = 1;
  for (double magnitude = 1; step * intervals < hi; magnitude *= 10)
    for (double m : {1.0, 2.0, 2.5, 5.0}) {
      step = m * magnitude;
      if (step * intervals >= hi) break;
    }
  std::vector<double> ticks;
  for (int i = 0; i <= intervals; ++i) ticks.push_back(i * step);
  return ticks;
}

double ascent_per_size(const FontSet& fonts) {
  const FontFace& f = fonts.face(0);
  return static_cast<double>(f.ascent()) / f.units_per_em();
}

double add_text(Page& page, const FontSet& fonts, int font, double size, double x, double baseline,
                const std::string& text, Anchor anchor, Color color) {
  TextItem t;
  t.font = font;
  t.size = size;
  t.text = text;
  t.color = color;
  t.width = fonts.face(font).width(text, size);
  t.x = anchor == Anchor::left ? x : anchor == Anchor::center ? x - t.width / 2 : x - t.width;
  t.baseline = baseline;
  double w = t.width;
  if (!text.empty()) page.texts.push_back(std::move(t));
  return w;
}

std::string fit_text(const FontSet& fonts, int font, double size, const std::string& text, double max_width) {
  const FontFace& face = fonts.face(font);
  if (face.width(text, size) <= max_width) return text;
  const std::string ellipsis = "\u2026";
  // code point boundaries, so a cut never splits a UTF-8 sequence
  std::vector<size_t> ends;
  for (size_t i = 0; i < text.size();) {
    next_code_point(text, i);
    ends.push_back(i);
  }
  size_t lo = 0, hi = ends.size();  // keep ends[k-1] bytes for k in [lo, hi]
  while (lo < hi) {
    size_t k = (lo + hi + 1) / 2;
    if (face.width(text.substr(0, ends[k - 1]) + ellipsis, size) <= max_width)
      lo = k;
    else
      hi = k - 1;
  }
  std::string kept = lo == 0 ? "" : text.substr(0, ends[lo - 1]);
  while (!kept.empty() && kept.back() == ' ') kept.pop_back();
  return kept + ellipsis;
}

namespace {

// A horizontal interval at height y with end ticks `tick` tall.
void add_whisker(Page& page, const Scale& scale, double y, double low, double high, double tick) {
  double a = scale.at(low), b = scale.at(high);
  add_line(page, a, y, b, y, 0.9);
  add_line(page, a, y - tick / 2, a, y + tick / 2, 0.9);
  add_line(page, b, y - tick / 2, b, y + tick / 2, 0.9);
}

}  // namespace

Fitted fit_shrinking(const FontSet& fonts, int font, double size, double min_size, const std::string& text,
                     double max_width) {
  for (double s = size; s >= min_size; s -= 0.5)
    if (fonts.face(font).width(text, s) <= max_width) return {text, s};
  return {fit_text(fonts, font, min_size, text, max_width), min_size};
}

void add_line(Page& page, double x1, double y1, double x2, double y2, double width, Color color, double dash) {
  LineItem l;
  l.x1 = x1, l.y1 = y1, l.x2 = x2, l.y2 = y2;
  l.width = width;
  l.color = color;
  l.dash = dash;
  page.lines.push_back(l);
}

void add_box(Page& page, double x, double y, double w, double h, Color fill, double edge) {
  page.rects.push_back(RectItem{x, y, w, h, fill});
  if (edge <= 0) return;
  add_line(page, x, y, x + w, y, edge);
  add_line(page, x + w, y, x + w, y + h, edge);
  add_line(page, x + w, y + h, x, y + h, edge);
  add_line(page, x, y + h, x, y, edge);
}

void add_bar(Page& page, const Scale& scale, double y, double h, double rate, double low, double high) {
  double x0 = scale.at(0), x1 = scale.at(rate);
  if (x1 > x0)
    add_box(page, x0, y, x1 - x0, h, kBarFill);
  else  // a zero rate still shows where the bar starts
    add_line(page, x0, y, x0, y + h, 0.9);
  add_whisker(page, scale, y + h / 2, low, high, h * 0.7);
}

void add_marker(Page& page, double x, double y, double side) {
  page.rects.push_back(RectItem{x - side / 2, y - side / 2, side, side, kInk});
}

void add_dot_whisker(Page& page, const Scale& scale, double y, double value, double low, double high, double marker,
                     double tick) {
  add_whisker(page, scale, y, low, high, tick);
  add_marker(page, scale.at(value), y, marker);
}

void add_band(Page& page, const Scale& scale, double y, double h, double low, double high) {
  double a = scale.at(low), b = scale.at(high);
  page.rects.push_back(RectItem{a, y, b - a, h, kBandFill});
  add_line(page, a, y, a, y + h, 0.6, kInk, kBandDash);
  add_line(page, b, y, b, y + h, 0.6, kInk, kBandDash);
}

void add_band_vertical(Page& page, const Scale& scale, double x, double w, double low, double high) {
  double a = scale.at(high), b = scale.at(low);  // y runs down: the high value is on top
  page.rects.push_back(RectItem{x, a, w, b - a, kBandFill});
  add_line(page, x, a, x + w, a, 0.6, kInk, kBandDash);
  add_line(page, x, b, x + w, b, 0.6, kInk, kBandDash);
}

void add_x_axis(Page& page, const FontSet& fonts, const Scale& scale, const std::vector<double>& ticks, double top,
                double bottom, const std::vector<std::string>& labels, double size) {
  double asc = ascent_per_size(fonts) * size;
  for (size_t i = 0; i < ticks.size(); ++i) {
    double x = scale.at(ticks[i]);
    page.rects.push_back(RectItem{x - 0.2, top, 0.4, bottom - top, kGrid});
    add_line(page, x, bottom, x, bottom + 2.5, 0.5);
    if (i < labels.size()) add_text(page, fonts, 0, size, x, bottom + 3 + asc, labels[i], Anchor::center, kSoftInk);
  }
  add_line(page, scale.at(ticks.front()), bottom, scale.at(ticks.back()), bottom, 0.6);
}

void add_polyline(Page& page, const std::vector<std::optional<Point>>& points, double width, double dash) {
  for (size_t i = 1; i < points.size(); ++i)
    if (points[i - 1] && points[i])
      add_line(page, points[i - 1]->x, points[i - 1]->y, points[i]->x, points[i]->y, width, kInk, dash);
}

namespace {

constexpr double kSwatchWidth = 16;

void add_swatch(Page& page, Swatch swatch, double x, double mid) {
  switch (swatch) {
    case Swatch::bar: add_box(page, x, mid - 3.5, kSwatchWidth, 7, kBarFill); break;
    case Swatch::light_bar: add_box(page, x, mid - 3.5, kSwatchWidth, 7, kLightBarFill); break;
    case Swatch::whisker: {
      Scale s{0, 1, x + 1, x + kSwatchWidth - 1};
      add_whisker(page, s, mid, 0, 1, 6);
      break;
    }
    case Swatch::band: {
      Scale s{0, 1, x + 2, x + kSwatchWidth - 2};
      add_band(page, s, mid - 4, 8, 0, 1);
      break;
    }
    case Swatch::line_with_marker:
      add_line(page, x, mid, x + kSwatchWidth, mid, 1.4);
      add_marker(page, x + kSwatchWidth / 2, mid, 4);
      break;
    case Swatch::dashed_line: add_line(page, x, mid, x + kSwatchWidth, mid, 0.6, kInk, kBandDash); break;
  }
}

}  // namespace

double add_legend(Page& page, const FontSet& fonts, double x, double baseline, const std::vector<LegendEntry>& entries,
                  double size) {
  double start = x;
  double mid = baseline - ascent_per_size(fonts) * size * 0.35;
  for (const LegendEntry& e : entries) {
    add_swatch(page, e.swatch, x, mid);
    x += kSwatchWidth + 4;
    x += add_text(page, fonts, 0, size, x, baseline, e.label) + 14;
  }
  return x - start - 14;
}

}  // namespace p2p::chart
