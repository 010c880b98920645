#include "expand/expand.h"

#include <kainjow/mustache.hpp>

namespace p2p {

namespace km = kainjow::mustache;

namespace {

// kainjow's data has no numbers and no null: numbers print as JSON does,
// null behaves like false (prints nothing, skips sections).
km::data to_mustache(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::object: {
      km::data d{km::data::type::object};
      for (auto it = j.begin(); it != j.end(); ++it) d.set(it.key(), to_mustache(it.value()));
      return d;
    }
    case nlohmann::json::value_t::array: {
      km::data d{km::data::type::list};
      for (const auto& v : j) d.push_back(to_mustache(v));
      return d;
    }
    case nlohmann::json::value_t::string:
      return km::data{j.get<std::string>()};
    case nlohmann::json::value_t::boolean:
      return km::data{j.get<bool>()};
    case nlohmann::json::value_t::null:
      return km::data{false};
    default:
      return km::data{j.dump()};
  }
}

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

Result<std::string> expand_template(std::string_view template_text, const nlohmann::json& data,
                                    const std::string& template_name) {
  km::mustache tpl{std::string(template_text)};
  if (!tpl.is_valid())
    return Result<std::string>::fail({error_at("", "template " + template_name + ": " + tpl.error_message())});
  tpl.set_custom_escape([](const std::string& s) { return escape_markdown(s); });
  std::string out = tpl.render(to_mustache(data));
  if (!tpl.is_valid())
    return Result<std::string>::fail({error_at("", "template " + template_name + ": " + tpl.error_message())});
  return Result<std::string>::ok(std::move(out));
}

}  // namespace p2p
