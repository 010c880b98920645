// Type0 font parts: our own compression read back by PoDoFo's zlib.
#include <doctest/doctest.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <podofo/podofo.h>

#include "pdf/object_writer.h"
#include "pdf/syntax.h"
#include "pdf/type0_font.h"
#include "text/code_point_set.h"
#include "text/font_face.h"
#include "text/font_subset.h"
#include "text/test_fonts.h"
#include "pdf/test_documents.h"

using namespace PoDoFo;

namespace {

using p2p::test_fonts::face;

p2p::CodePointSet set_of(const std::u32string& text) {
  p2p::CodePointSet s;
  for (char32_t cp : text) s.insert(cp);
  return s;
}

// What PoDoFo's own FlateDecode (zlib) reads back from a stream we
// compressed and wrote into a file of ours.
std::string read_back(const std::string& data, int level) {
  p2p::ObjectWriter pdf;
  const int catalog = pdf.reserve(), info = pdf.reserve(), tree = pdf.reserve(), stream = pdf.reserve();
  pdf.stream(stream, p2p::deflated(data, level), true);
  std::string file = p2p::test_documents::finish_empty(pdf, catalog, info, tree);
  PdfMemDocument doc;
  doc.LoadFromBuffer(file.data(), static_cast<long>(file.size()));
  const PdfObject* obj = doc.GetObjects().GetObject(PdfReference(stream, 0));
  REQUIRE(obj != nullptr);
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
  for (int level : {p2p::kDeflateLevel, 6, 9}) {
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

TEST_CASE("numbers: the fast spelling equals to_chars with two decimals, ties included") {
  auto reference = [](double v) {
    char buf[40];
    auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 2);
    std::string s(buf, res.ptr);
    if (s.find('.') != std::string::npos) {
      while (s.back() == '0') s.pop_back();
      if (s.back() == '.') s.pop_back();
    }
    return s == "-0" ? std::string("0") : s;
  };
  std::vector<double> values = {0, -0.0, 0.004, -0.004, 0.005, -0.005, 0.125, 0.375, -0.625, 72.005, 1.015,
                                612, 791.999, -3.25, 12.5, 1e14, -1e14, 1e20, 0.1 + 0.2, 2.675, 1.005};
  uint64_t x = 88172645463325252ULL;
  for (int i = 0; i < 200000; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;   // xorshift: reproducible
    double v = static_cast<double>(x % 20000000) / 8192.0 - 1000.0;
    values.push_back(i % 2 ? v : std::round(v * 1000) / 1000);
  }
  for (double v : values) {
    std::string got;
    p2p::put_number(got, v);
    CAPTURE(v);
    REQUIRE(got == reference(v));
  }
}
