// Expand stage: a Markdown template with mustache placeholders + the merged
// case data -> Markdown text. Every value from the data is escaped for
// Markdown (and so for the placeholder syntax too), so a patient named
// `**Bob** {{x}} <i>` prints exactly that and can never inject markup.
// Template text is trusted (case managers write it); data is not.
// Thread-safe: each call compiles its own template.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/diagnostic.h"

namespace p2p {

// The case data converted once for the template engine, so that a packet of
// several documents converts it once instead of once per template.
// Immutable after construction; share it between calls on one thread.
class TemplateData {
 public:
  explicit TemplateData(const nlohmann::json& data);
  ~TemplateData();
  TemplateData(const TemplateData&) = delete;
  TemplateData& operator=(const TemplateData&) = delete;
  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

// How values are escaped: for Markdown templates, or not at all for plain
// text output (the case manager's notice).
enum class Escaping { markdown, none };

// `template_name` only labels error messages ("templates/brief/default.md").
Result<std::string> expand_template(std::string_view template_text, const nlohmann::json& data,
                                    const std::string& template_name, Escaping escaping = Escaping::markdown);
Result<std::string> expand_template(std::string_view template_text, const TemplateData& data,
                                    const std::string& template_name, Escaping escaping = Escaping::markdown);

// A template may open with a front-matter block of `key: value` lines
// between two `---` lines (title, font, one_page, footer...). Returns the
// keys and the body after the block; without a block, no keys and the whole
// text.
struct TemplateText {
  std::map<std::string, std::string> front;
  std::string body;
};
TemplateText split_front_matter(std::string_view text);

// Backslash-escapes every ASCII punctuation character that Markdown or GFM
// tables could read as syntax, and turns line breaks into spaces.
std::string escape_markdown(std::string_view value);

}  // namespace p2p
