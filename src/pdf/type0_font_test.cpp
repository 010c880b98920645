// Type0 font parts: our own compression read back by PoDoFo's zlib, and the
// per-thread cache of subsets giving exactly what a fresh subset gives.
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

TEST_CASE("cached Type0 parts: the same face and set reuse one subset, equal to a fresh one") {
  auto sans = face("LiberationSans-Regular.ttf");
  auto bold = face("LiberationSans-Bold.ttf");
  const std::u32string text = U"Peer-to-peer brief: José Núñez ≥ 90 %";
  auto first = p2p::cached_type0_font(*sans, set_of(text));
  REQUIRE(first.is_ok());
  const std::u32string reversed(text.rbegin(), text.rend());  // the same set, drawn in another order
  auto again = p2p::cached_type0_font(*sans, set_of(reversed + text));
  REQUIRE(again.is_ok());
  CHECK(again.value().get() == first.value().get());

  auto fresh = p2p::subset_font(*sans, set_of(text));
  REQUIRE(fresh.is_ok());
  p2p::Type0FontParts expected = p2p::type0_font_parts(fresh.take());
  const p2p::Type0FontParts& got = *first.value();
  CHECK(got.packed_ttf == expected.packed_ttf);
  CHECK(got.ttf_length == expected.ttf_length);
  CHECK(got.packed_cmap == expected.packed_cmap);
  CHECK(got.widths == expected.widths);
  CHECK(got.subset.code_points == expected.subset.code_points);
  CHECK(got.subset.subset_tag == expected.subset.subset_tag);

  auto other_set = p2p::cached_type0_font(*sans, set_of(text + U"!"));
  auto other_face = p2p::cached_type0_font(*bold, set_of(text));
  REQUIRE(other_set.is_ok());
  REQUIRE(other_face.is_ok());
  CHECK(other_set.value().get() != first.value().get());
  CHECK(other_face.value().get() != first.value().get());
  CHECK(other_face.value()->subset.postscript_name != first.value()->subset.postscript_name);
}

TEST_CASE("cached Type0 parts: a subset set inside another is not taken for it") {
  auto serif = face("LiberationSerif-Regular.ttf");
  auto big = p2p::cached_type0_font(*serif, set_of(U"abcdef"));
  auto small = p2p::cached_type0_font(*serif, set_of(U"abc"));
  REQUIRE(big.is_ok());
  REQUIRE(small.is_ok());
  CHECK(small.value()->subset.code_points == std::vector<char32_t>{U'a', U'b', U'c'});
  CHECK(big.value()->subset.code_points.size() == 6);
}
