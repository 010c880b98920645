// Layout stage: Document blocks -> positioned pages (frames). Owns line
// breaking (by each font's own advance widths), block placement, tables with
// wrapped cells, page breaks, the letterhead and footer, and the one-page fit
// rule. It knows nothing about PDF: the pdf stage only paints these frames.
// Coordinates are points, origin at the top-left of the page, y downwards.
// Pure functions of their inputs; thread-safe (FontFace is immutable).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/diagnostic.h"
#include "document/document.h"
#include "text/font_face.h"

namespace p2p {

// The four faces of one family, indexed by the kBold | kItalic bits.
struct FontSet {
  std::shared_ptr<const FontFace> faces[4];  // regular, bold, italic, bold italic
  const FontFace& face(int index) const { return *faces[index & 3]; }
};

struct Color {
  float r = 0, g = 0, b = 0;
  friend bool operator==(const Color&, const Color&) = default;
};

// --- Frames: what the layout produces -----------------------------------
struct TextItem {
  double x = 0, baseline = 0;  // left end of the baseline
  int font = 0;                // index into FontSet
  double size = 10;
  std::string text;            // UTF-8, one run of one font
  Color color;
  double width = 0;            // measured advance; the exporter may check it
};

struct RectItem {
  double x = 0, y = 0, w = 0, h = 0;  // y = top edge
  Color fill;
};

struct LineItem {
  double x1 = 0, y1 = 0, x2 = 0, y2 = 0;
  double width = 0.5;
  Color color;
  // Dash and gap length in points, equal; 0 draws a solid line. Charts use
  // dashes to tell a reference line from a data line without colour, so the
  // page reads the same from a black-and-white printer or a fax.
  double dash = 0;
};

// A fillable form field (AcroForm in the PDF). The layout draws its printed
// look (label, box outline or checkbox square) as ordinary items, so the
// page works on paper too; the field itself is this interactive area.
struct FieldItem {
  enum class Kind : uint8_t { text, multiline, checkbox };
  Kind kind = Kind::text;
  std::string name;            // unique within the document, e.g. "reviewer_name"
  std::string label;           // what the field asks for (tooltip)
  double x = 0, y = 0, w = 0, h = 0;  // y = top edge
  std::string value;           // pre-filled text; checkbox: "Yes" when ticked, "" otherwise
  double font_size = 9;
};

struct Page {
  double width = 612, height = 792;  // US Letter
  std::vector<RectItem> rects;       // painted first (backgrounds)
  std::vector<LineItem> lines;       // then rules and borders
  std::vector<TextItem> texts;       // then text
  std::vector<FieldItem> fields;     // interactive form fields, over everything
};

// --- What the layout is asked to do --------------------------------------
// The letterhead at the top of every page: the practice name at the left,
// its address lines right-aligned beside it. A name too long for its room
// shrinks (15 pt down to 8 pt), then wraps at 8 pt; address lines wider than
// half the page shrink (7.5 pt down to 6 pt), then wrap at 6 pt. A letterhead
// that would still be taller than kMaxLetterheadHeight is an error naming the
// field (see check_letterhead): it is never drawn off the page or over text.
struct Letterhead {
  std::string name;                  // practice name, large, left
  std::vector<std::string> lines;    // address, phone/fax, NPI: small, right-aligned
  // JSON pointers for diagnostics: where `name` and each of `lines` came
  // from ("/practice/name", "/practice/address/0"); missing ones are "".
  std::string name_field;
  std::vector<std::string> line_fields;
};

constexpr double kMaxLetterheadHeight = 72;  // points: one inch above the rule

struct PageStyle {
  double width = 612, height = 792;
  double margin_x = 42, margin_top = 36, margin_bottom = 36;
  double body_size = 10;             // type size of body text; headings scale from it
  double line_spacing = 1.18;        // leading as a multiple of the type size
  Letterhead letterhead;
  std::string footer_left;           // e.g. "Case RSP-2026-00417 - Confidential"
  bool page_numbers = true;          // "Page x of y" at the right of the footer
};

struct LayoutResult {
  std::vector<Page> pages;
  double body_size = 0;              // the size actually used
  int items_cut = 0;                 // list items / table rows replaced by "+N more"
  int words_cut = 0;                 // words cut from over-long paragraphs (last resort)
  // Errors (a letterhead that cannot fit) mean `pages` must not be used.
  Diagnostics diagnostics;
};

// Fails (an error per offending field, with its JSON pointer) when the
// letterhead cannot fit on the page even shrunk and wrapped.
Diagnostics check_letterhead(const PageStyle& style, const FontSet& fonts);

// Lays the blocks out on as many pages as they need. Linear in the size of
// the blocks.
LayoutResult layout_document(const Blocks& blocks, const PageStyle& style, const FontSet& fonts);

// The same layout if it fits on `page_limit` pages; nullopt as soon as it is
// known not to (the rest is not laid out: the one-page rule's cheap test).
std::optional<LayoutResult> layout_within(const Blocks& blocks, const PageStyle& style, const FontSet& fonts,
                                          size_t page_limit);

// The one-page rule of the case brief: lay out at style.body_size; if that
// overflows, drop the blocks marked optional (Block::optional, top level;
// kept while at most 1 pt of type size makes room), then shrink the type in steps down to `floor_size`; if it still
// overflows, cut lists and tables from the end: those the template gives a
// higher cut priority first, then the longest (rows that carry a highlighted
// gap are kept longest), each cut list ending in a visible
// "+N more" line; as a last resort shorten the longest paragraph with a
// visible note, then drop trailing sections. Always returns exactly one page
// (none when the letterhead cannot fit: see `diagnostics`). Each step
// binary-searches how much to keep, so the whole rule costs O(n log n) in
// the size of the blocks.
LayoutResult layout_one_page(const Blocks& blocks, const PageStyle& style, const FontSet& fonts,
                             double floor_size = 8.0);

// --- Line breaking, exposed for tests --------------------------------------
struct LineRun {
  std::string text;
  uint8_t style = kPlain;
  double x = 0, width = 0;  // x relative to the line's start
};
struct Line {
  std::vector<LineRun> runs;
  double width = 0;
};

// Greedy line filling of styled spans into lines of at most `max_width`
// points; a word longer than a line is broken between characters (in one
// pass: linear in its length); hard breaks force a new line.
std::vector<Line> break_lines(const Inlines& spans, double max_width, double size, const FontSet& fonts);

int font_index(uint8_t style);  // kBold/kItalic/kMark bits -> FontSet index

// --- Reuse across layouts (the one-page rule's tries), exposed for tests ----
// Line breaking and cell measuring remembered across layouts of the same
// text: the one-page rule lays the same blocks out a dozen times and most
// tries change only which rows are kept. Keyed by the text and styles
// themselves (plus width and type size), never by address, so a copy, a
// cut or a shortened paragraph can only hit lines of identical text. Meant
// for one FontSet (a different one empties it). Not thread-safe: one cache
// per layout_one_page call; what it returns lives as long as the cache.
// A layout done once (layout_document) uses one that only keeps what it
// returns alive, until release(): keying every text would cost more than
// the few repeats. For the same reason the first layout through a
// remembering cache is not remembered (start_layout counts them): a page
// that fits at the first try, as most do, pays nothing for the cache.
class LineCache {
 public:
  enum class Reuse : uint8_t { yes, no };
  explicit LineCache(Reuse reuse = Reuse::yes) : reuse_(reuse) {}

  // What break_lines(spans with `extra_style` or-ed into every span's style,
  // max_width, size, fonts) returns.
  const std::vector<Line>& lines(const Inlines& spans, uint8_t extra_style, double max_width, double size,
                                 const FontSet& fonts);
  // A table cell's words measured for its column's width: the widest word
  // and the width of the whole text on one line (spaces at the regular
  // face's width).
  struct CellWidths {
    double widest_word = 0, one_line = 0;
  };
  CellWidths cell_widths(const Inlines& spans, uint8_t extra_style, double size, const FontSet& fonts);

  // Reuse::no: the lines handed out since mark() are no longer used (their
  // memory goes back at once, as it did before there was a cache).
  size_t mark() const { return kept_.size(); }
  void release(size_t mark) {
    while (kept_.size() > mark) kept_.pop_back();
  }

  void start_layout() { ++layouts_; }

  size_t hits() const { return hits_; }
  size_t misses() const { return misses_; }

 private:
  struct Key {
    std::string spans;  // each span's style and length, then its text
    uint8_t extra_style = 0;
    double width = 0, size = 0;
  };
  template <class Value>
  struct Entry {
    Key key;
    Value value;
  };
  static uint64_t hash_of(const Inlines& spans, uint8_t extra_style, double width, double size);
  static bool matches(const Key& key, const Inlines& spans, uint8_t extra_style, double width, double size);
  static Key key_of(const Inlines& spans, uint8_t extra_style, double width, double size);
  void check_fonts(const FontSet& fonts);

  // node-based: references handed out stay valid as entries are added
  std::unordered_multimap<uint64_t, Entry<std::vector<Line>>> lines_;
  std::unordered_multimap<uint64_t, Entry<CellWidths>> cells_;
  std::deque<std::vector<Line>> kept_;  // Reuse::no: what was handed out
  Reuse reuse_;
  size_t layouts_ = 0;
  bool remembering() const { return reuse_ == Reuse::yes && layouts_ != 1; }
  const FontFace* fonts_ = nullptr;
  size_t hits_ = 0, misses_ = 0;
};

// The entries a layout leaves out of lists and tables, by block address:
// the one-page rule's cuts applied while laying out the original blocks
// instead of on a copy of them. A cut list shows its first `items` items, a
// cut table the rows not marked in `dropped_rows` (by index into
// Block::rows); each cut container is followed by cut_note(hidden, ...).
struct Cut {
  size_t items = 0;
  std::vector<bool> dropped_rows;
  int hidden = 0;  // entries left out
};
using Cuts = std::unordered_map<const Block*, Cut>;

// The visible line that stands for `hidden` entries cut from a list (rows:
// a table) to fit one page.
Block cut_note(int hidden, bool rows);

// layout_within reusing `cache` across calls and leaving out `cuts` (none:
// nullptr). The result is the one layout_within gives on the blocks with
// the cuts applied (each followed by its cut_note).
std::optional<LayoutResult> layout_within(const Blocks& blocks, const PageStyle& style, const FontSet& fonts,
                                          size_t page_limit, LineCache& cache, const Cuts* cuts = nullptr);

}  // namespace p2p
