// Printable text: every text of a case must print as written with the fonts
// the packet draws it with, so that nothing is silently lost (a character no
// font has prints as an empty box; right-to-left text would print backwards).
// The check runs on the case before generation, where each text still has its
// JSON path, and finds every such field at once. It is an error (the case is
// invalid, nothing is written): a packet must not pretend to have printed
// what it could not. docs/case-format.md "Characters" says what prints.
// Pure function of its inputs; thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "core/diagnostic.h"
#include "layout/layout.h"
#include "text/coverage.h"

namespace p2p {

// The characters the packet's fonts print: those every face of `families`
// covers (a case text may end up in any document, in any style of either
// family). Built once with the resources (about a millisecond).
TextCoverage packet_text_coverage(const std::vector<const FontSet*>& families);

// One error per text of `doc` holding characters `coverage` cannot print (and
// one more when it also holds right-to-left text), naming its JSON path and
// the characters (each as itself and U+XXXX, with the script they come from).
// Subtrees at the paths of `skip` (keys validation ignored as unknown) are
// not checked. The walk keeps its own stack: no recursion, whatever the depth.
Diagnostics check_printable_text(const nlohmann::json& doc, const TextCoverage& coverage,
                                 const std::vector<std::string>& skip = {});

// The paths validation reported as unknown keys (ignored, never printed).
std::vector<std::string> unknown_key_paths(const Diagnostics& validation);

}  // namespace p2p
