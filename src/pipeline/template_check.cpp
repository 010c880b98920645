#include "pipeline/template_check.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <optional>
#include <set>

#include "expand/expand.h"
#include "pipeline/files.h"

namespace p2p {

namespace {

bool is_ascii_punct(char c) { return std::ispunct(static_cast<unsigned char>(c)) != 0; }

// What a reader sees of a Markdown expansion: escapes resolved, comments
// (the layout's cut marks) gone.
std::string readable_markdown(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text.compare(i, 4, "<!--") == 0) {
      size_t end = text.find("-->", i + 4);
      if (end == std::string_view::npos) break;
      i = end + 2;
      continue;
    }
    if (text[i] == '\\' && i + 1 < text.size() && is_ascii_punct(text[i + 1])) ++i;
    out += text[i];
  }
  return out;
}

std::string context_at(const std::string& text, size_t pos, size_t len) {
  auto continuation = [&](size_t i) { return i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80; };
  size_t from = pos > 40 ? pos - 40 : 0;
  size_t to = std::min(text.size(), pos + len + 40);
  while (continuation(from)) --from;  // whole UTF-8 characters only
  while (continuation(to)) ++to;
  std::string s = text.substr(from, to - from);
  std::replace(s.begin(), s.end(), '\n', ' ');
  return (from > 0 ? "..." : "") + s + (to < text.size() ? "..." : "");
}

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Markdown emphasis, list and heading marks around a line's words.
std::string strip_marks(std::string s) {
  std::string out;
  for (char c : s)
    if (c != '*' && c != '_' && c != '#' && c != '`') out += c;
  size_t a = out.find_first_not_of(" \t-|>");
  size_t b = out.find_last_not_of(" \t|");
  return a == std::string::npos ? "" : out.substr(a, b - a + 1);
}

// A short label ("Phone:", "Reviewer's name:") ending a line or a table cell,
// with nothing after it. A longer line ending in ":" introduces what follows
// (a list), so only labels of at most three words count, and only when the
// next line is not a list item or table row that could hold the value.
bool is_bare_label(const std::string& cell) {
  if (cell.size() < 2 || cell.back() != ':') return false;
  int words = 1;
  for (char c : cell) words += c == ' ';
  return words <= 3 && std::isupper(static_cast<unsigned char>(cell[0])) && cell.rfind("Dear ", 0) != 0;
}

size_t indent_of(const std::string& line) {
  size_t n = line.find_first_not_of(" \t");
  return n == std::string::npos ? line.size() : n;
}

bool is_list_item(const std::string& line) {
  std::string t = line.substr(indent_of(line));
  size_t digits = t.find_first_not_of("0123456789");
  return t.rfind("- ", 0) == 0 || t.rfind("* ", 0) == 0 ||
         (digits > 0 && digits != std::string::npos && t.compare(digits, 2, ". ") == 0);
}

// Whether the line after a label holds its content: a deeper-indented line,
// or (for a label that is not itself a list item) a list, table or quote.
bool introduces_block(const std::string& line, const std::string& next) {
  if (next.empty()) return false;
  if (indent_of(next) > indent_of(line)) return true;
  if (is_list_item(line)) return false;
  std::string t = next.substr(indent_of(next));
  return is_list_item(next) || t.rfind("|", 0) == 0 || t.rfind(">", 0) == 0;
}

void find_empty_labels(const std::string& text, bool markdown, std::vector<TextArtefact>& out) {
  std::vector<std::pair<size_t, std::string>> lines;
  for (size_t pos = 0; pos <= text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    lines.emplace_back(pos, text.substr(pos, end - pos));
    pos = end + 1;
  }
  bool in_fence = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i].second;
    if (markdown && line.rfind("```", 0) == 0) in_fence = !in_fence;
    if (in_fence) continue;  // form fields: an empty value is an empty field
    std::string next;
    for (size_t j = i + 1; j < lines.size() && next.empty(); ++j)
      if (lines[j].second.find_first_not_of(" \t") != std::string::npos) next = lines[j].second;
    std::vector<std::string> cells;
    if (line.find('|') != std::string::npos) {
      size_t a = 0;
      for (size_t b; (b = line.find('|', a)) != std::string::npos; a = b + 1) cells.push_back(line.substr(a, b - a));
      cells.push_back(line.substr(a));
    } else {
      cells.push_back(line);
    }
    for (const std::string& raw : cells) {
      std::string cell = strip_marks(raw);
      if (!is_bare_label(cell)) continue;
      if (cells.size() == 1 && introduces_block(line, next)) continue;
      out.push_back({"empty label \"" + cell + "\"", context_at(text, lines[i].first, line.size())});
    }
  }
}

// "[delete this paragraph ...]": a note to whoever edits the letter. Links
// ("[text](url)"), checkboxes and short tags ("[EXPEDITED]", "[Office note]")
// are not notes; a note is long or speaks of editing.
void find_bracket_notes(const std::string& text, std::vector<TextArtefact>& out) {
  static const char* kEditWords[] = {"delete", "remove", "insert", "fill in", "edit ", "todo", "tbd", "placeholder",
                                     "add here", "replace"};
  for (size_t open = text.find('['); open != std::string::npos; open = text.find('[', open + 1)) {
    size_t close = text.find(']', open);
    if (close == std::string::npos) break;
    if (close + 1 < text.size() && text[close + 1] == '(') continue;
    std::string inner = text.substr(open + 1, close - open - 1);
    std::string lower = inner;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    bool note = std::any_of(std::begin(kEditWords), std::end(kEditWords),
                            [&](const char* w) { return lower.find(w) != std::string::npos; });
    if (note) out.push_back({"editing note in brackets", context_at(text, open, close - open + 1)});
  }
}

}  // namespace

std::vector<TextArtefact> find_artefacts(std::string_view raw, bool markdown) {
  std::string text = markdown ? readable_markdown(raw) : std::string(raw);
  std::vector<TextArtefact> out;
  for (const char* mark : {"{{", "}}"})
    for (size_t p = text.find(mark); p != std::string::npos; p = text.find(mark, p + 2))
      out.push_back({std::string("leftover ") + mark, context_at(text, p, 2)});
  for (size_t p = text.find("null"); p != std::string::npos; p = text.find("null", p + 4)) {
    bool whole = (p == 0 || !word_char(text[p - 1])) && (p + 4 >= text.size() || !word_char(text[p + 4]));
    if (whole) out.push_back({"\"null\"", context_at(text, p, 4)});
  }
  for (size_t p = text.find('.'); p != std::string::npos;) {
    size_t run = text.find_first_not_of('.', p);
    if (run == std::string::npos) run = text.size();
    if (run - p == 2) out.push_back({"doubled period", context_at(text, p, 2)});
    p = text.find('.', run);
  }
  for (size_t p = text.find("()"); p != std::string::npos; p = text.find("()", p + 2))
    out.push_back({"empty ()", context_at(text, p, 2)});
  find_empty_labels(text, markdown, out);
  find_bracket_notes(text, out);
  return out;
}

namespace {

struct Tag {
  char sigil = 0;  // '#', '^', '/', '!', '&' or 0 for a plain value
  std::string name;
  size_t pos = 0;
};

std::string trimmed(std::string s) {
  size_t a = s.find_first_not_of(" \t");
  size_t b = s.find_last_not_of(" \t");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

bool well_formed_name(const std::string& n) {
  if (n == ".") return true;
  return !n.empty() && std::all_of(n.begin(), n.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
}

// The tags of a template, in order; malformed ones are reported to `errors`.
std::vector<Tag> scan_tags(const std::string& text, std::vector<TextArtefact>* errors) {
  std::vector<Tag> tags;
  size_t pos = 0;
  while (true) {
    size_t open = text.find("{{", pos);
    size_t stray = text.find("}}", pos);
    if (stray != std::string::npos && (open == std::string::npos || stray < open)) {
      if (errors) errors->push_back({"stray }} in the template", context_at(text, stray, 2)});
      pos = stray + 2;
      continue;
    }
    if (open == std::string::npos) break;
    size_t close = text.find("}}", open + 2);
    size_t line_end = text.find('\n', open);
    size_t next_open = text.find("{{", open + 2);
    if (close == std::string::npos || (line_end != std::string::npos && line_end < close) ||
        (next_open != std::string::npos && next_open < close)) {
      if (errors) errors->push_back({"{{ not closed by }} on its line", context_at(text, open, 2)});
      pos = open + 2;
      continue;
    }
    std::string inner = text.substr(open + 2, close - open - 2);
    Tag t;
    t.pos = open;
    if (!inner.empty() && std::string("#^/!&{").find(inner[0]) != std::string::npos) t.sigil = inner[0];
    t.name = trimmed(t.sigil ? inner.substr(1) : inner);
    if (t.sigil == '{' && close + 2 < text.size() && text[close + 2] == '}') ++close;
    if (t.sigil == '{') t.name = trimmed(t.name.substr(0, t.name.find('}')));
    if (t.sigil != '!' && !well_formed_name(t.name)) {
      if (errors) errors->push_back({"malformed placeholder {{" + inner + "}}", context_at(text, open, close + 2 - open)});
    } else if (t.sigil != '!') {
      tags.push_back(t);
    }
    pos = close + 2;
  }
  return tags;
}

bool has_value(const nlohmann::json& view, const std::string& dotted) {
  const nlohmann::json* at = &view;
  for (size_t a = 0; a <= dotted.size();) {
    size_t b = dotted.find('.', a);
    if (b == std::string::npos) b = dotted.size();
    std::string key = dotted.substr(a, b - a);
    if (!at->is_object() || !at->contains(key)) return false;
    at = &(*at)[key];
    a = b + 1;
  }
  return !at->is_null();
}

// Whether the case format (a JSON schema) defines the dotted path: an
// optional field no sample happens to carry is still a right name.
bool schema_defines(const nlohmann::json& schema, const std::string& dotted) {
  const nlohmann::json* at = &schema;
  for (size_t a = 0; a <= dotted.size();) {
    size_t b = dotted.find('.', a);
    if (b == std::string::npos) b = dotted.size();
    std::string key = dotted.substr(a, b - a);
    if (at->contains("$ref") && (*at)["$ref"].is_string()) {
      std::string ref = (*at)["$ref"];  // "#/$defs/reviewer"
      if (ref.rfind("#/$defs/", 0) != 0 || !schema.contains("$defs")) return false;
      auto it = schema["$defs"].find(ref.substr(8));
      if (it == schema["$defs"].end()) return false;
      at = &*it;
    }
    auto props = at->find("properties");
    if (props == at->end() || !props->contains(key)) return false;
    at = &(*props)[key];
    a = b + 1;
  }
  return true;
}

}  // namespace

std::vector<TextArtefact> find_tag_errors(std::string_view body) {
  std::vector<TextArtefact> errors;
  scan_tags(std::string(body), &errors);
  return errors;
}

std::vector<TextArtefact> find_unknown_names(std::string_view body, const std::vector<const nlohmann::json*>& views,
                                             const nlohmann::json& schema) {
  std::string text(body);
  std::vector<TextArtefact> out;
  int depth = 0;
  for (const Tag& t : scan_tags(text, nullptr)) {
    if (t.sigil == '#' || t.sigil == '^') ++depth;
    else if (t.sigil == '/') depth = std::max(0, depth - 1);
    else if (depth == 0 && t.name != "." &&
             std::none_of(views.begin(), views.end(), [&](const nlohmann::json* v) { return has_value(*v, t.name); }) &&
             !schema_defines(schema, t.name))
      out.push_back({"placeholder {{" + t.name + "}} has no value in any case checked (misspelt?)",
                     context_at(text, t.pos, t.name.size() + 4)});
  }
  return out;
}

// The kind's template files, shipped or from the site's overlay, each once.
std::vector<std::string> template_files(const Resources& res, const DocumentKind& kind) {
  namespace fs = std::filesystem;
  std::string ext = kind.text ? ".txt" : ".md";
  std::set<std::string> files;
  for (const std::string& dir : {res.templates_dir, res.site_templates_dir}) {
    if (dir.empty()) continue;
    std::error_code ec;
    fs::path base = fs::path(dir);
    for (fs::recursive_directory_iterator it(base / kind.kind, ec), end; !ec && it != end; it.increment(ec))
      if (it->is_regular_file() && it->path().extension() == ext)
        files.insert(fs::relative(it->path(), base).generic_string());
  }
  return {files.begin(), files.end()};
}

TemplateCheckReport check_templates(const Resources& res, const std::vector<NamedCase>& cases) {
  TemplateCheckReport report;
  std::vector<std::pair<std::string, std::optional<nlohmann::json>>> views;
  std::vector<const nlohmann::json*> all_views;
  for (const NamedCase& nc : cases) {
    auto view = case_view(nc.c, res);
    if (!view.is_ok()) {
      for (const Diagnostic& d : view.diagnostics())
        report.findings.push_back({"(merge)", nc.name, "cannot merge the case", d.to_string()});
      continue;
    }
    views.emplace_back(nc.name, view.take());
  }
  for (const auto& v : views) all_views.push_back(&*v.second);
  nlohmann::json schema = nlohmann::json::object();
  if (auto text = read_file(res.root + "/schema/p2p-case-1.schema.json")) {
    schema = nlohmann::json::parse(*text, nullptr, false);
    if (schema.is_discarded()) schema = nlohmann::json::object();
  }
  for (const DocumentKind& kind : res.documents) {
    for (const std::string& rel : template_files(res, kind)) {
      ++report.templates;
      std::string file = template_file(res, rel);
      std::string path = file.starts_with(res.templates_dir + "/") ? "templates/" + rel : file;
      auto text = read_file(file);
      if (!text) {
        report.findings.push_back({path, "", "cannot read the file", ""});
        continue;
      }
      TemplateText tpl = split_front_matter(*text);
      std::vector<TextArtefact> source_errors = find_tag_errors(tpl.body);
      if (!all_views.empty()) {
        auto unknown = find_unknown_names(tpl.body, all_views, schema);
        source_errors.insert(source_errors.end(), unknown.begin(), unknown.end());
      }
      for (TextArtefact& a : source_errors)
        report.findings.push_back({path, "(the template itself)", std::move(a.what), std::move(a.context)});
      Escaping esc = kind.text ? Escaping::none : Escaping::markdown;
      for (const auto& [name, view] : views) {
        ++report.expansions;
        auto expanded = expand_template(tpl.body, *view, path, esc);
        if (!expanded.is_ok()) {
          for (const Diagnostic& d : expanded.diagnostics())
            report.findings.push_back({path, name, "does not expand", d.to_string()});
          continue;
        }
        for (TextArtefact& a : find_artefacts(expanded.value(), !kind.text))
          report.findings.push_back({path, name, std::move(a.what), std::move(a.context)});
      }
    }
  }
  return report;
}

}  // namespace p2p
