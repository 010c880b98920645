// Form fields: a page's FieldItems -> AcroForm widgets with their own
// appearance streams. Internal header of the pdf stage, included only by
// pdf_export.cpp (and its tests).
//
// What write_form_fields writes, per field: a merged field/widget annotation
// (/FT /Tx or /Btn, /T name, /TU label as tooltip, /Ff 4096 for multi-line,
// /F 4 so it prints, /DA, /MK, /BS, /M = the given timestamp) whose normal
// appearance (/AP /N) it paints itself: text fields show the value (one line
// vertically centred, or wrapped by the font's advances from the top),
// checkboxes get a /Yes appearance with a drawn tick and an empty /Off one,
// selected by /V and /AS. Each appearance also strokes a thin gray border and
// is otherwise transparent: the printed look of the field (label, box) is
// already drawn by the layout. /V keeps the full Unicode value.
//
// Two fonts, for two readers. The appearances draw the values with the
// document's own Identity-H subset of `face` (AppearanceFont, the one the
// page text uses, so a form costs no extra font), which holds any Unicode
// character the face covers: Cyrillic, Vietnamese, Greek print as typed. The
// caller puts every value's characters (field_code_points) into that subset
// and refuses values the face cannot draw (pdf_export does), so nothing
// prints as a box or a '?'.
// The form font, in the AcroForm /DR and named by every /DA, is for viewers
// and pdftk that regenerate an appearance when someone types or fills a
// field: a simple TrueType font from `face` with /Encoding /WinAnsiEncoding
// and /Widths for codes 32..255 (the encoding those tools handle), a subset
// of every WinAnsi glyph. It is written once per document (kept in `form`);
// its compressed FontFile2 bytes are computed once per process per font and
// shared (thread-safe).
//
// Deterministic: the same input gives the same objects; there is no clock in
// here (every widget's /M is `timestamp`, seconds since 1970, UTC).
// Thread contract: as pdf_export (one document per thread at a time).
#pragma once

#include <string>
#include <vector>

#include "layout/layout.h"
#include "pdf/object_writer.h"
#include "text/font_face.h"
#include "text/font_subset.h"

namespace p2p {

// Per-document state: the form font once written, and every field so far.
// One per document, shared by all its pages; starts empty.
struct AcroFormParts {
  int font = 0;               // the /Font dictionary in /DR, 0 until the first field
  std::string resource_name;  // its name in /DR and /DA, e.g. "LiberationSans"
  std::vector<int> fields;    // the widgets, in page order: the AcroForm's /Fields
};

// The font the appearance streams draw values with: an Identity-H Type0 font
// already in the document (pdf/type0_font.h) and the subset it embeds.
struct AppearanceFont {
  int font = 0;  // its object number; 0: none
  const FontSubset* subset = nullptr;
};

// Appends the code points the appearance of `field` draws (line breaks and
// other controls excepted) to `out`: what the AppearanceFont's subset needs.
void field_code_points(const FieldItem& field, std::vector<char32_t>& out);

// Writes `fields` (layout coordinates: points, origin top-left, y down, on a
// page `page_height` points tall) as widgets of the page object `page`, with
// appearance streams, so they show and print in poppler and mupdf and list
// in `pdftk dump_data_fields`. Writes the form font on the first call that
// has fields. Returns the widgets' numbers for the page's /Annots (empty
// when `fields` is). Field names must be unique within the document (the
// caller's duty).
std::vector<int> write_form_fields(ObjectWriter& pdf, int page, double page_height,
                                   const std::vector<FieldItem>& fields, const FontFace& face,
                                   const AppearanceFont& values, AcroFormParts& form, long long timestamp);

// Writes the AcroForm dictionary (/Fields, /DR, /DA) when the document has
// fields; returns its number for the catalog's /AcroForm, or 0.
int write_acroform(ObjectWriter& pdf, const AcroFormParts& form);

}  // namespace p2p
