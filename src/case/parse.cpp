// parse_case_json and load_case: text in, a validated Case (or every reason it
// is not one) out. nlohmann/json's exceptions stop here and become
// diagnostics; nothing thrown by the library leaves this file.

#include <algorithm>
#include <exception>
#include <string>
#include <string_view>

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

Result<json> fail_with(std::string message) { return Result<json>::fail({error_at("", std::move(message))}); }

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
  try {
    return Result<json>::ok(json::parse(text.begin(), text.end()));
  } catch (const json::parse_error& e) {
    // e.byte is 1-based: the position of the last character read.
    std::size_t offset = e.byte > 0 ? e.byte - 1 : 0;
    return fail_with("malformed JSON at " + line_and_column(text, offset) + ": " + short_reason(e.what()));
  } catch (const std::exception& e) {
    return fail_with(std::string("could not read the case: ") + e.what());
  }
}

Result<Case> load_case(std::string_view text, const Date& today) {
  auto parsed = parse_case_json(text);
  if (!parsed.is_ok()) return Result<Case>::fail(std::move(parsed.diagnostics()));
  Diagnostics found = validate_case(parsed.value(), today);
  if (has_errors(found)) return Result<Case>::fail(std::move(found));
  try {
    return Result<Case>::ok(typed_case(parsed.take()), std::move(found));
  } catch (const std::exception& e) {
    // Unreachable unless validate_case and typed_case disagree; still a value.
    found.push_back(error_at("", std::string("internal error while reading the case: ") + e.what()));
    return Result<Case>::fail(std::move(found));
  }
}

}  // namespace p2p
