// Type0 font parts: our own compression read back by PoDoFo's zlib.
#include <doctest/doctest.h>

#include <cstdlib>
#include <memory>
#include <string>

#include <podofo/podofo.h>

#include "pdf/type0_font.h"
#include "text/code_point_set.h"
#include "text/font_face.h"
#include "text/font_subset.h"

using namespace PoDoFo;

namespace {

std::shared_ptr<const p2p::FontFace> face(const char* file) {
  auto r = p2p::FontFace::load(std::string(P2P_SOURCE_ROOT) + "/fonts/" + file);
  REQUIRE(r.is_ok());
  return r.value();
}

p2p::CodePointSet set_of(const std::u32string& text) {
  p2p::CodePointSet s;
  for (char32_t cp : text) s.insert(cp);
  return s;
}

// What PoDoFo's own FlateDecode (zlib) reads back from a stream we compressed.
std::string read_back(const std::string& data, int level) {
  PdfMemDocument doc;
  PdfObject* obj = doc.GetObjects().CreateObject();
  p2p::set_filtered_stream(obj, p2p::deflated(data, level));
  char* bytes = nullptr;
  pdf_long length = 0;
  obj->GetStream()->GetFilteredCopy(&bytes, &length);
  std::string out(bytes, static_cast<size_t>(length));
  podofo_free(bytes);
  return out;
}

}  // namespace

TEST_CASE("deflated streams read back through PoDoFo's FlateDecode at every level used") {
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "BT /F0 9 Tf 1 0 0 1 72 " + std::to_string(i % 700) + " Tm <0012003A> Tj ET\n";
  for (int level : {4, 6, 9}) {
    CAPTURE(level);
    CHECK(read_back(text, level) == text);
    CHECK(p2p::deflated(text, level).size() < text.size() / 4);
  }
  CHECK(read_back("", 4).empty());
}

TEST_CASE("Type0 parts: the streams of a subset, compressed once") {
  auto sans = face("LiberationSans-Regular.ttf");
  auto subset = p2p::subset_font(*sans, set_of(U"Peer-to-peer brief: José Núñez ≥ 90 %"));
  REQUIRE(subset.is_ok());
  const std::string ttf = subset.value().ttf;
  p2p::Type0FontParts parts = p2p::type0_font_parts(subset.take());
  CHECK(parts.ttf_length == ttf.size());
  CHECK(parts.packed_ttf == p2p::deflated(ttf));
  CHECK(parts.subset.ttf.empty());
  CHECK(parts.widths.starts_with("[0 ["));
  CHECK_FALSE(parts.packed_cmap.empty());
}
