// The one-page rule. Content that overflows first loses the blocks a
// template marks optional (kept when at most 1 pt of type size makes room),
// then type size (down to a
// legible floor), then list items and table rows from the end (each cut
// container followed by a visible "+N more" line), then, last resort, text
// from the longest paragraph, then whole trailing sections. Each step
// binary-searches how much to keep, and each try is the real layout (so no
// overlap and nothing off the page come from the one engine, not from an
// estimate) stopped as soon as it spills onto a second page: O(log n) tries
// of O(n) each, where cutting one entry per full re-layout was quadratic.
// The tries share one LineCache (a paragraph or cell is broken into lines
// once per width and size, not once per try) and lay the original blocks
// out through a Cuts view instead of copying them with the cuts applied.
#include <algorithm>
#include <functional>
#include <optional>
#include <queue>

#include "layout/layout.h"

namespace p2p {

namespace {

bool is_cuttable(const Block& b) { return b.kind == Block::Kind::list || b.kind == Block::Kind::table; }

// A list or table in document order, with how much of it is kept.
struct Cuttable {
  const Block* block = nullptr;
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
      c.block = &b;
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
      c.block = &b;
      c.priority = b.cut_priority;
      c.total = c.kept = static_cast<int>(b.items.size());
      out.push_back(std::move(c));
      for (const Blocks& item : b.items) collect(item, out);
    } else if (b.kind == Block::Kind::quote) {
      collect(b.children, out);
    }
  }
}

// The rows of table `b` that `c` leaves out, by index into b.rows.
std::vector<bool> dropped_rows(const Block& b, const Cuttable& c) {
  std::vector<bool> drop(b.rows.size(), false);
  std::vector<int> body_index_to_row;
  for (size_t r = 0; r < b.rows.size(); ++r)
    if (!b.rows[r].header) body_index_to_row.push_back(static_cast<int>(r));
  for (int k = 0; k < c.total - c.kept; ++k) drop[body_index_to_row[c.removal_order[k]]] = true;
  return drop;
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
      std::vector<bool> drop = dropped_rows(b, c);
      copy.rows.clear();
      for (size_t r = 0; r < b.rows.size(); ++r)
        if (!drop[r]) copy.rows.push_back(b.rows[r]);
    }
    out.push_back(std::move(copy));
    if (c.kept < c.total) out.push_back(cut_note(c.total - c.kept, b.kind == Block::Kind::table));
  }
  return out;
}

Blocks with_cuts(const Blocks& blocks, const std::vector<Cuttable>& cuts) {
  size_t next = 0;
  return apply_cuts(blocks, cuts, next);
}

// The same cuts as a view for the layout: what with_cuts would copy.
Cuts view_of(const std::vector<Cuttable>& cuts) {
  Cuts view;
  for (const Cuttable& c : cuts) {
    if (c.kept == c.total) continue;
    Cut& v = view[c.block];
    v.hidden = c.total - c.kept;
    if (c.block->kind == Block::Kind::list) v.items = static_cast<size_t>(c.kept);
    else v.dropped_rows = dropped_rows(*c.block, c);
  }
  return view;
}

// The text of a paragraph as one string, and where each span starts in it.
struct FlatText {
  std::string text;
  std::vector<size_t> span_start;
};

FlatText flatten(const Inlines& in) {
  FlatText f;
  for (const Span& s : in) {
    f.span_start.push_back(f.text.size());
    f.text += s.text;
  }
  return f;
}

bool is_space(char c) { return c == ' ' || c == '\n'; }

// The first `n` bytes of `in` (cut at a code point boundary), styles kept.
Inlines first_bytes(const Inlines& in, const FlatText& flat, size_t n) {
  Inlines out;
  for (size_t k = 0; k < in.size() && flat.span_start[k] < n; ++k) {
    size_t take = std::min(in[k].text.size(), n - flat.span_start[k]);
    out.push_back({in[k].text.substr(0, take), in[k].style});
  }
  return out;
}

// Where the paragraph may be cut, in increasing order: before each word
// after the first kMinWords, and inside a word longer than a line could ever
// be, at any character after its first kLongWord bytes. Kept as runs of
// consecutive byte offsets so that a 10 MB word costs a few bytes here.
// The first cut point is the shortest text we keep.
constexpr int kMinWords = 12;
constexpr size_t kLongWord = 64;  // bytes; an ordinary word is never split

class CutPoints {
 public:
  explicit CutPoints(const std::string& t) : text_(t) {
    int words = 0;
    size_t i = 0;
    while (i < t.size()) {
      while (i < t.size() && is_space(t[i])) ++i;
      if (i == t.size()) break;
      if (++words > kMinWords) add(i, 1);
      size_t start = i;
      while (i < t.size() && !is_space(t[i])) ++i;
      if (i - start > kLongWord) {
        add(start + kLongWord, i - start - kLongWord);
        words = std::max(words, kMinWords);  // what follows a giant word may go
      }
    }
  }
  size_t size() const { return size_; }
  // The offset of the k-th cut point, moved back to a code point start.
  size_t operator[](size_t k) const {
    for (const Run& r : runs_) {
      if (k < r.count) {
        size_t at = r.from + k;
        while (at > 0 && (static_cast<unsigned char>(text_[at]) & 0xC0) == 0x80) --at;
        return at;
      }
      k -= r.count;
    }
    return text_.size();
  }

 private:
  struct Run {
    size_t from, count;
  };
  void add(size_t from, size_t count) {
    runs_.push_back({from, count});
    size_ += count;
  }
  const std::string& text_;
  std::vector<Run> runs_;
  size_t size_ = 0;
};

int words_in(const std::string& t, size_t from) {
  int n = 0;
  bool in_word = from > 0 && !is_space(t[from - 1]);  // a word cut in the middle counts as cut
  if (in_word) ++n;
  for (size_t i = from; i < t.size(); ++i) {
    if (!is_space(t[i]) && !in_word) ++n;
    in_word = !is_space(t[i]);
  }
  return n;
}

// The paragraph shortened to its first `n` bytes, ending in a visible note.
Inlines shortened(const Inlines& in, const FlatText& flat, size_t n) {
  Inlines out = first_bytes(in, flat, n);
  bool mid_word = n > 0 && n < flat.text.size() && !is_space(flat.text[n - 1]) && !is_space(flat.text[n]);
  std::string note = mid_word ? std::to_string(flat.text.size() - n) + " characters"
                              : std::to_string(words_in(flat.text, n)) + " words";
  out.push_back({" [+" + note + " cut to fit one page]", kItalic});
  return out;
}

// The longest paragraph (top level, quoted or in a list), by bytes.
Block* longest_paragraph(Blocks& blocks) {
  Block* best = nullptr;
  size_t best_n = 0;
  std::function<void(Blocks&)> walk = [&](Blocks& bs) {
    for (Block& b : bs) {
      if (b.kind == Block::Kind::paragraph) {
        size_t n = 0;
        for (const Span& s : b.inlines) n += s.text.size();
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

// The order in which entries go: each step takes one from the container of
// highest cut priority, then with the most entries kept, then the first in
// document order; a container keeps at least one entry.
std::vector<int> cut_sequence(const std::vector<Cuttable>& cuts) {
  auto after = [&](const std::pair<int, int>& a, const std::pair<int, int>& b) {  // (kept, index): b goes first?
    const Cuttable &ca = cuts[a.second], &cb = cuts[b.second];
    if (ca.priority != cb.priority) return ca.priority < cb.priority;
    if (a.first != b.first) return a.first < b.first;
    return a.second > b.second;
  };
  std::priority_queue<std::pair<int, int>, std::vector<std::pair<int, int>>, decltype(after)> next(after);
  for (int i = 0; i < static_cast<int>(cuts.size()); ++i)
    if (cuts[i].total > 1) next.push({cuts[i].total, i});
  std::vector<int> order;
  while (!next.empty()) {
    auto [kept, i] = next.top();
    next.pop();
    order.push_back(i);
    if (kept - 1 > 1) next.push({kept - 1, i});
  }
  return order;
}

void keep_after(std::vector<Cuttable>& cuts, const std::vector<int>& order, size_t steps) {
  for (Cuttable& c : cuts) c.kept = c.total;
  for (size_t k = 0; k < steps; ++k) --cuts[order[k]].kept;
}

std::optional<LayoutResult> one_page(const Blocks& blocks, const PageStyle& st, const FontSet& fonts,
                                     LineCache& cache, const Cuts* cuts = nullptr) {
  return layout_within(blocks, st, fonts, 1, cache, cuts);
}

Block more_sections(int n) {
  Block m;
  m.kind = Block::Kind::more;
  std::string text = "+";  // appended, not "+" + ...: gcc 12 warns falsely (-Wrestrict) on that once inlined
  text += std::to_string(n);
  text += " more sections not shown (cut to fit one page)";
  m.inlines.push_back({std::move(text), kPlain});
  return m;
}

LayoutResult fit_one_page(const Blocks& blocks, const PageStyle& style, const FontSet& fonts, double floor_size,
                          LineCache& cache) {
  if (Diagnostics bad = check_letterhead(style, fonts); has_errors(bad)) {
    LayoutResult r;
    r.body_size = style.body_size;
    r.diagnostics = std::move(bad);
    return r;
  }
  PageStyle st = style;
  std::vector<double> sizes;  // half-point steps from body_size down to the floor
  for (double s = style.body_size; s > floor_size - 1e-9; s -= 0.5) sizes.push_back(s);
  st.body_size = sizes.front();
  // 0. context marked optional (the brief's function and findings: useful
  //    in free space, never at the cost of the codes, the denial or the
  //    criteria) is laid out without first; it is added back, the first
  //    blocks first, only where the page then fits at a size no more than
  //    kOptionalShrink half-points below the body size and no smaller than
  //    the one without it needed. A full page therefore costs no extra
  //    layout at all.
  std::vector<size_t> optional;
  for (size_t i = 0; i < blocks.size(); ++i)
    if (blocks[i].optional) optional.push_back(i);
  if (!optional.empty()) {
    constexpr size_t kOptionalShrink = 2;  // at most 1 pt smaller
    Blocks required;
    for (const Block& b : blocks)
      if (!b.optional) required.push_back(b);
    LayoutResult without = fit_one_page(required, style, fonts, floor_size, cache);
    size_t at = 0;  // the index in `sizes` that `without` needed
    while (at + 1 < sizes.size() && sizes[at] > without.body_size + 1e-9) ++at;
    if (without.items_cut > 0 || without.words_cut > 0 || at > kOptionalShrink) return without;
    for (size_t kept = optional.size(); kept > 0; --kept) {
      Blocks some;
      for (size_t i = 0; i < blocks.size(); ++i)
        if (!blocks[i].optional || i <= optional[kept - 1]) some.push_back(blocks[i]);
      for (size_t k = at; k <= kOptionalShrink && k < sizes.size(); ++k) {
        st.body_size = sizes[k];
        if (auto r = one_page(some, st, fonts, cache)) return std::move(*r);
      }
    }
    return without;
  }
  // 1. the largest size at which the page fits. Fit is monotone in size, so
  //    a binary search finds it in about three layouts instead of up to five.
  if (auto first = one_page(blocks, st, fonts, cache)) return std::move(*first);
  size_t lo = 1, hi = sizes.size();  // sizes[lo..hi) still possible
  std::optional<LayoutResult> best;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    st.body_size = sizes[mid];
    if (auto r = one_page(blocks, st, fonts, cache)) {
      best = std::move(r);
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  if (best) return std::move(*best);
  st.body_size = floor_size;

  // 2. cut lists and tables: the fewest steps of cut_sequence after which
  //    the page fits. Each step removes one entry, so fit is monotone in the
  //    number of steps (the "+N more" line appears at the first cut of a
  //    container, in place of at least one entry's line).
  std::vector<Cuttable> cuts;
  collect(blocks, cuts);
  std::vector<int> order = cut_sequence(cuts);
  size_t cut_lo = 1, cut_hi = order.size();
  std::optional<LayoutResult> cut_fit;
  size_t cut_steps = 0;
  while (cut_lo <= cut_hi) {
    size_t mid = (cut_lo + cut_hi) / 2;
    keep_after(cuts, order, mid);
    Cuts view = view_of(cuts);
    if (auto r = one_page(blocks, st, fonts, cache, &view)) {
      cut_fit = std::move(r);
      cut_steps = mid;
      cut_hi = mid - 1;
    } else {
      cut_lo = mid + 1;
    }
  }
  if (cut_fit) {
    cut_fit->items_cut = static_cast<int>(cut_steps);
    return std::move(*cut_fit);
  }
  int cut = static_cast<int>(order.size());
  keep_after(cuts, order, order.size());
  Blocks current = order.empty() ? blocks : with_cuts(blocks, cuts);

  // 3. last resort: shorten the longest paragraph, binary search on the
  //    length kept (at word starts, or inside a word too long for any line)
  int words_cut = 0;
  for (int round = 0; round < 8; ++round) {
    Block* p = longest_paragraph(current);
    if (!p) break;
    Inlines original = p->inlines;
    FlatText flat = flatten(original);
    CutPoints at(flat.text);
    if (at.size() == 0) break;
    size_t a_lo = 1, a_hi = at.size() - 1, keep = 0;  // at[0] is kept whatever happens
    while (a_lo <= a_hi) {
      size_t mid = (a_lo + a_hi) / 2;
      p->inlines = shortened(original, flat, at[mid]);
      if (one_page(current, st, fonts, cache)) keep = mid, a_lo = mid + 1;
      else a_hi = mid - 1;
    }
    p->inlines = shortened(original, flat, at[keep]);
    words_cut += words_in(flat.text, at[keep]);
    if (auto r = one_page(current, st, fonts, cache)) {
      r->items_cut = cut;
      r->words_cut = words_cut;
      return std::move(*r);
    }
  }

  // 4. never a second page: the most leading sections that fit, the rest
  //    replaced by one line saying so
  auto shown = [&](size_t kept) {
    Blocks b(current.begin(), current.begin() + static_cast<std::ptrdiff_t>(kept));
    b.push_back(more_sections(static_cast<int>(current.size() - kept)));
    return b;
  };
  size_t s_lo = 0, s_hi = current.empty() ? 0 : current.size() - 1, kept = 0;
  std::optional<LayoutResult> fit;
  while (s_lo <= s_hi) {
    size_t mid = (s_lo + s_hi) / 2;
    if (auto r = one_page(shown(mid), st, fonts, cache)) {
      fit = std::move(r);
      kept = mid;
      s_lo = mid + 1;
    } else {
      if (mid == 0) break;
      s_hi = mid - 1;
    }
  }
  LayoutResult r = fit ? *fit : layout_document(shown(0), st, fonts);
  r.items_cut = cut + static_cast<int>(current.size() - kept);
  r.words_cut = words_cut;
  r.pages.resize(1);
  return r;
}

}  // namespace

LayoutResult layout_one_page(const Blocks& blocks, const PageStyle& style, const FontSet& fonts, double floor_size) {
  LineCache cache;
  return fit_one_page(blocks, style, fonts, floor_size, cache);
}

}  // namespace p2p
