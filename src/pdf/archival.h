// PDF/A-2b (ISO 19005-2, level B) for the documents a practice files as
// records (docs/archival.md). Internal to the pdf stage: export_pdf calls it
// when PdfMetadata::output_intent is set. What level B asks of a file we
// write, and where each part comes from:
//   - XMP metadata in the catalog saying part 2, conformance B, and
//     repeating the document info (title, author, subject, keywords, creator
//     tool, producer, both dates) with the same values; unfiltered (part 2
//     allows a filter, but raw XML is what any tool can find);
//   - an output intent (GTS_PDFA1) carrying an sRGB ICC profile, because
//     pages paint in DeviceRGB;
//   - every font embedded (always true here: Identity-H subsets), no
//     encryption, no transparency, no JavaScript, a file identifier and the
//     binary header comment (pdf/object_writer.h writes both for every file);
//   - form widgets with their own appearance streams and the Print flag,
//     and no NeedAppearances (form_fields.cpp does so for every file).
#pragma once

#include <string>

#include "pdf/object_writer.h"
#include "pdf/pdf_export.h"

namespace p2p {

// The XMP packet for `meta`, as UTF-8 XML. Pure; thread-safe.
std::string xmp_packet(const PdfMetadata& meta);

// "2026-12-01T00:00:00Z": the XMP spelling of the instant pdf_date() writes.
std::string xmp_date(long long timestamp);

// The producer both the info dictionary and the XMP name.
std::string producer_of(const PdfMetadata& meta);

// The objects the catalog names for PDF/A: the XMP metadata stream and the
// output intent's ICC profile.
struct ArchivalParts {
  int metadata = 0;
  int profile = 0;
};

// Writes the XMP metadata stream and the ICC profile stream.
// meta.output_intent must be set.
ArchivalParts write_archival_parts(ObjectWriter& pdf, const PdfMetadata& meta);

// The catalog's /Metadata and /OutputIntents entries naming `parts`.
void put_archival_catalog_keys(ObjectWriter& pdf, const ArchivalParts& parts);

// The OutputConditionIdentifier and Info of the output intent.
inline constexpr const char* kSrgbCondition = "sRGB IEC61966-2.1";

}  // namespace p2p
