// Flattening a filled form for the record: laid-out pages with form fields
// (FieldItem) + the values a person filled in -> the same pages with every
// field replaced by static items that show its value, and no field left. The
// pdf stage then paints them as page content and writes no AcroForm: the
// copy a practice files cannot be edited, and reads the same in any viewer.
//
// How a value is drawn matches the appearance streams pdf/form_fields.cpp
// writes for a field, so the copy looks like the form did on screen: the
// regular face of the font set (FontSet::face(0)), the field's font size,
// 2 pt inset; a single-line value on one line, centred vertically; a
// multi-line value wrapped (by the face's advances, '\n' kept, a word wider
// than the box broken between characters) from the top. A ticked checkbox
// becomes the same tick, drawn as two black lines; an unticked one draws
// nothing (the layout already drew the empty square).
// A value too long for its box is drawn smaller, in steps of 0.5 pt down to
// kSmallestFilledSize; if it still does not fit, what fits is drawn and the
// field is named in `overflowed`, so the caller can print the whole value
// elsewhere (a record never loses what was filled).
// Pure function of its inputs; thread-safe.
#pragma once

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "layout/layout.h"

namespace p2p {

// One field's value as filled in.
struct FilledValue {
  std::string text;      // text fields: the text as filled (UTF-8)
  bool checked = false;  // checkboxes: ticked
};

// By field name (FieldItem::name). A field with no entry is drawn empty.
using FilledValues = std::map<std::string, FilledValue>;

inline constexpr double kSmallestFilledSize = 5.0;

struct FlattenedPages {
  std::vector<Page> pages;               // no FieldItem anywhere
  std::vector<std::string> overflowed;   // fields whose whole value did not fit in their box, in page order
};

FlattenedPages flatten_fields(std::vector<Page> pages, const FilledValues& values, const FontSet& fonts);

// The rules a field's value is shown by, one copy for both readers of a
// form: pdf/form_fields.cpp's appearance streams and the flattened copy.

// Text inset from a field's edges, points.
inline constexpr double kFieldPadding = 2;

// The text a field shows: controls (tab included) become spaces; line
// breaks are kept when `keep_breaks` (\r\n and \r become \n), else spaces.
std::string field_display_text(const std::string& text, bool keep_breaks);

// A ticked checkbox's tick: a stroke through three points of the square of
// side min(w, h) centred in the box, as fractions of that side measured
// from its bottom-left corner, up; and the stroke's width for a side.
inline constexpr double kTickPoints[3][2] = {{0.22, 0.52}, {0.42, 0.27}, {0.80, 0.77}};
inline double tick_width(double side) { return std::max(0.8, side * 0.12); }

// The lines a multi-line value wraps into in a box `max_width` points wide
// (greedy by the face's advances, '\n' kept, a word wider than the box
// broken between characters, at least one per line).
std::vector<std::string> wrap_value(const std::string& text, const FontFace& face, double size, double max_width);

}  // namespace p2p
