// The layout engine: line filling, block placement, tables, page flow,
// letterhead and footer. One Flow walks the blocks top to bottom and starts a
// new page when the next line or table row does not fit; each block kind has
// its own place_* function. Page furniture (letterhead, footer, page numbers)
// is painted last, when the page count is known.
#include "layout/layout.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <span>

namespace p2p {

namespace {

const Color kInk{0.08f, 0.08f, 0.10f};
const Color kMuted{0.38f, 0.38f, 0.42f};
const Color kAccent{0.10f, 0.24f, 0.45f};
const Color kRuleGray{0.65f, 0.65f, 0.68f};
const Color kHeaderFill{0.87f, 0.90f, 0.95f};
const Color kMarkFill{1.00f, 0.86f, 0.60f};
const Color kMarkRowFill{1.00f, 0.95f, 0.85f};
const Color kMarkInk{0.62f, 0.10f, 0.02f};
const Color kQuoteFill{0.95f, 0.95f, 0.96f};
const Color kFieldFill{0.97f, 0.97f, 0.99f};
constexpr size_t kKeepTogetherLines = 8;

// Views into the spans' text: a word is measured and copied only once, when
// it lands on a line.
struct Piece {
  std::string_view text;
  uint8_t style = kPlain;
  bool space_before = false;
  bool hard_break = false;
  double width = 0;   // at the size being laid out (break_lines fills it)
};

// Splits spans into pieces at spaces; a piece glued to the previous one (no
// space between) belongs to the same word, e.g. "**Bob**'s". `extra_style`
// is or-ed into every span's style (bold headings and header cells).
std::vector<Piece> to_pieces(const Inlines& spans, uint8_t extra_style = 0) {
  std::vector<Piece> out;
  bool space = false;
  for (const Span& sp : spans) {
    if (sp.is_break()) {
      out.push_back({"", kPlain, false, true});
      space = false;
      continue;
    }
    size_t i = 0;
    const std::string& t = sp.text;
    while (i < t.size()) {
      if (t[i] == ' ' || t[i] == '\t' || t[i] == '\n') {
        space = true;
        ++i;
        continue;
      }
      size_t j = i;
      while (j < t.size() && t[j] != ' ' && t[j] != '\t' && t[j] != '\n') ++j;
      out.push_back({std::string_view(t).substr(i, j - i), static_cast<uint8_t>(sp.style | extra_style), space, false});
      space = false;
      i = j;
    }
  }
  return out;
}

double piece_width(const Piece& p, double size, const FontSet& fonts) {
  return fonts.face(font_index(p.style)).width(p.text, size);
}

// The width of a space in each face at one size, measured once per paragraph.
struct SpaceWidths {
  double size;
  const FontSet& fonts;
  double width[4] = {-1, -1, -1, -1};
  double of(uint8_t style) {
    double& w = width[font_index(style)];
    if (w < 0) w = fonts.face(font_index(style)).width(" ", size);
    return w;
  }
};

// Appends text of width `w` at x to the line, merging with the previous run
// when the style is the same and the runs touch (fewer text items, smaller PDF).
void emit(Line& line, std::string_view text, double w, uint8_t style, double x, SpaceWidths& spaces,
          bool with_space) {
  if (!line.runs.empty() && line.runs.back().style == style) {
    LineRun& last = line.runs.back();
    if (with_space) {
      last.text += ' ';
      last.width += spaces.of(style);
    }
    last.text += text;
    last.width += w;  // advances add up exactly: no kerning
  } else {
    line.runs.push_back({std::string(text), style, x, w});
  }
  line.width = line.runs.back().x + line.runs.back().width;
}

// Breaks one over-long word between characters: the first part fills
// `first_room`, the others `max`. The first part is empty when not even one
// character fits in `first_room` (the word then starts on the next line).
// One pass adding advances in font units, so that each comparison is the one
// FontFace::width would make on the part: linear in the word's length.
std::vector<std::string_view> split_word(std::string_view word, const FontFace& f, double size, double max,
                                    double first_room) {
  std::vector<std::string_view> parts;
  auto width = [&](long long units) { return static_cast<double>(units) * size / f.units_per_em(); };
  size_t start = 0;
  long long units = 0;
  double room = first_room;
  size_t i = 0;
  while (i < word.size()) {
    size_t at = i;
    int advance = f.advance(next_code_point(word, i));
    bool may_break = at > start || (parts.empty() && first_room < max);
    if (may_break && width(units + advance) > room) {
      parts.push_back(word.substr(start, at - start));
      start = at;
      units = 0;
      room = max;
    }
    units += advance;
  }
  parts.push_back(word.substr(start));
  return parts;
}

}  // namespace

int font_index(uint8_t style) {
  int i = 0;
  if (style & (kBold | kMark)) i |= 1;
  if (style & kItalic) i |= 2;
  return i;
}

namespace {

std::vector<Line> break_styled(const Inlines& spans, uint8_t extra_style, double max_width, double size,
                               const FontSet& fonts) {
  std::vector<Piece> pieces = to_pieces(spans, extra_style);
  SpaceWidths spaces{size, fonts};
  std::vector<Line> lines(1);
  size_t i = 0;
  while (i < pieces.size()) {
    if (pieces[i].hard_break) {
      lines.emplace_back();
      ++i;
      continue;
    }
    // a word: pieces up to the next space or break
    size_t j = i + 1;
    while (j < pieces.size() && !pieces[j].hard_break && !pieces[j].space_before) ++j;
    double w = 0;
    for (size_t k = i; k < j; ++k) w += pieces[k].width = piece_width(pieces[k], size, fonts);
    Line* line = &lines.back();
    bool first = line->runs.empty();
    double space = first ? 0 : spaces.of(pieces[i].style);
    if (!first && line->width + space + w > max_width) {
      lines.emplace_back();
      line = &lines.back();
      first = true;
      space = 0;
    }
    if (w > max_width) {
      // wider than a whole line (a long ID or URL, perhaps glued to
      // punctuation in another style): break between characters
      for (size_t k = i; k < j; ++k) {
        const FontFace& f = fonts.face(font_index(pieces[k].style));
        auto parts = split_word(pieces[k].text, f, size, max_width, max_width - line->width);
        for (size_t p = 0; p < parts.size(); ++p) {
          if (p > 0) {
            lines.emplace_back();
            line = &lines.back();
          }
          if (!parts[p].empty()) emit(*line, parts[p], f.width(parts[p], size), pieces[k].style, line->width, spaces, false);
        }
      }
      i = j;
      continue;
    }
    double x = line->width + space;
    for (size_t k = i; k < j; ++k) {
      emit(*line, pieces[k].text, pieces[k].width, pieces[k].style, x, spaces, k == i && !first);
      x = line->width;
    }
    i = j;
  }
  if (lines.size() > 1 && lines.back().runs.empty()) lines.pop_back();
  return lines;
}

}  // namespace

std::vector<Line> break_lines(const Inlines& spans, double max_width, double size, const FontSet& fonts) {
  return break_styled(spans, 0, max_width, size, fonts);
}

// --- LineCache ------------------------------------------------------------
uint64_t LineCache::hash_of(const Inlines& spans, uint8_t extra_style, double width, double size) {
  auto mix = [](uint64_t h, uint64_t v) { return (h ^ v) * 0x100000001b3ULL + (h >> 29); };
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const Span& sp : spans) h = mix(mix(h, std::hash<std::string_view>{}(sp.text)), sp.style);
  uint64_t w, z;
  std::memcpy(&w, &width, sizeof w);
  std::memcpy(&z, &size, sizeof z);
  return mix(mix(mix(h, extra_style), w), z);
}

LineCache::Key LineCache::key_of(const Inlines& spans, uint8_t extra_style, double width, double size) {
  Key k{{}, extra_style, width, size};
  for (const Span& sp : spans) {
    uint64_t n = sp.text.size();
    k.spans += static_cast<char>(sp.style);
    k.spans.append(reinterpret_cast<const char*>(&n), sizeof n);
    k.spans += sp.text;
  }
  return k;
}

bool LineCache::matches(const Key& key, const Inlines& spans, uint8_t extra_style, double width, double size) {
  if (key.extra_style != extra_style || key.width != width || key.size != size) return false;
  std::string_view rest = key.spans;
  for (const Span& sp : spans) {
    uint64_t n = sp.text.size();
    if (rest.size() < 1 + sizeof n + n || rest[0] != static_cast<char>(sp.style) ||
        std::memcmp(rest.data() + 1, &n, sizeof n) != 0 ||
        std::memcmp(rest.data() + 1 + sizeof n, sp.text.data(), n) != 0)
      return false;
    rest.remove_prefix(1 + sizeof n + n);
  }
  return rest.empty();
}

void LineCache::check_fonts(const FontSet& fonts) {
  if (fonts_ == fonts.faces[0].get()) return;
  lines_.clear();
  cells_.clear();
  fonts_ = fonts.faces[0].get();
}

const std::vector<Line>& LineCache::lines(const Inlines& spans, uint8_t extra_style, double max_width, double size,
                                          const FontSet& fonts) {
  if (!remembering()) return kept_.emplace_back(break_styled(spans, extra_style, max_width, size, fonts));
  check_fonts(fonts);
  uint64_t h = hash_of(spans, extra_style, max_width, size);
  auto [from, to] = lines_.equal_range(h);
  for (auto it = from; it != to; ++it)
    if (matches(it->second.key, spans, extra_style, max_width, size)) {
      ++hits_;
      return it->second.value;
    }
  ++misses_;
  auto at = lines_.emplace(h, Entry<std::vector<Line>>{key_of(spans, extra_style, max_width, size),
                                                       break_styled(spans, extra_style, max_width, size, fonts)});
  return at->second.value;
}

LineCache::CellWidths LineCache::cell_widths(const Inlines& spans, uint8_t extra_style, double size,
                                             const FontSet& fonts) {
  auto measure = [&] {
    CellWidths cw;
    double space = fonts.face(0).width(" ", size);
    for (const Piece& p : to_pieces(spans, extra_style)) {
      double w = piece_width(p, size, fonts);
      cw.widest_word = std::max(cw.widest_word, w);
      cw.one_line += w + (p.space_before ? space : 0);
    }
    return cw;
  };
  if (!remembering()) return measure();
  check_fonts(fonts);
  uint64_t h = hash_of(spans, extra_style, 0, size);
  auto [from, to] = cells_.equal_range(h);
  for (auto it = from; it != to; ++it)
    if (matches(it->second.key, spans, extra_style, 0, size)) {
      ++hits_;
      return it->second.value;
    }
  ++misses_;
  CellWidths cw = measure();
  cells_.emplace(h, Entry<CellWidths>{key_of(spans, extra_style, 0, size), cw});
  return cw;
}

Block cut_note(int hidden, bool rows) {
  Block m;
  m.kind = Block::Kind::more;
  m.inlines.push_back({"+" + std::to_string(hidden) + " more " + (rows ? "rows" : "items") +
                           " not shown (cut to fit one page)",
                       kPlain});
  return m;
}

namespace {

// --- the letterhead ---------------------------------------------------------
constexpr double kNameSize = 15, kNameFloor = 8;       // practice name, bold
constexpr double kLineSize = 7.5, kLineFloor = 6;      // address lines, regular
constexpr double kLetterheadGap = 12;                  // between name and address block

// The letterhead as it will be drawn: each line of the name and of the
// address block with its size, and the height it takes above the rule.
struct LetterheadFit {
  std::vector<Line> name;       // usually one line
  double name_size = kNameSize;
  double name_height = 0;
  std::vector<Line> right;      // right-aligned
  std::vector<size_t> right_source;  // index into Letterhead::lines per line of `right`
  double line_size = kLineSize;
  double height = 0;            // 0 without a letterhead
  Diagnostics problems;
};

Line one_line(const std::string& text, uint8_t style, double size, const FontSet& fonts) {
  Line l;
  double w = fonts.face(font_index(style)).width(text, size);
  l.runs.push_back({text, style, 0, w});
  l.width = w;
  return l;
}

std::string field_or_letterhead(const std::vector<std::string>& fields, size_t i) {
  return i < fields.size() && !fields[i].empty() ? fields[i] : "/practice";
}

// Shrinks, then wraps, each side of the letterhead; the address block may
// take up to half the width, the name what the address block leaves.
// Wrapped lines come from `cache`: the one-page rule's tries all draw the
// same letterhead.
LetterheadFit fit_letterhead(const PageStyle& style, const FontSet& fonts, LineCache& cache) {
  const Letterhead& lh = style.letterhead;
  LetterheadFit fit;
  if (lh.name.empty() && lh.lines.empty()) return fit;
  const FontFace& reg = fonts.face(0);
  const FontFace& bold = fonts.face(1);
  double avail = style.width - 2 * style.margin_x;
  double right_max = avail / 2;

  double widest = 0;
  for (const std::string& l : lh.lines) widest = std::max(widest, reg.width(l, kLineSize));
  if (widest > right_max) fit.line_size = std::max(kLineFloor, kLineSize * right_max / widest);
  double right_w = 0;
  for (size_t i = 0; i < lh.lines.size(); ++i) {
    auto wrapped = reg.width(lh.lines[i], fit.line_size) <= right_max + 1e-6
                       ? std::vector<Line>{one_line(lh.lines[i], kPlain, fit.line_size, fonts)}
                       : cache.lines({{lh.lines[i], kPlain}}, kPlain, right_max, fit.line_size, fonts);
    for (Line& l : wrapped) {
      right_w = std::max(right_w, l.width);
      fit.right.push_back(std::move(l));
      fit.right_source.push_back(i);
    }
  }

  // the name gets what the address block leaves; long names shrink, then wrap
  double room = avail - right_w - kLetterheadGap;
  double nw = bold.width(lh.name, kNameSize);
  if (nw > room) fit.name_size = std::max(kNameFloor, kNameSize * room / nw);
  if (bold.width(lh.name, fit.name_size) <= room + 1e-6)
    fit.name.push_back(one_line(lh.name, kBold, fit.name_size, fonts));
  else
    fit.name = cache.lines({{lh.name, kBold}}, kPlain, room, fit.name_size, fonts);
  fit.name_height = std::max(kNameSize * 1.25, fit.name.size() * fit.name_size * 1.25);
  double right_height = fit.right.size() * fit.line_size * 1.25;
  fit.height = std::max(fit.name_height, right_height) + 4;
  if (fit.height <= kMaxLetterheadHeight) return fit;

  auto characters = [](const std::string& t) {
    return std::count_if(t.begin(), t.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
  };
  auto too_long = [&](const std::string& field, const std::string& what, const std::string& text, double size) {
    fit.problems.push_back(error_at(field, what + " (" + std::to_string(characters(text)) +
                                           " characters) does not fit the letterhead "
                                           "even at " + std::to_string(static_cast<int>(size)) +
                                           " pt on several lines; shorten it"));
  };
  if (fit.name_height + 4 > kMaxLetterheadHeight)
    too_long(lh.name_field.empty() ? "/practice/name" : lh.name_field, "the practice name", lh.name,
             fit.name_size);
  if (right_height + 4 > kMaxLetterheadHeight) {
    // name the line that wrapped the most: shortening it helps most
    std::vector<int> count(lh.lines.size(), 0);
    for (size_t src : fit.right_source) ++count[src];
    size_t worst = std::max_element(count.begin(), count.end()) - count.begin();
    if (count[worst] > 1)
      too_long(field_or_letterhead(lh.line_fields, worst), "this letterhead line", lh.lines[worst],
               fit.line_size);
    else
      fit.problems.push_back(error_at("/practice", "the letterhead has " + std::to_string(lh.lines.size()) +
                                                       " lines, more than fit above the page's text"));
  }
  return fit;
}

// Horizontal extent available to a block (narrows inside lists and quotes).
struct Column {
  double x = 0, w = 0;
};

class Flow {
 public:
  Flow(const PageStyle& style, const FontSet& fonts, size_t page_limit, LineCache& cache, const Cuts* cuts)
      : style_(style),
        fonts_(fonts),
        letterhead_(fit_letterhead(style, fonts, cache)),
        page_limit_(page_limit),
        cache_(cache),
        cuts_(cuts) {
    s_ = style.body_size;
    top_ = style.margin_top + letterhead_.height + 10;
    bottom_ = style.height - style.margin_bottom - footer_height();
    new_page();
  }

  bool overflowed() const { return overflowed_; }
  const Diagnostics& letterhead_problems() const { return letterhead_.problems; }

  std::vector<Page> finish() {
    for (size_t i = 0; i < pages_.size(); ++i) paint_furniture(pages_[i], static_cast<int>(i) + 1,
                                                               static_cast<int>(pages_.size()));
    return std::move(pages_);
  }

  void place_blocks(const Blocks& blocks, Column col) {
    for (size_t i = 0; i < blocks.size(); ++i) {
      if (overflowed_) return;
      if (is_checkbox(blocks[i])) {
        size_t j = i;
        while (j < blocks.size() && is_checkbox(blocks[j])) ++j;
        place_checkboxes(blocks, i, j, col);
        i = j - 1;
        continue;
      }
      const Block* next = i + 1 < blocks.size() ? &blocks[i + 1] : nullptr;
      size_t mark = cache_.mark();
      place_block(blocks[i], col, next);
      cache_.release(mark);  // nothing refers to this block's lines any more
    }
  }

 private:
  double line_height(double size) const { return size * style_.line_spacing; }

  double baseline_offset(double size) const {
    const FontFace& f = fonts_.face(0);
    double asc = static_cast<double>(f.ascent()) / f.units_per_em();
    double desc = -static_cast<double>(f.descent()) / f.units_per_em();
    return (line_height(size) - (asc + desc) * size) / 2 + asc * size;
  }

  double footer_height() const { return 7 * 1.3 + 6; }

  void new_page() {
    // past the limit the caller only wants to know that it overflowed: the
    // walks below stop at once (the page is still added so that every
    // reference to the current page stays valid)
    if (pages_.size() >= page_limit_) overflowed_ = true;
    Page p;
    p.width = style_.width;
    p.height = style_.height;
    pages_.push_back(std::move(p));
    y_ = top_;
  }
  Page& page() { return pages_.back(); }

  // Moves to a new page when `h` more points do not fit; never on an empty page.
  void ensure(double h) {
    if (y_ + h > bottom_ + 0.01 && y_ > top_ + 0.01) new_page();
  }

  void paint_line(const Line& line, double x, double size, Color color, bool mark_backgrounds = true) {
    double base = y_ + baseline_offset(size);
    for (const LineRun& r : line.runs) {
      Color c = (r.style & kMark) ? kMarkInk : color;
      if ((r.style & kMark) && mark_backgrounds)
        page().rects.push_back({x + r.x - 1.5, y_ + 0.5, r.width + 3, line_height(size) - 1, kMarkFill});
      page().texts.push_back({x + r.x, base, font_index(r.style), size, r.text, c, r.width});
    }
  }

  void place_lines(std::span<const Line> lines, Column col, double size, Color color, Align align = Align::left) {
    for (const Line& line : lines) {
      if (overflowed_) return;
      ensure(line_height(size));
      double x = col.x;
      if (align == Align::right) x += col.w - line.width;
      if (align == Align::center) x += (col.w - line.width) / 2;
      paint_line(line, x, size, color);
      y_ += line_height(size);
    }
  }

  void place_block(const Block& b, Column col, const Block* next) {
    switch (b.kind) {
      case Block::Kind::paragraph: {
        std::span<const Line> lines = cache_.lines(b.inlines, kPlain, col.w, s_, fonts_);
        double carry = carried_height(next, col);
        // a short paragraph (a signature block, an address) is never split
        // across pages; a long one may be, and then its last two lines go
        // with a block that keeps with it
        if (lines.size() <= kKeepTogetherLines) {
          ensure(lines.size() * line_height(s_) + carry);
          place_lines(lines, col, s_, kInk);
        } else if (carry > 0) {
          place_lines(lines.first(lines.size() - 2), col, s_, kInk);
          ensure(2 * line_height(s_) + carry);
          place_lines(lines.last(2), col, s_, kInk);
        } else {
          place_lines(lines, col, s_, kInk);
        }
        y_ += 0.45 * s_;
        break;
      }
      case Block::Kind::more: {
        place_lines(cache_.lines(b.inlines, kItalic, col.w, s_ * 0.95, fonts_), col, s_ * 0.95, kMuted);
        y_ += 0.45 * s_;
        break;
      }
      case Block::Kind::heading:
        place_heading(b, col, next);
        break;
      case Block::Kind::list: {
        // a cut list is followed by its note, never by a block kept with it
        const Cut* cut = cut_of(b);
        place_list(b, col, cut ? 0 : carried_height(next, col), cut ? cut->items : b.items.size());
        if (cut) place_cut_note(*cut, false, col);
        break;
      }
      case Block::Kind::table: {
        const Cut* cut = cut_of(b);
        place_table(b, col, cut);
        if (cut) place_cut_note(*cut, true, col);
        break;
      }
      case Block::Kind::rule:
        ensure(0.8 * s_);
        page().lines.push_back({col.x, y_ + 0.3 * s_, col.x + col.w, y_ + 0.3 * s_, 0.6, kRuleGray});
        y_ += 0.8 * s_;
        break;
      case Block::Kind::quote:
        place_quote(b, col);
        break;
      case Block::Kind::code:
        place_lines(cache_.lines(b.inlines, kPlain, col.w, s_ * 0.9, fonts_), col, s_ * 0.9, kInk);
        y_ += 0.45 * s_;
        break;
      case Block::Kind::field:
        if (is_checkbox(b)) {
          Blocks one{b};
          place_checkboxes(one, 0, 1, col);
        } else {
          place_field(b, col);
        }
        break;
    }
  }

  // The entries of `b` left out, if it is a cut list or table.
  const Cut* cut_of(const Block& b) const {
    if (!cuts_) return nullptr;
    auto it = cuts_->find(&b);
    return it != cuts_->end() && it->second.hidden > 0 ? &it->second : nullptr;
  }

  void place_cut_note(const Cut& cut, bool rows, Column col) {
    if (overflowed_) return;
    place_block(cut_note(cut.hidden, rows), col, nullptr);
  }

  static bool is_checkbox(const Block& b) { return b.kind == Block::Kind::field && b.field.type == "checkbox"; }

  // A text field: its label, then a box the PDF makes fillable. The box is
  // drawn as ordinary lines so the form also works printed blank.
  void place_field(const Block& b, Column col) {
    const FieldSpec& f = b.field;
    double label_size = 0.85 * s_;
    auto label = break_lines({{f.label, kBold}}, col.w, label_size, fonts_);
    double box_h = std::max(1, f.lines) * line_height(s_) + 0.5 * s_;
    ensure(label.size() * line_height(label_size) + box_h);
    place_lines(label, col, label_size, kMuted);
    y_ += 0.1 * s_;
    page().rects.push_back({col.x, y_, col.w, box_h, kFieldFill});
    add_box_outline(col.x, y_, col.w, box_h);
    FieldItem item;
    item.kind = f.type == "multiline" || f.lines > 1 ? FieldItem::Kind::multiline : FieldItem::Kind::text;
    item.name = f.name;
    item.label = f.label;
    item.x = col.x;
    item.y = y_;
    item.w = col.w;
    item.h = box_h;
    item.value = f.value;
    item.font_size = s_;
    page().fields.push_back(item);
    y_ += box_h + 0.55 * s_;
  }

  void add_box_outline(double x, double y, double w, double h) {
    auto& L = page().lines;
    L.push_back({x, y, x + w, y, 0.5, kRuleGray});
    L.push_back({x + w, y, x + w, y + h, 0.5, kRuleGray});
    L.push_back({x + w, y + h, x, y + h, 0.5, kRuleGray});
    L.push_back({x, y + h, x, y, 0.5, kRuleGray});
  }

  // Consecutive checkboxes flow in a row (wrapping), each a square and its label.
  void place_checkboxes(const Blocks& blocks, size_t from, size_t to, Column col) {
    double box = 0.95 * s_, gap = 0.4 * s_, spacing = 1.4 * s_;
    double lh = line_height(s_);
    double x = col.x;
    ensure(lh);
    for (size_t i = from; i < to; ++i) {
      const FieldSpec& f = blocks[i].field;
      double label_w = fonts_.face(0).width(f.label, s_);
      double need = box + gap + std::min(label_w, col.w - box - gap);
      if (x > col.x && x + need > col.x + col.w) {
        x = col.x;
        y_ += lh + 0.25 * s_;
        ensure(lh);
      }
      double top = y_ + (lh - box) / 2;
      page().rects.push_back({x, top, box, box, kFieldFill});
      add_box_outline(x, top, box, box);
      FieldItem item;
      item.kind = FieldItem::Kind::checkbox;
      item.name = f.name;
      item.label = f.label;
      item.x = x;
      item.y = top;
      item.w = box;
      item.h = box;
      bool ticked = !f.value.empty() && f.value != "false" && f.value != "no" && f.value != "Off";
      item.value = ticked ? "Yes" : "";
      item.font_size = s_;
      page().fields.push_back(item);
      auto lines = break_lines({{f.label, kPlain}}, col.x + col.w - (x + box + gap), s_, fonts_);
      double used = 0;
      for (size_t k = 0; k < lines.size(); ++k) {
        if (k > 0) y_ += lh;
        paint_line(lines[k], x + box + gap, s_, kInk);
        used = std::max(used, lines[k].width);
      }
      x += box + gap + used + spacing;
    }
    y_ += lh + 0.55 * s_;
  }

  // The height of a short paragraph that keeps with the block before it
  // (`keep_with_previous`: a letter's closing and signature), plus the gap
  // before it; 0 for any other next block. The block before reserves it
  // with its own last lines, so a signature never opens a page alone.
  double carried_height(const Block* next, Column col) {
    if (!next || !next->keep_with_previous || next->kind != Block::Kind::paragraph) return 0;
    size_t n = cache_.lines(next->inlines, kPlain, col.w, s_, fonts_).size();
    return n <= kKeepTogetherLines ? n * line_height(s_) + 0.45 * s_ : 0;
  }

  // The height that must stay on the page after a heading for `next` to
  // start there (a short paragraph never splits, so all of it).
  double first_unit_height(const Block& next, Column col) {
    if (next.kind == Block::Kind::paragraph) {
      size_t n = cache_.lines(next.inlines, kPlain, col.w, s_, fonts_).size();
      if (n <= kKeepTogetherLines) return n * line_height(s_);
    }
    return line_height(s_) * 2;
  }

  void place_heading(const Block& b, Column col, const Block* next) {
    double size = b.level == 1 ? 1.55 * s_ : b.level == 2 ? 1.08 * s_ : s_;
    double before = b.level == 1 ? 0.1 * s_ : b.level == 2 ? 0.35 * s_ : 0.25 * s_;
    const std::vector<Line>& lines = cache_.lines(b.inlines, kBold, col.w, size, fonts_);
    // keep the heading with what follows it: the whole of a paragraph that is
    // itself kept together, else its first two lines
    double need = before + lines.size() * line_height(size);
    // measuring the next paragraph only matters near the page foot
    if (next && y_ + need + kKeepTogetherLines * line_height(s_) > bottom_) need += first_unit_height(*next, col);
    ensure(need);
    if (y_ > top_ + 0.01) y_ += before;
    place_lines(lines, col, size, b.level <= 2 ? kAccent : kInk);
    if (b.level == 2) {
      page().lines.push_back({col.x, y_ + 0.5, col.x + col.w, y_ + 0.5, 0.6, kAccent});
      y_ += 0.3 * s_;
    } else {
      y_ += 0.15 * s_;
    }
  }

  // `carry`: the height of a block that keeps with this list's end; the
  // last item then goes to the next page with it when both do not fit.
  // Only the first `shown` items are placed (the others are cut).
  void place_list(const Block& b, Column col, double carry, size_t shown) {
    double indent = 1.25 * s_;
    int number = b.start;
    for (size_t k = 0; k < shown; ++k) {
      const Blocks& item = b.items[k];
      if (overflowed_) return;
      std::string marker = b.ordered ? std::to_string(number++) + "." : "\xE2\x80\xA2";  // U+2022 bullet
      Column inner{col.x + indent, col.w - indent};
      ensure(line_height(s_));
      if (carry > 0 && k + 1 == shown) ensure(item_height(item, inner) + carry);
      double marker_w = fonts_.face(0).width(marker, s_);
      double mx = b.ordered ? col.x + indent - 0.35 * s_ - marker_w : col.x + 0.35 * s_;
      page().texts.push_back({mx, y_ + baseline_offset(s_), 0, s_, marker, kInk, marker_w});
      double before = y_;
      size_t page_before = pages_.size();
      place_item_blocks(item, inner);
      // the marker belongs to the item's first line; if that line moved to a
      // new page, move the marker with it
      if (pages_.size() != page_before && !item.empty()) {
        Page& old = pages_[page_before - 1];
        if (!old.texts.empty() && old.texts.back().text == marker && old.texts.back().baseline > before) {
          TextItem t = old.texts.back();
          old.texts.pop_back();
          t.baseline = top_ + baseline_offset(s_);
          page().texts.push_back(t);
        }
      }
    }
    y_ += 0.3 * s_;
  }

  // An item of one paragraph: its lines; anything else: two lines (its start).
  double item_height(const Blocks& item, Column col) {
    if (item.size() == 1 && item[0].kind == Block::Kind::paragraph)
      return cache_.lines(item[0].inlines, kPlain, col.w, s_, fonts_).size() * line_height(s_) + 0.12 * s_;
    return 2 * line_height(s_);
  }

  // List items are tight: paragraphs inside an item get a small gap only.
  void place_item_blocks(const Blocks& blocks, Column col) {
    for (size_t i = 0; i < blocks.size(); ++i) {
      if (overflowed_) return;
      const Block& b = blocks[i];
      if (b.kind == Block::Kind::paragraph) {
        place_lines(cache_.lines(b.inlines, kPlain, col.w, s_, fonts_), col, s_, kInk);
        y_ += 0.12 * s_;
      } else {
        place_block(b, col, i + 1 < blocks.size() ? &blocks[i + 1] : nullptr);
      }
    }
  }

  void place_quote(const Block& b, Column col) {
    double pad = 0.5 * s_;
    Column inner{col.x + pad + 2.5, col.w - 2 * pad - 2.5};
    ensure(line_height(s_) + pad);
    size_t first_page = pages_.size() - 1;
    double y0 = y_;
    y_ += pad * 0.6;
    size_t first_rect = page().rects.size();
    place_item_blocks(b.children, inner);
    y_ += pad * 0.4;
    // background and bar, per page the quote touches
    for (size_t p = first_page; p < pages_.size(); ++p) {
      double top = p == first_page ? y0 : top_;
      double bot = p + 1 == pages_.size() ? y_ : bottom_;
      auto& rects = pages_[p].rects;
      size_t at = p == first_page ? first_rect : 0;
      rects.insert(rects.begin() + at, {col.x, top, col.w, bot - top, kQuoteFill});
      rects.insert(rects.begin() + at + 1, {col.x, top, 2.5, bot - top, kAccent});
    }
    y_ += 0.45 * s_;
  }

  // --- tables ---------------------------------------------------------------
  static bool shown(const Cut* cut, size_t row) { return !cut || !cut->dropped_rows[row]; }

  // From the rows shown only: a cut table's columns fit what remains of it.
  std::vector<double> column_widths(const Block& t, const Cut* cut, double avail, double pad) {
    size_t n = t.aligns.size();
    std::vector<double> natural(n, 0), minimum(n, 0), header(n, 0);
    for (size_t r = 0; r < t.rows.size(); ++r) {
      if (!shown(cut, r)) continue;
      const TableRow& row = t.rows[r];
      for (size_t c = 0; c < n && c < row.cells.size(); ++c) {
        LineCache::CellWidths cw = cache_.cell_widths(row.cells[c].content, row.header ? kBold : kPlain, s_, fonts_);
        minimum[c] = std::max(minimum[c], cw.widest_word);
        if (row.header) header[c] = std::max(header[c], cw.widest_word);
        natural[c] = std::max(natural[c], cw.one_line);
      }
    }
    double sum_nat = 0, sum_min = 0, sum_head = 0;
    for (size_t c = 0; c < n; ++c) {
      natural[c] += 2 * pad;
      minimum[c] = std::min(minimum[c] + 2 * pad, avail / 2);
      header[c] = std::min(header[c] + 2 * pad, minimum[c]);
      sum_nat += natural[c];
      sum_min += minimum[c];
      sum_head += header[c];
    }
    std::vector<double> w(n);
    if (sum_nat <= avail) {
      for (size_t c = 0; c < n; ++c) w[c] = natural[c] + (avail - sum_nat) * natural[c] / sum_nat;
    } else if (sum_min >= avail && sum_head < avail) {
      // body words must break somewhere; the header's words never do
      // ("Statu / s"): each column keeps its widest header word and the rest
      // of the width goes by how much more its body words want
      for (size_t c = 0; c < n; ++c)
        w[c] = header[c] + (avail - sum_head) * (minimum[c] - header[c]) / (sum_min - sum_head);
    } else if (sum_min >= avail) {
      for (size_t c = 0; c < n; ++c) w[c] = minimum[c] * avail / sum_min;
    } else {
      double flex = sum_nat - sum_min;
      for (size_t c = 0; c < n; ++c) w[c] = minimum[c] + (avail - sum_min) * (natural[c] - minimum[c]) / flex;
    }
    return w;
  }

  void place_table(const Block& t, Column col, const Cut* cut) {
    if (t.aligns.empty()) return;
    double pad = 0.35 * s_, vpad = 0.18 * s_;
    std::vector<double> widths = column_widths(t, cut, col.w, pad);
    const TableRow* header = nullptr;
    for (size_t r = 0; r < t.rows.size(); ++r) {
      if (!shown(cut, r)) continue;
      const TableRow& row = t.rows[r];
      if (overflowed_) return;
      if (row.header) header = &row;
      size_t mark = cache_.mark();
      bool placed = place_row(row, t, col, widths, pad, vpad);
      cache_.release(mark);
      if (placed) continue;
      // the row does not fit: continue on a new page, header row repeated
      new_page();
      if (header && !row.header) place_row(*header, t, col, widths, pad, vpad);
      place_row(row, t, col, widths, pad, vpad);
    }
    page().lines.push_back({col.x, y_, col.x + col.w, y_, 0.6, kRuleGray});
    y_ += 0.55 * s_;
  }

  // Places one row; returns false without placing anything when the row does
  // not fit on this page (the caller continues on a new page).
  bool place_row(const TableRow& row, const Block& t, Column col, const std::vector<double>& widths, double pad,
                 double vpad) {
    static const Inlines kEmpty;
    std::vector<const std::vector<Line>*> cells;
    size_t tallest = 1;
    for (size_t c = 0; c < widths.size(); ++c) {
      const Inlines& it = c < row.cells.size() ? row.cells[c].content : kEmpty;
      cells.push_back(&cache_.lines(it, row.header ? kBold : kPlain, widths[c] - 2 * pad, s_, fonts_));
      tallest = std::max(tallest, cells.back()->size());
    }
    double h = tallest * line_height(s_) + 2 * vpad;
    if (y_ + h > bottom_ + 0.01 && y_ > top_ + 0.01) return false;
    if (row.header) page().rects.push_back({col.x, y_, col.w, h, kHeaderFill});
    if (row.marked) {
      page().rects.push_back({col.x, y_, col.w, h, kMarkRowFill});
      page().rects.push_back({col.x, y_, 2.5, h, kMarkInk});
    }
    page().lines.push_back({col.x, y_, col.x + col.w, y_, row.header ? 0.6 : 0.3, kRuleGray});
    double x = col.x, row_top = y_;
    for (size_t c = 0; c < widths.size(); ++c) {
      y_ = row_top + vpad;
      Align a = t.aligns[c];
      for (const Line& line : *cells[c]) {
        double lx = x + pad;
        if (a == Align::right) lx = x + widths[c] - pad - line.width;
        if (a == Align::center) lx = x + (widths[c] - line.width) / 2;
        paint_line(line, lx, s_, kInk, !row.marked);
        y_ += line_height(s_);
      }
      x += widths[c];
    }
    y_ = row_top + h;
    return true;
  }

  // --- page furniture -----------------------------------------------------
  void paint_furniture(Page& p, int number, int total) {
    double x0 = style_.margin_x, x1 = style_.width - style_.margin_x;
    double y = style_.margin_top;
    if (letterhead_.height > 0) {
      const LetterheadFit& fit = letterhead_;
      double baseline = y + fit.name_size * 0.95;
      for (const Line& line : fit.name) {
        for (const LineRun& r : line.runs)
          p.texts.push_back({x0 + r.x, baseline, 1, fit.name_size, r.text, kAccent, r.width});
        baseline += fit.name_size * 1.25;
      }
      double ly = y + fit.line_size;
      for (const Line& line : fit.right) {
        for (const LineRun& r : line.runs)
          p.texts.push_back({x1 - line.width + r.x, ly, 0, fit.line_size, r.text, kMuted, r.width});
        ly += fit.line_size * 1.25;
      }
      double rule_y = style_.margin_top + fit.height;
      p.lines.push_back({x0, rule_y, x1, rule_y, 1.2, kAccent});
    }
    double fy = style_.height - style_.margin_bottom;
    p.lines.push_back({x0, fy - 7 * 1.3 - 2, x1, fy - 7 * 1.3 - 2, 0.4, kRuleGray});
    const FontFace& reg = fonts_.face(0);
    if (!style_.footer_left.empty())
      p.texts.push_back({x0, fy - 2, 0, 7, style_.footer_left, kMuted, reg.width(style_.footer_left, 7)});
    if (style_.page_numbers) {
      std::string n = "Page " + std::to_string(number) + " of " + std::to_string(total);
      double w = reg.width(n, 7);
      p.texts.push_back({x1 - w, fy - 2, 0, 7, n, kMuted, w});
    }
  }

  const PageStyle& style_;
  const FontSet& fonts_;
  LetterheadFit letterhead_;
  size_t page_limit_;
  LineCache& cache_;
  const Cuts* cuts_;
  bool overflowed_ = false;
  double s_ = 10;
  double top_ = 0, bottom_ = 0, y_ = 0;
  std::vector<Page> pages_;
};

}  // namespace

LayoutResult layout_document(const Blocks& blocks, const PageStyle& style, const FontSet& fonts) {
  return *layout_within(blocks, style, fonts, SIZE_MAX);
}

std::optional<LayoutResult> layout_within(const Blocks& blocks, const PageStyle& style, const FontSet& fonts,
                                          size_t page_limit) {
  LineCache once(LineCache::Reuse::no);
  return layout_within(blocks, style, fonts, page_limit, once);
}

std::optional<LayoutResult> layout_within(const Blocks& blocks, const PageStyle& style, const FontSet& fonts,
                                          size_t page_limit, LineCache& cache, const Cuts* cuts) {
  cache.start_layout();
  Flow flow(style, fonts, page_limit, cache, cuts);
  flow.place_blocks(blocks, Column{style.margin_x, style.width - 2 * style.margin_x});
  if (flow.overflowed()) return std::nullopt;
  LayoutResult r;
  r.diagnostics = flow.letterhead_problems();
  r.pages = flow.finish();
  r.body_size = style.body_size;
  return r;
}

Diagnostics check_letterhead(const PageStyle& style, const FontSet& fonts) {
  LineCache once(LineCache::Reuse::no);
  return fit_letterhead(style, fonts, once).problems;
}

}  // namespace p2p
