// Coverage: which characters a set of font faces can print as written.
// A character is printable when every face of the set has a glyph for it
// (so it prints whichever face the layout picks for it) and it needs no
// shaping we lack: right-to-left scripts (Hebrew, Arabic, ...) would be drawn
// in typed order, left to right, so they count as not printable until a
// shaping engine (HarfBuzz, FriBidi) arrives. Tab, line feed and carriage
// return are layout controls, never drawn, and always printable.
// Built once from the faces (an 8 KB bitmap of the Basic Multilingual Plane,
// the intersection of their cmaps); queries are a bit test. Immutable after
// construction: share it freely between threads. It keeps its faces alive.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "text/font_face.h"

namespace p2p {

enum class Printability : uint8_t {
  printable,
  no_glyph,       // some face of the set lacks a glyph: it would print as an empty box
  right_to_left,  // a right-to-left letter or mark: it would print in reversed order
};

// A character of a text that cannot be printed, and why.
struct Unprintable {
  char32_t cp = 0;
  Printability why = Printability::no_glyph;
};

class TextCoverage {
 public:
  explicit TextCoverage(std::vector<std::shared_ptr<const FontFace>> faces);

  Printability check(char32_t cp) const;
  // The distinct characters of UTF-8 `text` that cannot be printed, in order
  // of first appearance. Empty for plain ASCII text the faces cover, which
  // is found without decoding (one pass over the bytes).
  std::vector<Unprintable> unprintable(std::string_view utf8) const;

 private:
  std::vector<std::shared_ptr<const FontFace>> faces_;
  std::vector<uint64_t> bmp_;   // bit cp set: every face has a glyph (U+0000..U+FFFF)
  bool ascii_ = false;          // every face covers U+0020..U+007E
};

// True for letters and marks of right-to-left scripts and the bidirectional
// controls that start right-to-left text (RLM, RLE, RLO, RLI).
bool is_right_to_left(char32_t cp);

// A short name for where `cp` comes from, for messages a case manager reads:
// "CJK (Chinese, Japanese)", "Hangul (Korean)", "emoji", "Hebrew", ...; "" when
// no block is named here.
const char* script_of(char32_t cp);

// "U+738B" (at least four hex digits).
std::string code_point_name(char32_t cp);
// The UTF-8 bytes of `cp`.
std::string utf8_of(char32_t cp);

}  // namespace p2p
