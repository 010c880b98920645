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

struct Type0FontParts;

// One subset per face made for several documents drawn with the same
// FontSet: each face keeps every code point any of them draws with it.
// A packet's documents embed these instead of subsetting and compressing
// each face once per document (a fifth of a packet's CPU); each file's font
// is larger by the glyphs the other documents add (docs/performance.md,
// "shared subsets"). A face that draws nothing, or a character some face
// lacks, leaves that face unshared: export_pdf then subsets it for its own
// document and reports what is missing.
struct SharedSubsets {
  const FontSet* fonts = nullptr;
  std::shared_ptr<const Type0FontParts> face[4];
};
Result<SharedSubsets> share_subsets(const std::vector<const std::vector<Page>*>& documents, const FontSet& fonts);

// The whole PDF in memory. Fails when a text or field value has a character
// its font has no glyph for (the message names it). `shared`, when given
// for the same `fonts`, supplies the subset of every face it covers.
Result<std::string> export_pdf(const std::vector<Page>& pages, const FontSet& fonts, const PdfMetadata& meta,
                               const SharedSubsets* shared = nullptr);

}  // namespace p2p
