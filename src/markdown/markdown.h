// Markdown stage: GitHub-flavoured Markdown text -> Document tree (blocks and
// styled spans). The only module that includes cmark-gfm.
// Raw HTML from a template is dropped, except <mark>...</mark>, which becomes
// highlighted text; HTML in case values never reaches here as HTML because the
// expand stage escapes it. Links keep their text only (paper has no links).
// Thread-safe after the first call (extension registration is done once).
#pragma once

#include <string_view>

#include "document/document.h"

namespace p2p {

Blocks parse_markdown(std::string_view markdown);

// Joins the text of spans (hard breaks become spaces): for tests and for
// anything that needs the plain text of a block.
std::string plain_text(const Inlines& inlines);

}  // namespace p2p
