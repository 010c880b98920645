#include "expand/expand.h"

#include <memory>
#include <unordered_map>

#include <kainjow/mustache.hpp>

namespace p2p {

namespace km = kainjow::mustache;

namespace {

// kainjow's data has no numbers and no null: numbers print as JSON does,
// null behaves like false (prints nothing, skips sections).
// kainjow's set() and push_back() copy the value they are given, so adding
// a converted subtree would copy it once per level above it. Each child is
// added empty and the converted subtree moved into the stored element (the
// container owns it as a non-const value; get() and list_value() only hand
// it out as const): every node is converted once and never copied.
km::data to_mustache(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::object: {
      km::data d{km::data::type::object};
      for (auto it = j.begin(); it != j.end(); ++it) {
        d.set(it.key(), km::data{false});
        *const_cast<km::data*>(d.get(it.key())) = to_mustache(it.value());
      }
      return d;
    }
    case nlohmann::json::value_t::array: {
      km::data d{km::data::type::list};
      for (const auto& v : j) {
        d.push_back(km::data{false});
        const_cast<km::data&>(d.list_value().back()) = to_mustache(v);
      }
      return d;
    }
    case nlohmann::json::value_t::string:
      return km::data{j.get_ref<const std::string&>()};
    case nlohmann::json::value_t::boolean:
      return km::data{j.get<bool>()};
    case nlohmann::json::value_t::null:
      return km::data{false};
    default:
      return km::data{j.dump()};
  }
}

// The names a template looks up, innermost section first, as kainjow's own
// context does, but without its cost: kainjow splits every dotted name
// ("patient.name") through a std::stringstream on every lookup, which was
// 4 % of a packet. Here the segments are walked in place. Same results:
// a path resolves in the innermost section where every segment exists, and
// a trailing dot adds no segment (as std::getline's split does not).
class SectionStack final : public km::basic_context<std::string> {
 public:
  explicit SectionStack(const km::data* root) { items_.push_back(root); }
  void push(const km::data* data) override { items_.push_back(data); }
  void pop() override { items_.pop_back(); }
  const km::data* get(const std::string& name) const override {
    if (name == ".") return items_.back();
    for (auto it = items_.rbegin(); it != items_.rend(); ++it)
      if (const km::data* found = walk(*it, name)) return found;
    return nullptr;
  }
  const km::data* get_partial(const std::string& name) const override {
    for (auto it = items_.rbegin(); it != items_.rend(); ++it)
      if (const km::data* found = (*it)->get(name)) return found;
    return nullptr;
  }

 private:
  static const km::data* walk(const km::data* at, const std::string& name) {
    size_t dot = name.find('.');
    if (dot == std::string::npos) return at->get(name);
    std::string segment;
    for (size_t from = 0; at != nullptr && from < name.size(); from = dot + 1) {
      dot = name.find('.', from);
      if (dot == std::string::npos) dot = name.size();
      segment.assign(name, from, dot - from);
      at = at->get(segment);
    }
    return at;
  }
  std::vector<const km::data*> items_;  // innermost last
};

// kainjow writes through `<<`; this appends to one string (no ostringstream).
struct Appender {
  std::string out;
  Appender& operator<<(const std::string& s) {
    out += s;
    return *this;
  }
};

}  // namespace

std::string escape_markdown(std::string_view value) {
  // "." is escaped too: a value such as "1. foo" must not start a list.
  static const std::string_view kSyntax = "\\`*_{}[]<>()#+-.!|~&";
  std::string out;
  out.reserve(value.size() + value.size() / 4);
  for (size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (c == '\r') continue;
    if (c == '\n' || c == '\t') {
      out += ' ';
    } else if (kSyntax.find(c) != std::string_view::npos) {
      out += '\\';
      out += c;
    } else {
      out += c;
    }
  }
  return out;
}

struct TemplateData::Impl {
  km::data data;
};

TemplateData::TemplateData(const nlohmann::json& data) : impl_(std::make_unique<Impl>(Impl{to_mustache(data)})) {}
TemplateData::~TemplateData() = default;

Result<std::string> expand_template(std::string_view template_text, const nlohmann::json& data,
                                    const std::string& template_name, Escaping escaping) {
  return expand_template(template_text, TemplateData(data), template_name, escaping);
}

Result<std::string> expand_template(std::string_view template_text, const TemplateData& data,
                                    const std::string& template_name, Escaping escaping) {
  // Compiled templates are kept per thread (kainjow's render is not const),
  // keyed by their text, so an edited template file is simply a new entry.
  thread_local std::unordered_map<std::string, std::unique_ptr<km::mustache>> compiled;
  if (compiled.size() > 64) compiled.clear();
  auto& slot = compiled[std::string(template_text)];
  if (!slot) slot = std::make_unique<km::mustache>(std::string(template_text));
  km::mustache& tpl = *slot;
  if (!tpl.is_valid())
    return Result<std::string>::fail({error_at("", "template " + template_name + ": " + tpl.error_message())});
  if (escaping == Escaping::markdown)
    tpl.set_custom_escape([](const std::string& s) { return escape_markdown(s); });
  else
    tpl.set_custom_escape([](const std::string& s) { return s; });
  SectionStack sections(&data.impl().data);
  Appender appender;
  std::string out = std::move(tpl.render(sections, appender).out);
  if (!tpl.is_valid()) {
    std::string message = tpl.error_message();
    compiled.erase(std::string(template_text));  // a render error leaves the object unusable
    return Result<std::string>::fail({error_at("", "template " + template_name + ": " + message)});
  }
  return Result<std::string>::ok(std::move(out));
}

}  // namespace p2p

namespace p2p {

TemplateText split_front_matter(std::string_view text) {
  TemplateText out;
  auto line_end = [&](size_t from) {
    size_t e = text.find('\n', from);
    return e == std::string_view::npos ? text.size() : e;
  };
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return std::string(s);
  };
  size_t first = line_end(0);
  if (trim(text.substr(0, first)) != "---") {
    out.body = std::string(text);
    return out;
  }
  size_t pos = first + 1;
  while (pos < text.size()) {
    size_t end = line_end(pos);
    std::string line = trim(text.substr(pos, end - pos));
    pos = end + 1;
    if (line == "---") {
      out.body = pos < text.size() ? std::string(text.substr(pos)) : std::string();
      return out;
    }
    size_t colon = line.find(':');
    if (colon != std::string::npos) out.front[trim(line.substr(0, colon))] = trim(std::string_view(line).substr(colon + 1));
  }
  // no closing line: not front matter after all
  out.front.clear();
  out.body = std::string(text);
  return out;
}

}  // namespace p2p
