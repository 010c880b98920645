// PDF stage: positioned pages -> PDF bytes. The only module that includes
// PoDoFo. It paints frames exactly as the layout placed them (rectangles,
// then lines, then text) and knows nothing about paragraphs or documents.
// Fonts are embedded as Identity-H subsets of the files the layout measured,
// so text extracts as Unicode and the file stays small.
// Thread contract: call prepare_pdf_export() once on the main thread before
// exporting from several threads (PoDoFo 0.9.8 creates its encoding
// singletons lazily, without a lock); after that one export per thread at a
// time is safe.
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

void prepare_pdf_export();

// The whole PDF in memory. Fails only on a PoDoFo error (message says what).
Result<std::string> export_pdf(const std::vector<Page>& pages, const FontSet& fonts, const PdfMetadata& meta);

}  // namespace p2p
