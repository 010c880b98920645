// The fonts the report tests measure with: the shipped Liberation Sans.
#pragma once

#include <string>

#include "layout/layout.h"

inline const p2p::FontSet& test_fonts() {
  static p2p::FontSet set = [] {
    p2p::FontSet s;
    const char* files[4] = {"LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf", "LiberationSans-Italic.ttf",
                            "LiberationSans-BoldItalic.ttf"};
    for (int i = 0; i < 4; ++i)
      s.faces[i] = p2p::FontFace::load(std::string(P2P_SOURCE_ROOT) + "/fonts/" + files[i]).value();
    return s;
  }();
  return set;
}
