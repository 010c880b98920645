// Select stage: which template file serves a document. For each document
// kind the most specific file that exists wins:
//   templates/<kind>/by-payer/<payer>/<denial_type>.md   payer + denial type
//   templates/<kind>/by-payer/<payer>.md                 payer
//   templates/<kind>/by-type/<denial_type>.md            denial type
//   templates/<kind>/default.md                          everyone else
// Adding a variant is adding a file; nothing is compiled in.
// Pure function of its inputs (file existence is asked through `exists`).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/diagnostic.h"

namespace p2p {

struct TemplateChoice {
  std::string kind;                     // "brief"
  std::string chosen;                   // path relative to the templates folder
  std::vector<std::string> candidates;  // every path tried, most specific first
  std::string folder = "templates";     // where `chosen` was found: templates, or a site's overlay folder
};

// Candidate paths, most specific first (relative to the templates folder).
// `ext` is the template files' extension: ".md", or ".txt" for text output.
std::vector<std::string> template_candidates(const std::string& kind, const std::string& payer_id,
                                             const std::string& denial_type, const std::string& ext = ".md");

// Fails with an error naming the kind when not even default.md exists.
Result<TemplateChoice> select_template(const std::string& kind, const std::string& payer_id,
                                       const std::string& denial_type,
                                       const std::function<bool(const std::string&)>& exists,
                                       const std::string& ext = ".md");

}  // namespace p2p
