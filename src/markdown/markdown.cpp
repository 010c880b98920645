// cmark-gfm AST -> Document. A recursive walk: block nodes become Blocks,
// inline nodes become styled Spans. Adjacent spans of one style are merged
// because cmark splits text around every piece of markup.
#include "markdown/markdown.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <mutex>

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>

namespace p2p {

namespace {

bool type_is(cmark_node* n, const char* name) {
  return std::strcmp(cmark_node_get_type_string(n), name) == 0;
}

std::string literal(cmark_node* n) {
  const char* s = cmark_node_get_literal(n);
  return s ? s : "";
}

void append_span(Inlines& out, std::string text, uint8_t style) {
  if (text.empty()) return;
  if (!out.empty() && out.back().style == style && !out.back().is_break() && text != "\n") {
    out.back().text += text;
    return;
  }
  out.push_back({std::move(text), style});
}

// `mark` carries <mark> state across sibling nodes: the opening and closing
// tags are separate HTML_INLINE nodes around the highlighted text.
void collect_inlines(cmark_node* parent, uint8_t style, uint8_t& mark, Inlines& out) {
  for (cmark_node* n = cmark_node_first_child(parent); n; n = cmark_node_next(n)) {
    switch (cmark_node_get_type(n)) {
      case CMARK_NODE_TEXT:
        append_span(out, literal(n), style | mark);
        break;
      case CMARK_NODE_CODE:
        append_span(out, literal(n), style | mark | kCode);
        break;
      case CMARK_NODE_SOFTBREAK:
        append_span(out, " ", style | mark);
        break;
      case CMARK_NODE_LINEBREAK:
        out.push_back({"\n", kPlain});
        break;
      case CMARK_NODE_EMPH:
        collect_inlines(n, style | kItalic, mark, out);
        break;
      case CMARK_NODE_STRONG:
        collect_inlines(n, style | kBold, mark, out);
        break;
      case CMARK_NODE_HTML_INLINE: {
        std::string tag = literal(n);
        if (tag == "<mark>") mark = kMark;
        if (tag == "</mark>") mark = 0;
        break;  // any other raw HTML is dropped
      }
      default:  // links, images, strikethrough: keep their text
        collect_inlines(n, style, mark, out);
        break;
    }
  }
}

Inlines inlines_of(cmark_node* n) {
  Inlines out;
  uint8_t mark = 0;
  collect_inlines(n, kPlain, mark, out);
  return out;
}

Blocks blocks_of(cmark_node* parent, int depth);

// Template values arrive Markdown-escaped (a backslash before punctuation);
// inside a fenced block Markdown does not remove those, so we do.
std::string unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && std::ispunct(static_cast<unsigned char>(s[i + 1]))) ++i;
    out += s[i];
  }
  return out;
}

Block field_of(const std::string& text) {
  Block b;
  b.kind = Block::Kind::field;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, colon);
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\r')) value.pop_back();
    value = unescape(value);
    if (key == "name") b.field.name = value;
    else if (key == "label") b.field.label = value;
    else if (key == "type") b.field.type = value;
    else if (key == "value") b.field.value = value;
    else if (key == "lines") b.field.lines = std::max(1, std::atoi(value.c_str()));
  }
  return b;
}

Block table_of(cmark_node* table) {
  Block b;
  b.kind = Block::Kind::table;
  int cols = cmark_gfm_extensions_get_table_columns(table);
  const uint8_t* al = cmark_gfm_extensions_get_table_alignments(table);
  for (int i = 0; i < cols; ++i) {
    char a = al ? static_cast<char>(al[i]) : 0;
    b.aligns.push_back(a == 'r' ? Align::right : a == 'c' ? Align::center : Align::left);
  }
  for (cmark_node* r = cmark_node_first_child(table); r; r = cmark_node_next(r)) {
    TableRow row;
    row.header = cmark_gfm_extensions_get_table_row_is_header(r);
    for (cmark_node* c = cmark_node_first_child(r); c; c = cmark_node_next(c)) {
      TableCell cell{inlines_of(c)};
      for (const Span& s : cell.content)
        if (s.style & kMark) row.marked = true;
      row.cells.push_back(std::move(cell));
    }
    row.cells.resize(cols);
    b.rows.push_back(std::move(row));
  }
  return b;
}

// Lists and quotes nest at most this deep. A container deeper than that keeps
// its text but not its indentation: its leaf blocks join the container at the
// limit. Each level narrows the column, so without a bound a few thousand
// "> " (a 35 KB fuzz input) left a column of zero width, a character per line
// and gigabytes of pages; the bound also keeps our recursion shallow.
constexpr int kMaxNesting = 8;

bool is_leaf_block(cmark_node* n) {
  switch (cmark_node_get_type(n)) {
    case CMARK_NODE_PARAGRAPH:
    case CMARK_NODE_HEADING:
    case CMARK_NODE_CODE_BLOCK:
    case CMARK_NODE_THEMATIC_BREAK:
      return true;
    default:
      return type_is(n, "table");
  }
}

void add_block(cmark_node* n, Blocks& out, int depth);

// The leaf blocks under `container`, in document order, without recursion.
void add_flattened(cmark_node* container, Blocks& out) {
  cmark_iter* it = cmark_iter_new(container);
  for (cmark_event_type ev; (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE;) {
    cmark_node* n = cmark_iter_get_node(it);
    if (ev == CMARK_EVENT_ENTER && n != container && is_leaf_block(n)) add_block(n, out, kMaxNesting);
  }
  cmark_iter_free(it);
}

void add_block(cmark_node* n, Blocks& out, int depth) {
  cmark_node_type type = cmark_node_get_type(n);
  if ((type == CMARK_NODE_LIST || type == CMARK_NODE_BLOCK_QUOTE) && depth >= kMaxNesting) {
    add_flattened(n, out);
    return;
  }
  Block b;
  switch (cmark_node_get_type(n)) {
    case CMARK_NODE_PARAGRAPH:
      b.inlines = inlines_of(n);
      if (b.inlines.empty()) return;  // e.g. a paragraph of dropped HTML
      break;
    case CMARK_NODE_HEADING:
      b.kind = Block::Kind::heading;
      b.level = cmark_node_get_heading_level(n);
      b.inlines = inlines_of(n);
      break;
    case CMARK_NODE_LIST:
      b.kind = Block::Kind::list;
      b.ordered = cmark_node_get_list_type(n) == CMARK_ORDERED_LIST;
      b.start = cmark_node_get_list_start(n);
      for (cmark_node* item = cmark_node_first_child(n); item; item = cmark_node_next(item))
        b.items.push_back(blocks_of(item, depth + 1));
      break;
    case CMARK_NODE_BLOCK_QUOTE:
      b.kind = Block::Kind::quote;
      b.children = blocks_of(n, depth + 1);
      break;
    case CMARK_NODE_CODE_BLOCK:
      if (const char* info = cmark_node_get_fence_info(n); info && std::strcmp(info, "field") == 0) {
        out.push_back(field_of(literal(n)));
        return;
      }
      b.kind = Block::Kind::code;
      b.inlines.push_back({literal(n), kCode});
      break;
    case CMARK_NODE_THEMATIC_BREAK:
      b.kind = Block::Kind::rule;
      break;
    default:
      if (type_is(n, "table")) {
        out.push_back(table_of(n));
      }
      return;  // HTML blocks and anything unknown are dropped
  }
  out.push_back(std::move(b));
}

// `<!-- cut: N -->` on its own line: the cut priority of the next list or table.
int cut_priority_of(cmark_node* n) {
  if (cmark_node_get_type(n) != CMARK_NODE_HTML_BLOCK) return -1;
  std::string html = literal(n);
  int priority = -1;
  if (std::sscanf(html.c_str(), "<!-- cut: %d -->", &priority) != 1) return -1;
  return priority;
}

// `<!-- optional -->` on its own line: the next block may be dropped whole.
bool is_optional_marker(cmark_node* n) {
  return cmark_node_get_type(n) == CMARK_NODE_HTML_BLOCK && literal(n).rfind("<!-- optional -->", 0) == 0;
}

// `<!-- keep-with-previous -->` on its own line: the next block must not open
// a page without the end of the block before it.
bool is_keep_marker(cmark_node* n) {
  return cmark_node_get_type(n) == CMARK_NODE_HTML_BLOCK &&
         literal(n).rfind("<!-- keep-with-previous -->", 0) == 0;
}

Blocks blocks_of(cmark_node* parent, int depth) {
  Blocks out;
  int pending = -1;
  bool optional = false, keep = false;
  for (cmark_node* n = cmark_node_first_child(parent); n; n = cmark_node_next(n)) {
    if (int p = cut_priority_of(n); p >= 0) {
      pending = p;
      continue;
    }
    if (is_optional_marker(n)) {
      optional = true;
      continue;
    }
    if (is_keep_marker(n)) {
      keep = true;
      continue;
    }
    size_t before = out.size();
    add_block(n, out, depth);
    if (out.size() > before) {
      if (pending >= 0) out.back().cut_priority = pending;
      if (optional) out.back().optional = true;
      if (keep) out.back().keep_with_previous = true;
      pending = -1;
      optional = keep = false;
    }
  }
  return out;
}

}  // namespace

Blocks parse_markdown(std::string_view markdown) {
  static std::once_flag registered;
  std::call_once(registered, [] { cmark_gfm_core_extensions_ensure_registered(); });

  cmark_parser* parser = cmark_parser_new(CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8);
  for (const char* name : {"table", "strikethrough"})
    if (cmark_syntax_extension* ext = cmark_find_syntax_extension(name))
      cmark_parser_attach_syntax_extension(parser, ext);
  cmark_parser_feed(parser, markdown.data(), markdown.size());
  cmark_node* doc = cmark_parser_finish(parser);
  cmark_parser_free(parser);
  Blocks blocks = blocks_of(doc, 0);
  cmark_node_free(doc);
  return blocks;
}

std::string plain_text(const Inlines& inlines) {
  std::string s;
  for (const Span& sp : inlines) s += sp.is_break() ? " " : sp.text;
  return s;
}

}  // namespace p2p
