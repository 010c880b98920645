// The printable-text check of a case (see coverage.h).
#include "pipeline/coverage.h"

#include <algorithm>
#include <charconv>
#include <string_view>
#include <utility>

namespace p2p {

namespace {

using json = nlohmann::json;

constexpr size_t kListed = 8;  // characters named per message; the rest are counted

// Appends "/" and `key` as a JSON pointer token (RFC 6901: "~" -> "~0", "/" -> "~1").
void append_token(std::string& path, const std::string& key) {
  path += '/';
  for (char c : key) {
    if (c == '~') path += "~0";
    else if (c == '/') path += "~1";
    else path += c;
  }
}

void append_index(std::string& path, size_t index) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, index).ptr;
  path += '/';
  path.append(digits, end);
}

// Invisible characters are named by code only (printing them shows nothing).
bool invisible(char32_t cp) {
  std::string_view s = script_of(cp);
  return s.find("control") != s.npos || s.find("invisible") != s.npos || s.find("variation") != s.npos;
}

// "王 U+738B, 😀 U+1F600 and 3 more (CJK (Chinese, Japanese), emoji)"
std::string list_of(const std::vector<char32_t>& cps) {
  std::string out;
  std::vector<std::string> scripts;
  for (size_t i = 0; i < cps.size(); ++i) {
    std::string script = script_of(cps[i]);
    if (!script.empty() && std::find(scripts.begin(), scripts.end(), script) == scripts.end()) scripts.push_back(script);
    if (i >= kListed) continue;
    if (i) out += ", ";
    if (!invisible(cps[i])) out += utf8_of(cps[i]) + " ";
    out += code_point_name(cps[i]);
  }
  if (cps.size() > kListed) out += " and " + std::to_string(cps.size() - kListed) + " more";
  for (size_t i = 0; i < scripts.size(); ++i) out += (i ? ", " : " (") + scripts[i] + (i + 1 == scripts.size() ? ")" : "");
  return out;
}

void check_text(const std::string& text, const std::string& path, const TextCoverage& coverage, Diagnostics& out) {
  std::vector<Unprintable> bad = coverage.unprintable(text);
  if (bad.empty()) return;
  std::vector<char32_t> missing, rtl;
  for (const Unprintable& u : bad) (u.why == Printability::right_to_left ? rtl : missing).push_back(u.cp);
  if (!missing.empty())
    out.push_back(error_at(path, "cannot be printed, no shipped font has " + list_of(missing) +
                                     ". Write it without them (a name in Latin letters, as on the insurance card)"));
  if (!rtl.empty())
    out.push_back(error_at(path, "right-to-left text cannot be printed yet (it would read backwards): " +
                                     list_of(rtl) + ". Write it in Latin letters, as on the insurance card"));
}

}  // namespace

TextCoverage packet_text_coverage(const std::vector<const FontSet*>& families) {
  std::vector<std::shared_ptr<const FontFace>> faces;
  for (const FontSet* set : families)
    for (const auto& f : set->faces)
      if (f) faces.push_back(f);
  return TextCoverage(std::move(faces));
}

Diagnostics check_printable_text(const json& doc, const TextCoverage& coverage, const std::vector<std::string>& skip) {
  Diagnostics out;
  // Depth first with an explicit stack. One path string serves the whole
  // walk: an entry records how long its parent's path is, and since a subtree
  // is finished before its next sibling is popped, that prefix is intact.
  struct Entry {
    const json* node;
    const std::string* key;  // null: an array element or the root
    size_t index;
    size_t parent_len;
  };
  std::vector<Entry> stack{{&doc, nullptr, 0, 0}};
  std::string path;
  bool root = true;
  while (!stack.empty()) {
    Entry e = stack.back();
    stack.pop_back();
    path.resize(e.parent_len);
    if (!root) e.key ? append_token(path, *e.key) : append_index(path, e.index);
    root = false;
    if (!skip.empty() && std::find(skip.begin(), skip.end(), path) != skip.end()) continue;
    if (e.node->is_string()) {
      check_text(e.node->get_ref<const std::string&>(), path, coverage, out);
    } else if (e.node->is_object()) {
      size_t base = stack.size();  // pushed, then reversed: visited (and reported) in key order
      for (auto it = e.node->begin(); it != e.node->end(); ++it) stack.push_back({&*it, &it.key(), 0, path.size()});
      std::reverse(stack.begin() + static_cast<std::ptrdiff_t>(base), stack.end());
    } else if (e.node->is_array()) {
      for (size_t i = e.node->size(); i-- > 0;) stack.push_back({&(*e.node)[i], nullptr, i, path.size()});
    }
  }
  return out;
}

std::vector<std::string> unknown_key_paths(const Diagnostics& validation) {
  std::vector<std::string> out;
  for (const Diagnostic& d : validation)
    if (d.severity == Severity::warning && d.message.find("unknown key") != std::string::npos) out.push_back(d.path);
  return out;
}

}  // namespace p2p
