// The shipped fonts (fonts/ in the source tree) for the test programs: each
// file loaded once per program and shared. A file that does not load fails
// the test that asked for it, with the loader's message. Linked into tests
// only (p2p_test_fonts).
#pragma once

#include <memory>
#include <string>

#include "layout/layout.h"
#include "text/font_face.h"

namespace p2p::test_fonts {

// "LiberationSans-Bold.ttf" -> that face
std::shared_ptr<const FontFace> face(const std::string& file);
// Liberation Sans Regular, the face most tests measure and draw with.
const FontFace& sans();
// "LiberationSans" or "LiberationSerif": regular, bold, italic, bold italic,
// the FontSet the pipeline loads. Another call gives another FontSet of the
// same faces (a test that needs two distinct sets calls twice).
FontSet family(const std::string& name);
// family("LiberationSans"), made once.
const FontSet& sans_family();

}  // namespace p2p::test_fonts
