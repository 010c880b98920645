// Template check: every template file of every document kind (default.md,
// by-type/*, by-payer/*, by-payer/*/*) expanded against every given case,
// and the text searched for artefacts a reader would see: a placeholder left
// over ("{{", "}}"), "null", a doubled period, an empty "()", a label with
// nothing after it ("Phone:"), an editing note in brackets. It answers a case
// manager who edited a template: what broke, in which file, for which case.
// A template is checked against every case, not only the cases the select
// stage would give it, so a variant is tried on the whole range of data.
// Pure apart from reading the templates folder; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "case/case.h"
#include "core/diagnostic.h"
#include "pipeline/pipeline.h"

namespace p2p {

// One artefact found in expanded text.
struct TextArtefact {
  std::string what;     // "leftover {{", "empty label \"Phone:\"" ...
  std::string context;  // the text around it, on one line
};

// Searches expanded template text. `markdown`: the text is a Markdown
// template's expansion (backslash escapes and HTML comments are removed
// first, ```field blocks may hold empty values).
std::vector<TextArtefact> find_artefacts(std::string_view text, bool markdown);

// Checks a template's own text (before expansion): each "{{" closed by "}}"
// on the same line, no stray "}}", tag names well formed. A broken tag does
// not fail the expansion: it silently swallows the text up to the next "}}",
// so it is looked for here.
std::vector<TextArtefact> find_tag_errors(std::string_view template_body);

// Plain placeholders outside any section ("{{patient.nmae}}") whose dotted
// name has a value in none of `views` and is not a field of the case format
// (`schema`, the JSON schema; an empty object when absent): most likely a
// misspelt name, which would print nothing.
std::vector<TextArtefact> find_unknown_names(std::string_view template_body,
                                             const std::vector<const nlohmann::json*>& views,
                                             const nlohmann::json& schema);

// Every template file of one kind, relative to the templates folder, sorted.
std::vector<std::string> template_files(const Resources& res, const DocumentKind& kind);

struct NamedCase {
  std::string name;  // file name, for the report
  Case c;
};

struct TemplateFinding {
  std::string template_path;  // "templates/brief/default.md"
  std::string case_name;
  std::string what;
  std::string context;
};

struct TemplateCheckReport {
  int templates = 0;     // files checked
  int expansions = 0;    // template x case pairs expanded
  std::vector<TemplateFinding> findings;  // artefacts and expansion errors
};

TemplateCheckReport check_templates(const Resources& res, const std::vector<NamedCase>& cases);

}  // namespace p2p
