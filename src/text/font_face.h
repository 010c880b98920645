// FontFace: the metrics of one TrueType font file, read by us (tables head,
// hhea, OS/2, cmap, hmtx) so that the layout engine breaks lines by the
// font's own advance widths. The PDF exporter embeds a subset of the same
// file and draws with plain advances (no kerning), so what we measure is
// exactly what is drawn.
// A loaded FontFace is immutable: share it freely between threads.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostic.h"

namespace p2p {

class FontFace {
 public:
  // Maps `path` into memory (read-only; pages are read as the tables are
  // touched, so a one-shot run pays only for what it measures and embeds)
  // and parses it. Fails (path "" , message naming the file and the
  // problem) when the file is missing or is not a TrueType font with a Unicode
  // cmap.
  static Result<std::shared_ptr<const FontFace>> load(const std::string& path);
  // Same, from bytes already in memory.
  static Result<std::shared_ptr<const FontFace>> parse(std::string bytes, std::string path_for_messages);

  const std::string& path() const { return path_; }
  std::string_view bytes() const { return bytes_; }   // the whole font file
  std::string postscript_name() const { return postscript_name_; }

  int units_per_em() const { return units_per_em_; }
  // Vertical metrics in font units (OS/2 typo/win or hhea, as PoDoFo/FreeType use them).
  int ascent() const { return ascent_; }     // positive, above baseline
  int descent() const { return descent_; }   // negative, below baseline
  int line_gap() const { return line_gap_; }

  bool has_glyph(char32_t cp) const { return glyph_index(cp) != 0; }
  // False when no code point U+pp00..U+ppFF of the BMP page `page` has a
  // glyph: a set of faces can skip the whole page (text/coverage.h).
  bool has_glyph_in_page(unsigned page) const { return page < 256 && page_of_[page] != 0; }
  uint16_t glyph_index(char32_t cp) const;
  // Advance width in font units; characters the font lacks measure as .notdef (glyph 0).
  int advance(char32_t cp) const;

  // Width in points of UTF-8 text at `size` points. Invalid UTF-8 bytes count as U+FFFD.
  double width(std::string_view utf8, double size) const;

 private:
  FontFace() = default;
  static Result<std::shared_ptr<const FontFace>> parse_view(std::string_view bytes, std::shared_ptr<const void> storage,
                                                            std::string path_for_messages);
  std::string path_;
  std::shared_ptr<const void> storage_;       // owns what bytes_ views: a mapping or a string
  std::string_view bytes_;
  std::string postscript_name_;
  int units_per_em_ = 1000;
  int ascent_ = 0, descent_ = 0, line_gap_ = 0;
  std::vector<uint16_t> advances_;            // by glyph index (hmtx, last value repeated)
  // The BMP in two levels: the page of 256 code points, then the code point
  // in its page. Pages the font has no glyph in share the empty page 0, so
  // a Latin font fills a few KB instead of a 128 KB direct table; a lookup
  // is still two array reads.
  uint16_t page_of_[256] = {};
  std::vector<std::array<uint16_t, 256>> pages_;
  // Code points above U+FFFF (cmap format 12 only), sorted, non-overlapping.
  struct CodeRange { char32_t first, last; uint32_t first_glyph; };
  std::vector<CodeRange> supplementary_;
};

// Decodes one UTF-8 code point at `i` and advances `i`; invalid bytes give U+FFFD.
char32_t next_code_point(std::string_view s, size_t& i);

}  // namespace p2p
