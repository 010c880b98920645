// Document: the tree between Markdown and layout. The markdown stage builds
// it from cmark-gfm's AST; the layout stage measures and places it. It holds
// only what the layout can draw (no raw HTML, no links), so the layout never
// needs to know where a document came from.
// Plain values; copy freely, no shared state.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace p2p {

// Inline style bits.
enum Style : uint8_t {
  kPlain = 0,
  kBold = 1,
  kItalic = 2,
  kMark = 4,     // highlighted: a template's <mark>...</mark>, used to make gaps stand out
  kCode = 8,
};

struct Span {
  std::string text;      // UTF-8; "\n" alone means a hard line break
  uint8_t style = kPlain;
  bool is_break() const { return text == "\n"; }
};

using Inlines = std::vector<Span>;

enum class Align : uint8_t { left, center, right };

struct Block;
using Blocks = std::vector<Block>;

// A fillable form field, written in a template as a fenced block:
//   ```field
//   name: reviewer_name
//   label: Reviewer (name, credentials, specialty)
//   type: text            (text, multiline or checkbox)
//   lines: 1              (height of a multiline box, in lines)
//   value: {{call.reviewer.name}}
//   ```
struct FieldSpec {
  std::string name, label, type = "text", value;
  int lines = 1;
};

struct TableCell {
  Inlines content;
};

struct TableRow {
  std::vector<TableCell> cells;
  bool header = false;
  bool marked = false;   // some cell holds kMark text: the row is shaded so a gap stands out
};

struct Block {
  enum class Kind : uint8_t { paragraph, heading, list, table, rule, quote, code, more, field };
  Kind kind = Kind::paragraph;
  int level = 0;                     // heading level 1..6
  Inlines inlines;                   // paragraph, heading, code (one span), more
  // list
  bool ordered = false;
  int start = 1;
  std::vector<Blocks> items;         // each item is a list of blocks
  // lists and tables: which is cut first when a one-page document overflows
  // (higher first). Set by a template comment `<!-- cut: N -->` before it;
  // 0 means cut only after every prioritised one is down to one entry.
  int cut_priority = 0;
  // any block: context the one-page rule drops whole before it shrinks the
  // type or cuts anything else. Set by a template comment `<!-- optional -->`
  // before it (top level only).
  bool optional = false;
  // a short paragraph that must not open a page alone (a letter's closing
  // and signature): the layout carries the last lines of the block before
  // it along. Set by a template comment `<!-- keep-with-previous -->`.
  bool keep_with_previous = false;
  // table
  std::vector<Align> aligns;
  std::vector<TableRow> rows;
  // quote
  Blocks children;
  // field
  FieldSpec field;
};

// Document metadata, written to the PDF's info dictionary.
struct DocumentInfo {
  std::string title, author, subject, keywords;
};

}  // namespace p2p
