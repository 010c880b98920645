// Type0 fonts: a FontSubset (text/font_subset.h) written into a PDF as an
// Identity-H composite font (Type0 -> CIDFontType2 with /CIDToGIDMap
// /Identity -> FontDescriptor -> FontFile2, plus a ToUnicode CMap), and text
// spelled as 2-byte glyph ids of that subset. Shared by the page painter and
// the form fields' appearance streams, so that both draw any Unicode text the
// face covers and both extract as Unicode. Internal to the pdf stage.
// Thread contract: as pdf_export (one document per thread at a time).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "pdf/object_writer.h"
#include "text/font_subset.h"

namespace p2p {

// A subset with its streams compressed and its /W array spelled: all the
// work of embedding it except creating a handful of dictionaries.
struct Type0FontParts {
  FontSubset subset;         // its ttf left empty: packed_ttf holds it
  std::string packed_ttf;    // FontFile2, deflated
  size_t ttf_length = 0;     // /Length1
  std::string packed_cmap;   // ToUnicode CMap, deflated
  std::string widths;        // "[0 [w1 w2 ...]]"
};
Type0FontParts type0_font_parts(FontSubset subset);

// Writes the font objects; returns the number of the Type0 font dictionary
// to name in a /Resources /Font dictionary.
int embed_type0_font(ObjectWriter& pdf, const Type0FontParts& parts);
int embed_type0_font(ObjectWriter& pdf, const FontSubset& subset);

// UTF-8 `text` as a literal string of the subset's glyph ids, two bytes
// each, for the Tj operator (a code point the subset lacks is glyph 0,
// .notdef). Binary, not hex: half the bytes to write and to compress. The
// bytes a literal string cannot hold as they are get a backslash: ( ) \,
// and carriage return (a reader would take a raw one for a line feed).
void put_glyph_string(std::string& out, const FontSubset& subset, std::string_view utf8);

// libdeflate level 1 for page content, font programs and CMaps. Levels 2 to 4
// share one match finder and cost the same; level 1 takes about 10 % off a
// packet's instructions for 1.3 % more bytes, and a packet is still 4 %
// smaller than the zlib level 3 build wrote (docs/performance.md, "Level 1").
constexpr int kDeflateLevel = 1;

// `data` in zlib format (RFC 1950, what FlateDecode reads), compressed with
// libdeflate at `level` (1..12); one compressor per level and thread.
std::string deflated(std::string_view data, int level = kDeflateLevel);

}  // namespace p2p
