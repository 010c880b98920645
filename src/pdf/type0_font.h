// Type0 fonts: a FontSubset (text/font_subset.h) written into a PDF as an
// Identity-H composite font (Type0 -> CIDFontType2 with /CIDToGIDMap
// /Identity -> FontDescriptor -> FontFile2, plus a ToUnicode CMap), and text
// spelled as 2-byte glyph ids of that subset. Shared by the page painter and
// the form fields' appearance streams, so that both draw any Unicode text the
// face covers and both extract as Unicode. Internal to the pdf stage.
// Thread contract: as pdf_export (one document per thread at a time).
#pragma once

#include <string>
#include <string_view>

#include <podofo/podofo.h>

#include "text/font_subset.h"

namespace p2p {

// Writes the font objects of `subset` into `objs`; returns the Type0 font
// dictionary to name in a /Resources /Font dictionary.
PoDoFo::PdfObject* embed_type0_font(PoDoFo::PdfVecObjects& objs, const FontSubset& subset);

// "<0012003A>": UTF-8 `text` as a hex string of the subset's glyph ids, for
// the Tj operator (a code point the subset lacks is glyph 0, .notdef).
void put_glyph_string(std::string& out, const FontSubset& subset, std::string_view utf8);

// Stores `data` Flate-compressed (zlib level P2P_DEFLATE_LEVEL, one deflate
// state per thread).
void set_deflated_stream(PoDoFo::PdfObject* obj, const std::string& data);

}  // namespace p2p
