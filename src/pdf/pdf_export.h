// PDF stage: positioned pages -> PDF bytes, written by our own object writer
// (pdf/object_writer.h; no PoDoFo on this side: reading PDFs is
// pdf/form_read.h's, a separate library). It paints frames exactly as the
// layout placed them (rectangles, then lines, then text) and knows nothing
// about paragraphs or documents. Fonts are embedded as Identity-H subsets of
// the files the layout measured, so text extracts as Unicode and the file
// stays small.
// Thread contract: exports on several threads at once are safe, one
// document per call; there is no shared state but the form font cache,
// which has its own lock.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/diagnostic.h"
#include "document/document.h"
#include "layout/layout.h"

namespace p2p {

struct PdfMetadata {
  DocumentInfo info;
  std::string creator;     // "p2pdoc 0.1.0"
  long long timestamp = 0; // seconds since 1970 (UTC): CreationDate and ModDate
  // Set: the file is PDF/A-2b, with this sRGB ICC profile as its output
  // intent (pdf/archival.h; Resources::output_intent)
  std::shared_ptr<const std::string> output_intent;
};

// The whole PDF in memory. Fails when a text or field value has a character
// its font has no glyph for (the message names it).
Result<std::string> export_pdf(const std::vector<Page>& pages, const FontSet& fonts, const PdfMetadata& meta);

}  // namespace p2p
