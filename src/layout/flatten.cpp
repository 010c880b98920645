// Flattening a filled form for the record (see flatten.h).
#include "layout/flatten.h"

#include <algorithm>
#include <string_view>
#include <utility>

namespace p2p {

namespace {

constexpr double kClipInset = 1;  // the appearance clips 1 pt inside the box

// The longest prefix of `s` (whole characters) at most `max_width` wide.
size_t fitting_prefix(std::string_view s, const FontFace& face, double size, double max_width) {
  size_t cut = 0, i = 0;
  while (i < s.size()) {
    size_t next = i;
    next_code_point(s, next);
    if (face.width(s.substr(0, next), size) > max_width) break;
    cut = i = next;
  }
  return cut;
}

TextItem text_at(double x, double baseline, double size, std::string text, const FontFace& face) {
  TextItem t;
  t.x = x;
  t.baseline = baseline;
  t.font = 0;
  t.size = size;
  t.width = face.width(text, size);
  t.text = std::move(text);
  return t;  // black, as the appearance's "0 g"
}

struct Metrics {
  double ascent, descent, leading;  // points; descent negative
};

Metrics metrics(const FontFace& face, double size) {
  const double upem = face.units_per_em();
  return {face.ascent() * size / upem, face.descent() * size / upem,
          (face.ascent() - face.descent() + face.line_gap()) * size / upem};
}

// One line, vertically centred; false when it had to be cut.
bool draw_single_line(const FieldItem& f, const std::string& shown, const FontFace& face, Page& page) {
  const double room = f.w - 2 * kFieldPadding;
  double size = f.font_size > 0 ? f.font_size : 9;
  while (size > kSmallestFilledSize && face.width(shown, size) > room) size = std::max(kSmallestFilledSize, size - 0.5);
  std::string drawn = shown;
  bool whole = face.width(shown, size) <= room;
  if (!whole) drawn.resize(fitting_prefix(shown, face, size, room));
  Metrics m = metrics(face, size);
  // form_fields.cpp: baseline (h - ascent - descent) / 2 above the box's bottom
  double baseline = f.y + f.h - (f.h - m.ascent - m.descent) / 2;
  if (!drawn.empty()) page.texts.push_back(text_at(f.x + kFieldPadding, baseline, size, std::move(drawn), face));
  return whole;
}

// Wrapped lines from the top; false when not every line fitted.
bool draw_multiline(const FieldItem& f, const std::string& shown, const FontFace& face, Page& page) {
  const double room = f.w - 2 * kFieldPadding;
  auto height_of = [&](size_t n, double size) {
    Metrics m = metrics(face, size);
    return kFieldPadding + m.ascent + static_cast<double>(n - 1) * m.leading - m.descent;
  };
  double size = f.font_size > 0 ? f.font_size : 9;
  std::vector<std::string> lines = wrap_value(shown, face, size, room);
  while (size > kSmallestFilledSize && height_of(lines.size(), size) > f.h - kClipInset) {
    size = std::max(kSmallestFilledSize, size - 0.5);
    lines = wrap_value(shown, face, size, room);
  }
  Metrics m = metrics(face, size);
  bool whole = true;
  double baseline = f.y + kFieldPadding + m.ascent;
  for (std::string& line : lines) {
    if (baseline - m.descent > f.y + f.h - kClipInset) {
      whole = false;
      break;
    }
    if (!line.empty()) page.texts.push_back(text_at(f.x + kFieldPadding, baseline, size, std::move(line), face));
    baseline += m.leading;
  }
  return whole;
}

// The appearance's tick (form_fields.cpp checkbox_appearance), in page
// coordinates: y grows downwards from the box's top edge.
void draw_tick(const FieldItem& f, Page& page) {
  double s = std::min(f.w, f.h), ox = (f.w - s) / 2, oy = (f.h - s) / 2;
  auto at = [&](double u, double v) { return std::pair{f.x + ox + u * s, f.y + f.h - (oy + v * s)}; };
  const double width = tick_width(s);
  for (int i = 0; i < 2; ++i) {
    auto [x1, y1] = at(kTickPoints[i][0], kTickPoints[i][1]);
    auto [x2, y2] = at(kTickPoints[i + 1][0], kTickPoints[i + 1][1]);
    page.lines.push_back({x1, y1, x2, y2, width, Color{}});
  }
}

}  // namespace

std::string field_display_text(const std::string& text, bool keep_breaks) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    size_t from = i;
    char32_t cp = next_code_point(text, i);
    if (cp == '\r') {
      if (i < text.size() && text[i] == '\n') ++i;
      cp = '\n';
    }
    if (cp == '\n') out += keep_breaks ? '\n' : ' ';
    else if (cp < 32 || cp == 127) out += ' ';
    else out.append(text, from, i - from);
  }
  return out;
}

std::vector<std::string> wrap_value(const std::string& text, const FontFace& face, double size, double max_width) {
  std::vector<std::string> lines;
  auto fits = [&](std::string_view s) { return face.width(s, size) <= max_width; };
  size_t start = 0;
  while (true) {
    size_t end = text.find('\n', start);
    std::string_view para(text.data() + start, (end == std::string::npos ? text.size() : end) - start);
    std::string line;
    bool any = false;
    size_t pos = 0;
    while (pos <= para.size()) {
      size_t sp = para.find(' ', pos);
      if (sp == std::string_view::npos) sp = para.size();
      std::string word(para.substr(pos, sp - pos));
      std::string candidate = any ? line + " " + word : word;
      if (!any || fits(candidate)) {
        line = std::move(candidate);
      } else {
        lines.push_back(std::move(line));
        line = std::move(word);
      }
      any = true;
      // a line still too wide breaks between characters (at least one per line)
      while (!fits(line)) {
        size_t cut = fitting_prefix(line, face, size, max_width);
        if (cut == 0) {
          size_t one = 0;
          next_code_point(line, one);
          cut = one;
        }
        if (cut >= line.size()) break;
        lines.push_back(line.substr(0, cut));
        line.erase(0, cut);
      }
      pos = sp + 1;
    }
    lines.push_back(std::move(line));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return lines;
}

FlattenedPages flatten_fields(std::vector<Page> pages, const FilledValues& values, const FontSet& fonts) {
  FlattenedPages out;
  const FontFace& face = fonts.face(0);
  for (Page& page : pages) {
    for (const FieldItem& f : page.fields) {
      auto filled = values.find(f.name);
      if (filled == values.end()) continue;
      bool whole = true;
      if (f.kind == FieldItem::Kind::checkbox) {
        if (filled->second.checked) draw_tick(f, page);
      } else {
        bool multiline = f.kind == FieldItem::Kind::multiline;
        std::string shown = field_display_text(filled->second.text, multiline);
        if (!shown.empty())
          whole = multiline ? draw_multiline(f, shown, face, page) : draw_single_line(f, shown, face, page);
      }
      if (!whole) out.overflowed.push_back(f.name);
    }
    page.fields.clear();
  }
  out.pages = std::move(pages);
  return out;
}

}  // namespace p2p
