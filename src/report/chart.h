// Chart pieces drawn as frame items: a linear scale, axis ticks, a bar with
// its interval whisker, a reference band, markers, lines and a legend. Each
// function appends rectangles, lines and text to a Page (layout.h), so a
// chart prints as vectors and its labels extract as text; the PDF stage only
// paints them. Knows nothing about reports: values come in as plain numbers.
// Series differ by shape, grey level and dashes, never by hue alone, so a
// chart reads the same from a black-and-white printer or a fax.
// Pure functions of their inputs apart from the Page they append to.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "layout/layout.h"

namespace p2p::chart {

// Greys far enough apart to survive a laser printer's halftone; anything
// that must survive a fax (which may drop light greys) also has a black edge.
inline constexpr Color kInk{0, 0, 0};
inline constexpr Color kSoftInk{0.2f, 0.2f, 0.2f};  // secondary text: dark enough to stay solid on a fax
inline constexpr Color kBarFill{0.62f, 0.62f, 0.62f};
inline constexpr Color kLightBarFill{0.8f, 0.8f, 0.8f};  // a count behind a rate line
inline constexpr Color kBandFill{0.88f, 0.88f, 0.88f};
inline constexpr Color kGrid{0.8f, 0.8f, 0.8f};
inline constexpr double kBandDash = 2.5;  // dash length of a benchmark's edges

// Maps values in [v0, v1] linearly onto positions [p0, p1] (either may run
// backwards, as a vertical axis does: y grows downwards on a page).
struct Scale {
  double v0 = 0, v1 = 1;
  double p0 = 0, p1 = 1;
  // The position of `v`, clamped to the scale's ends so nothing is drawn
  // outside the plot however wrong a value is.
  double at(double v) const;
};

// "Nice" tick values covering [lo, hi] in steps of 1, 2 or 5 x 10^k, at most
// `max_ticks` of them, starting at or below lo and ending at or above hi.
std::vector<double> nice_ticks(double lo, double hi, int max_ticks);

// Ticks 0, step, ..., intervals x step: the smallest step of 1, 2, 2.5 or
// 5 x 10^k (at least 1) that reaches `hi`. A second axis with the same number of
// intervals then shares the grid lines.
std::vector<double> ticks_from_zero(double hi, int intervals);

enum class Anchor { left, center, right };

// Ascent of `fonts`' regular face per point of size (for placing text boxes).
double ascent_per_size(const FontSet& fonts);

// Appends one run of text whose anchor (left end, centre or right end of its
// baseline, as `anchor` says) is at (x, baseline); returns its measured width.
double add_text(Page& page, const FontSet& fonts, int font, double size, double x, double baseline,
                const std::string& text, Anchor anchor = Anchor::left, Color color = kInk);

// `text` as it fits in `max_width` at `size`: whole if it fits, else cut at
// a character boundary and ended with an ellipsis.
std::string fit_text(const FontSet& fonts, int font, double size, const std::string& text, double max_width);

// A straight line; `dash` > 0 makes it dashed (a reference, not data).
void add_line(Page& page, double x1, double y1, double x2, double y2, double width, Color color = kInk,
              double dash = 0);

// `text` at the largest size from `size` down to `min_size` (in half
// points) at which it fits `max_width`; cut with an ellipsis at `min_size`
// when even that is too wide.
struct Fitted {
  std::string text;
  double size = 0;
};
Fitted fit_shrinking(const FontSet& fonts, int font, double size, double min_size, const std::string& text,
                     double max_width);

// A filled rectangle with a thin black edge (the edge keeps it on a fax).
void add_box(Page& page, double x, double y, double w, double h, Color fill, double edge = 0.5);

// A horizontal bar from value 0 to `rate` on `scale`, `h` tall with its top
// at `y`, and a whisker from `low` to `high` across its middle with end
// ticks 0.7 times as tall as the bar. The whisker is black over the grey bar.
void add_bar(Page& page, const Scale& scale, double y, double h, double rate, double low, double high);

// A whisker alone from `low` to `high` at height `y`, with end ticks
// `tick` tall, and a square marker of side `marker` at `value`.
void add_dot_whisker(Page& page, const Scale& scale, double y, double value, double low, double high,
                     double marker = 4.5, double tick = 6);

// A reference range [low, high] on a horizontal `scale` over the rows from
// `y` to `y + h`: a light fill and dashed vertical edges.
void add_band(Page& page, const Scale& scale, double y, double h, double low, double high);

// The same range on a vertical scale (a horizontal band across x..x+w).
void add_band_vertical(Page& page, const Scale& scale, double x, double w, double low, double high);

// Vertical grid lines at `ticks` from `top` to `bottom`, drawn as hairline
// rectangles so that bars (painted after them) cover them, and each tick's
// label centred under `bottom`.
void add_x_axis(Page& page, const FontSet& fonts, const Scale& scale, const std::vector<double>& ticks, double top,
                double bottom, const std::vector<std::string>& labels, double size = 7.5);

// A square marker of side `side` centred at (x, y).
void add_marker(Page& page, double x, double y, double side);

// Straight segments through `points`; a missing point (nullopt) breaks the
// line, so a month without a rate is a gap, not an invented value.
struct Point {
  double x = 0, y = 0;
};
void add_polyline(Page& page, const std::vector<std::optional<Point>>& points, double width, double dash = 0);

// What a legend entry shows before its label.
enum class Swatch { bar, light_bar, whisker, band, line_with_marker, dashed_line };
struct LegendEntry {
  Swatch swatch = Swatch::bar;
  std::string label;
};

// The entries in one row from (x, baseline); returns the width used.
double add_legend(Page& page, const FontSet& fonts, double x, double baseline, const std::vector<LegendEntry>& entries,
                  double size = 7.5);

}  // namespace p2p::chart
