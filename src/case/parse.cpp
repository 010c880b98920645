// parse_case_json and load_case: text in, a validated Case (or every reason it
// is not one) out. The document is built from nlohmann/json's SAX events by
// our own builder, which bounds nesting and refuses repeated keys where they
// occur; nlohmann's errors become diagnostics here and nothing thrown by the
// library leaves this file.

#include <algorithm>
#include <cstddef>
#include <exception>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "case/case.h"

namespace p2p {

namespace {

using json = nlohmann::json;

// Line and column (both from 1) of byte `offset`. Columns count characters,
// not bytes, so "Núñez" before the error does not push the column off.
std::string line_and_column(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++column;  // UTF-8 continuation bytes belong to the character before
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

void replace_once(std::string& s, std::string_view from, std::string_view to) {
  auto at = s.find(from);
  if (at != std::string::npos) s.replace(at, from.size(), to);
}

// nlohmann's what() reads "[json.exception.parse_error.101] parse error at
// line 3, column 5: syntax error while parsing object - unexpected string
// literal; expected '}'". Keep the part after " - ", drop its "last read"
// echo (raw input, possibly broken UTF-8), and name the comma a missing
// separator really needs.
std::string short_reason(std::string_view what) {
  std::string_view context = what;
  std::string reason(what);
  if (auto dash = what.find(" - "); dash != std::string_view::npos) {
    context = what.substr(0, dash);
    reason = std::string(what.substr(dash + 3));
  } else if (auto colon = what.rfind(": "); colon != std::string_view::npos) {
    reason = std::string(what.substr(colon + 2));
  }
  if (auto echo = reason.find("; last read: '"); echo != std::string::npos) {
    auto tail = reason.rfind("'; expected ");
    reason.erase(echo, tail != std::string::npos && tail > echo ? tail + 1 - echo : std::string::npos);
  }
  if (context.ends_with("while parsing object")) replace_once(reason, "expected '}'", "expected ',' or '}'");
  if (context.ends_with("while parsing array")) replace_once(reason, "expected ']'", "expected ',' or ']'");
  return reason;
}

// Where the parser stands: one frame per open object or array, outermost
// first. Pointers stay valid because a container only grows while it is the
// innermost one (the same reasoning as nlohmann's own DOM builder).
struct Frame {
  json* container;
  std::string key;       // objects: the key whose value comes next
  bool pending = false;  // objects: a key was read, its value not finished;
                         // arrays: the last element is an open container
};

// RFC 6901: "~" and "/" inside a key would otherwise read as syntax.
void append_segment(std::string& path, std::string_view key) {
  path += '/';
  for (char ch : key) {
    if (ch == '~') path += "~0";
    else if (ch == '/') path += "~1";
    else path += ch;
  }
}

// Counts how far the lexer has read, so events without a position of their
// own (a key, an opening bracket) can still name line and column. The lexer
// reads no further than the token it hands over, except one character after
// a number.
class CountingIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  CountingIterator(const char* at, std::size_t* read) : at_(at), read_(read) {}
  reference operator*() const { return *at_; }
  CountingIterator& operator++() {
    ++at_;
    ++*read_;
    return *this;
  }
  CountingIterator operator++(int) {
    CountingIterator before = *this;
    ++*this;
    return before;
  }
  friend bool operator==(const CountingIterator& a, const CountingIterator& b) { return a.at_ == b.at_; }
  friend bool operator!=(const CountingIterator& a, const CountingIterator& b) { return a.at_ != b.at_; }

 private:
  const char* at_;
  std::size_t* read_;
};

// Builds the document from nlohmann's SAX events (the parser itself keeps
// its own stack, so nothing recurses with the input's depth) and refuses, at
// the point they occur, what json::parse would let through: nesting deeper
// than kMaxCaseDepth and a key given twice in one object.
class CaseBuilder {
 public:
  CaseBuilder(std::string_view text, const std::size_t* read) : text_(text), read_(read) {}

  bool null() { return add(json(nullptr)); }
  bool boolean(bool v) { return add(json(v)); }
  bool number_integer(json::number_integer_t v) { return add(json(v)); }
  bool number_unsigned(json::number_unsigned_t v) { return add(json(v)); }
  bool number_float(json::number_float_t v, const json::string_t&) { return add(json(v)); }
  bool string(json::string_t& v) { return add(json(std::move(v))); }
  bool binary(json::binary_t&) { return refuse(path(), "binary values are not JSON"); }

  bool start_object(std::size_t) { return open(json::object()); }
  bool start_array(std::size_t) { return open(json::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }

  bool key(json::string_t& k) {
    Frame& top = frames_.back();
    if (top.container->contains(k)) {
      std::string at = path();
      append_segment(at, k);
      return refuse_at(at, key_start(), "the key " + json(k).dump(-1, ' ', false, json::error_handler_t::replace) +
                                            " appears twice in one object");
    }
    top.key = std::move(k);
    top.pending = true;
    return true;
  }

  bool parse_error(std::size_t position, const std::string& token, const json::exception& e) {
    // position is 1-based: the last character read.
    std::size_t offset = position > 0 ? position - 1 : 0;
    std::string reason;
    if (e.id == 406) {  // out_of_range.406: a number too large for a double
      offset = offset + 1 >= token.size() ? offset + 1 - token.size() : 0;
      reason = "the number " + token + " is out of range (at most about 1.8e308)";
    } else {
      reason = short_reason(e.what());
    }
    failure_ = error_at(path(), "malformed JSON at " + line_and_column(text_, offset) + ": " + reason);
    failure_offset_ = offset;
    return false;
  }

  json take() { return std::move(root_); }
  std::optional<Diagnostic>& failure() { return failure_; }
  std::size_t failure_offset() const { return failure_offset_; }

  // The JSON pointer of the value being read now, as far as known.
  std::string path() const {
    std::string out;
    for (const Frame& f : frames_) {
      if (f.container->is_array()) {
        out += '/' + std::to_string(f.container->size() - (f.pending ? 1 : 0));
      } else if (f.pending) {
        append_segment(out, f.key);
      } else {
        break;  // between a key and the next: the object itself
      }
    }
    return out;
  }

 private:
  // Puts a finished value where it belongs; returns it for open().
  json* place(json value) {
    if (frames_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    Frame& top = frames_.back();
    if (top.container->is_array()) {
      top.container->push_back(std::move(value));
      return &top.container->back();
    }
    json& slot = (*top.container)[top.key];
    slot = std::move(value);
    return &slot;
  }

  bool add(json value) {
    place(std::move(value));
    if (!frames_.empty()) frames_.back().pending = false;
    return true;
  }

  bool open(json empty) {
    if (frames_.size() >= kMaxCaseDepth) {
      std::size_t bracket = *read_ > 0 ? *read_ - 1 : 0;
      return refuse_at(path(), bracket,
                       "nested deeper than " + std::to_string(kMaxCaseDepth) +
                           " levels of objects and arrays (the case format needs fewer than 10)");
    }
    json* opened = place(std::move(empty));
    if (!frames_.empty()) frames_.back().pending = true;
    frames_.push_back(Frame{opened, {}, false});
    return true;
  }

  bool close() {
    frames_.pop_back();
    if (!frames_.empty()) frames_.back().pending = false;
    return true;
  }

  // The opening quote of the key just read: the lexer stopped on its closing
  // quote, and inside a JSON string every quote is escaped, so the nearest
  // quote before it that follows an even run of backslashes opens it.
  std::size_t key_start() const {
    std::size_t end = *read_ > 0 ? *read_ - 1 : 0;
    for (std::size_t i = end; i-- > 0;) {
      if (text_[i] != '"') continue;
      std::size_t slashes = 0;
      while (i > slashes && text_[i - 1 - slashes] == '\\') ++slashes;
      if (slashes % 2 == 0) return i;
    }
    return end;
  }

  bool refuse_at(std::string at, std::size_t offset, std::string why) {
    failure_ = error_at(std::move(at), why + " (at " + line_and_column(text_, offset) + ")");
    failure_offset_ = offset;
    return false;
  }
  bool refuse(std::string at, std::string why) { return refuse_at(std::move(at), *read_, std::move(why)); }

  std::string_view text_;
  const std::size_t* read_;
  json root_;
  std::vector<Frame> frames_;
  std::optional<Diagnostic> failure_;
  std::size_t failure_offset_ = 0;
};

// Runs the parser over `text` into `builder`; false when it stopped early.
bool build(std::string_view text, CaseBuilder& builder, std::size_t& read) {
  CountingIterator first(text.data(), &read), last(text.data() + text.size(), &read);
  return json::sax_parse(first, last, &builder);
}

Result<json> fail_with(Diagnostic d) { return Result<json>::fail({std::move(d)}); }

std::string string_or_empty(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Only called on a document validate_case accepted, so every required value
// is present and well-formed.
Case typed_case(json doc) {
  Case c;
  c.id = doc.at("case_id").get<std::string>();
  c.urgent = doc.value("urgent", false);
  const json& payer = doc.at("payer");
  c.payer_id = string_or_empty(payer, "id");
  c.plan_type = string_or_empty(payer, "plan_type");
  c.state = string_or_empty(payer, "state");
  const json& denial = doc.at("denial");
  c.denial_type = string_or_empty(denial, "type");
  c.denial_date = parse_date(string_or_empty(denial, "date")).value_or(Date{});
  c.doc = std::move(doc);
  return c;
}

}  // namespace

Result<json> parse_case_json(std::string_view text) {
  if (text.size() > kMaxCaseBytes)
    return fail_with(error_at("", "the case is " + std::to_string(text.size()) + " bytes; a case file has at most " +
                                      std::to_string(kMaxCaseBytes) + " bytes (1 MiB)"));
  return parse_bounded_json(text, kMaxCaseBytes);
}

Result<json> parse_bounded_json(std::string_view text, std::size_t max_bytes) {
  try {
    if (text.size() > max_bytes)
      return fail_with(error_at("", "the file is " + std::to_string(text.size()) + " bytes; at most " +
                                        std::to_string(max_bytes) + " are read"));
    // nlohmann's lexer takes a NUL byte for the end of the input and would
    // ignore the rest, so look for one first and parse only what precedes it.
    std::size_t nul = text.find('\0');
    std::size_t read = 0;
    CaseBuilder builder(text, &read);
    bool complete = build(text.substr(0, nul), builder, read);
    if (nul != std::string_view::npos && (complete || builder.failure_offset() >= nul))
      return fail_with(error_at(complete ? "" : builder.path(),
                                "a NUL byte (U+0000) at " + line_and_column(text, nul) +
                                    "; a case file is text and must not contain one"));
    if (!complete) {
      if (auto& failure = builder.failure()) return fail_with(std::move(*failure));
      return fail_with(error_at(builder.path(), "malformed JSON"));
    }
    return Result<json>::ok(builder.take());
  } catch (const std::exception& e) {
    return fail_with(error_at("", std::string("could not read the case: ") + e.what()));
  }
}

Result<Case> load_case(std::string_view text, const Date& today) {
  auto parsed = parse_case_json(text);
  if (!parsed.is_ok()) return Result<Case>::fail(std::move(parsed.diagnostics()));
  return load_parsed_case(parsed.take(), today);
}

Result<Case> load_parsed_case(nlohmann::json doc, const Date& today) {
  Diagnostics found = validate_case(doc, today);
  if (has_errors(found)) return Result<Case>::fail(std::move(found));
  try {
    return Result<Case>::ok(typed_case(std::move(doc)), std::move(found));
  } catch (const std::exception& e) {
    // Unreachable unless validate_case and typed_case disagree; still a value.
    found.push_back(error_at("", std::string("internal error while reading the case: ") + e.what()));
    return Result<Case>::fail(std::move(found));
  }
}

}  // namespace p2p
