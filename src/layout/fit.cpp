// The one-page rule. Content that overflows first loses type size (down to a
// legible floor), then list items and table rows from the end (each cut
// container followed by a visible "+N more" line), then, last resort, words
// from the longest paragraph. Each step re-runs the whole layout: a brief
// lays out in well under a millisecond, and correctness (no overlap, nothing
// off the page) comes from the one engine instead of an estimate.
#include <algorithm>
#include <functional>
#include <optional>

#include "layout/layout.h"

namespace p2p {

namespace {

bool is_cuttable(const Block& b) { return b.kind == Block::Kind::list || b.kind == Block::Kind::table; }

// A list or table in document order, with how much of it is kept.
struct Cuttable {
  int priority = 0;    // from the template: higher is cut first
  int total = 0;       // items, or body rows for a table
  int kept = 0;
  std::vector<int> removal_order;  // body-row indexes, first removed first
};

int body_rows(const Block& t) {
  int n = 0;
  for (const TableRow& r : t.rows) n += r.header ? 0 : 1;
  return n;
}

void collect(const Blocks& blocks, std::vector<Cuttable>& out) {
  for (const Block& b : blocks) {
    if (b.kind == Block::Kind::table) {
      Cuttable c;
      c.priority = b.cut_priority;
      c.total = c.kept = body_rows(b);
      // unmarked rows go first, from the end; highlighted gaps are kept longest
      std::vector<int> marked;
      int idx = 0;
      for (const TableRow& r : b.rows) {
        if (r.header) continue;
        (r.marked ? marked : c.removal_order).push_back(idx++);
      }
      std::reverse(c.removal_order.begin(), c.removal_order.end());
      c.removal_order.insert(c.removal_order.end(), marked.rbegin(), marked.rend());
      out.push_back(std::move(c));
    } else if (b.kind == Block::Kind::list) {
      Cuttable c;
      c.priority = b.cut_priority;
      c.total = c.kept = static_cast<int>(b.items.size());
      out.push_back(std::move(c));
      for (const Blocks& item : b.items) collect(item, out);
    } else if (b.kind == Block::Kind::quote) {
      collect(b.children, out);
    }
  }
}

Block more_line(int n, bool rows) {
  Block m;
  m.kind = Block::Kind::more;
  m.inlines.push_back({"+" + std::to_string(n) + " more " + (rows ? "rows" : "items") +
                           " not shown (cut to fit one page)",
                       kPlain});
  return m;
}

// Copies `in` with the cuts applied; `next` walks `cuts` in collect() order.
Blocks apply_cuts(const Blocks& in, const std::vector<Cuttable>& cuts, size_t& next) {
  Blocks out;
  for (const Block& b : in) {
    if (b.kind == Block::Kind::quote) {
      Block q = b;
      q.children = apply_cuts(b.children, cuts, next);
      out.push_back(std::move(q));
      continue;
    }
    if (!is_cuttable(b)) {
      out.push_back(b);
      continue;
    }
    const Cuttable& c = cuts[next++];
    Block copy = b;
    if (b.kind == Block::Kind::list) {
      copy.items.clear();
      for (int i = 0; i < static_cast<int>(b.items.size()); ++i) {
        if (i < c.kept) copy.items.push_back(apply_cuts(b.items[i], cuts, next));
        else apply_cuts(b.items[i], cuts, next);  // keep `next` in step with collect()
      }
    } else {
      std::vector<bool> drop(b.rows.size(), false);
      int removed = c.total - c.kept;
      std::vector<int> body_index_to_row;
      for (size_t r = 0; r < b.rows.size(); ++r)
        if (!b.rows[r].header) body_index_to_row.push_back(static_cast<int>(r));
      for (int k = 0; k < removed; ++k) drop[body_index_to_row[c.removal_order[k]]] = true;
      copy.rows.clear();
      for (size_t r = 0; r < b.rows.size(); ++r)
        if (!drop[r]) copy.rows.push_back(b.rows[r]);
    }
    out.push_back(std::move(copy));
    if (c.kept < c.total) out.push_back(more_line(c.total - c.kept, b.kind == Block::Kind::table));
  }
  return out;
}

Blocks with_cuts(const Blocks& blocks, const std::vector<Cuttable>& cuts) {
  size_t next = 0;
  return apply_cuts(blocks, cuts, next);
}

int word_count(const Inlines& in) {
  int n = 0;
  bool in_word = false;
  for (const Span& s : in)
    for (char c : s.text) {
      bool space = c == ' ' || c == '\n';
      if (!space && !in_word) ++n;
      in_word = !space;
    }
  return n;
}

// The first `keep` words of `in`, styles preserved.
Inlines first_words(const Inlines& in, int keep) {
  Inlines out;
  int n = 0;
  bool in_word = false;
  for (const Span& s : in) {
    Span part{"", s.style};
    for (char c : s.text) {
      bool space = c == ' ' || c == '\n';
      if (!space && !in_word && ++n > keep) {
        if (!part.text.empty()) out.push_back(part);
        return out;
      }
      in_word = !space;
      part.text += c;
    }
    if (!part.text.empty()) out.push_back(part);
  }
  return out;
}

// The longest top-level paragraph or quoted paragraph, by words.
Block* longest_paragraph(Blocks& blocks) {
  Block* best = nullptr;
  int best_n = 0;
  std::function<void(Blocks&)> walk = [&](Blocks& bs) {
    for (Block& b : bs) {
      if (b.kind == Block::Kind::paragraph) {
        int n = word_count(b.inlines);
        if (n > best_n) best_n = n, best = &b;
      } else if (b.kind == Block::Kind::quote) {
        walk(b.children);
      } else if (b.kind == Block::Kind::list) {
        for (Blocks& item : b.items) walk(item);
      }
    }
  };
  walk(blocks);
  return best;
}

}  // namespace

LayoutResult layout_one_page(const Blocks& blocks, const PageStyle& style, const FontSet& fonts, double floor_size) {
  PageStyle st = style;
  // 1. the largest size, in half-point steps from body_size down to the
  //    floor, at which the page fits. Fit is monotone in size, so a binary
  //    search finds it in about three layouts instead of up to five.
  std::vector<double> sizes;
  for (double s = style.body_size; s > floor_size - 1e-9; s -= 0.5) sizes.push_back(s);
  st.body_size = sizes.front();
  LayoutResult first = layout_document(blocks, st, fonts);
  if (first.pages.size() == 1) return first;
  size_t lo = 1, hi = sizes.size();  // sizes[lo..hi) still possible
  std::optional<LayoutResult> best;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    st.body_size = sizes[mid];
    LayoutResult r = layout_document(blocks, st, fonts);
    if (r.pages.size() == 1) {
      best = std::move(r);
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  if (best) return *best;
  st.body_size = floor_size;

  // 2. cut lists and tables: the template's priority first, then the one
  //    with the most entries kept
  std::vector<Cuttable> cuts;
  collect(blocks, cuts);
  int cut = 0;
  Blocks current = blocks;
  LayoutResult r;
  for (;;) {
    Cuttable* longest = nullptr;
    for (Cuttable& c : cuts)
      if (c.kept > 1 && (!longest || c.priority > longest->priority ||
                         (c.priority == longest->priority && c.kept > longest->kept)))
        longest = &c;
    if (!longest) break;
    longest->kept -= 1;
    ++cut;
    current = with_cuts(blocks, cuts);
    r = layout_document(current, st, fonts);
    if (r.pages.size() == 1) {
      r.items_cut = cut;
      return r;
    }
  }

  int words_cut = 0;
  // 3. last resort: shorten the longest paragraph (binary search on its words)
  for (int round = 0; round < 8; ++round) {
    Block* p = longest_paragraph(current);
    if (!p) break;
    Inlines original = p->inlines;
    int total = word_count(original);
    if (total <= 12) break;
    int lo = 12, hi = total - 1, best = lo;
    while (lo <= hi) {
      int mid = (lo + hi) / 2;
      p->inlines = first_words(original, mid);
      p->inlines.push_back({" [+" + std::to_string(total - mid) + " words cut to fit one page]", kItalic});
      if (layout_document(current, st, fonts).pages.size() == 1) best = mid, lo = mid + 1;
      else hi = mid - 1;
    }
    p->inlines = first_words(original, best);
    p->inlines.push_back({" [+" + std::to_string(total - best) + " words cut to fit one page]", kItalic});
    words_cut += total - best;
    r = layout_document(current, st, fonts);
    if (r.pages.size() == 1) {
      r.items_cut = cut;
      r.words_cut = words_cut;
      return r;
    }
  }

  // 4. never a second page: drop trailing blocks, saying so
  int dropped = 0;
  while (!current.empty()) {
    current.pop_back();
    ++dropped;
    Blocks shown = current;
    Block m;
    m.kind = Block::Kind::more;
    m.inlines.push_back({"+" + std::to_string(dropped) + " more sections not shown (cut to fit one page)", kPlain});
    shown.push_back(m);
    r = layout_document(shown, st, fonts);
    if (r.pages.size() == 1) break;
  }
  r.items_cut = cut + dropped;
  r.words_cut = words_cut;
  r.pages.resize(1);
  return r;
}

}  // namespace p2p
