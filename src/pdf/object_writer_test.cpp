// The object writer: each token's spelling, the xref table's offsets, and a
// second opinion from PoDoFo's parser on what we wrote.
#include <doctest/doctest.h>

#include <podofo/podofo.h>

#include <string>

#include "pdf/object_writer.h"
#include "pdf/test_documents.h"

using namespace PoDoFo;
using p2p::ObjectWriter;

namespace {

// The tokens one object holds, as written (without "n 0 obj" and "endobj").
template <typename Tokens>
std::string spelled(Tokens&& tokens) {
  ObjectWriter pdf;
  const int id = pdf.reserve();
  pdf.begin(id);
  size_t from = pdf.bytes().size();
  tokens(pdf);
  std::string out = pdf.bytes().substr(from);
  pdf.end();
  return out;
}

// A file of one catalog, an empty page tree and an info holding `title`.
std::string small_file(const std::string& title) {
  ObjectWriter pdf;
  const int catalog = pdf.reserve(), info = pdf.reserve(), tree = pdf.reserve();
  return p2p::test_documents::finish_empty(pdf, catalog, info, tree, title);
}

}  // namespace

TEST_CASE("tokens: separators only where two tokens would merge") {
  CHECK(spelled([](ObjectWriter& w) { w.open_dict().key("Type").name("Page").key("Count").integer(3).close_dict(); }) ==
        "<</Type/Page/Count 3>>");
  CHECK(spelled([](ObjectWriter& w) { w.open_array().integer(0).number(-0.004).number(612.5).ref(7).close_array(); }) ==
        "[0 0 612.5 7 0 R]");
  CHECK(spelled([](ObjectWriter& w) { w.key("W").raw("[0 [500]]").key("N").boolean(false); }) == "/W[0 [500]]/N false");
  CHECK(spelled([](ObjectWriter& w) { w.key("Length1").integer(-12).key("B").raw("7"); }) == "/Length1 -12/B 7");
}

TEST_CASE("names: delimiters, '#' and bytes outside '!'..'~' as #xx") {
  CHECK(spelled([](ObjectWriter& w) { w.name("ABCDEF+LiberationSans-Bold"); }) == "/ABCDEF+LiberationSans-Bold");
  CHECK(spelled([](ObjectWriter& w) { w.name("A B#(x)/y"); }) == "/A#20B#23#28x#29#2Fy");
  CHECK(spelled([](ObjectWriter& w) { w.name("caf\xC3\xA9"); }) == "/caf#C3#A9");
}

TEST_CASE("strings: ASCII literal with escapes, anything else UTF-16BE with its BOM") {
  CHECK(spelled([](ObjectWriter& w) { w.text("Upheld (denied) \\ ok"); }) == "(Upheld \\(denied\\) \\\\ ok)");
  CHECK(spelled([](ObjectWriter& w) { w.text("line\nnext\r\x01"); }) == "(line\\nnext\\r\\001)");
  CHECK(spelled([](ObjectWriter& w) { w.text("Jos\xC3\xA9"); }) == "<FEFF004A006F007300E9>");
  // beyond the BMP: a surrogate pair (U+1F600)
  CHECK(spelled([](ObjectWriter& w) { w.text("\xF0\x9F\x98\x80"); }) == "<FEFFD83DDE00>");
  CHECK(spelled([](ObjectWriter& w) { w.text(""); }) == "()");
}

TEST_CASE("streams: /Length of the bytes as given, /Filter when already deflated") {
  CHECK(spelled([](ObjectWriter&) {}).empty());
  ObjectWriter pdf;
  const int id = pdf.reserve();
  size_t from = pdf.bytes().size();
  pdf.stream(id, "0 g", false, [](ObjectWriter& w) { w.key("Type").name("XObject"); });
  CHECK(pdf.bytes().substr(from) == "1 0 obj\n<</Type/XObject/Length 3>>\nstream\n0 g\nendstream\nendobj\n");
  from = pdf.bytes().size();
  const int packed = pdf.reserve();
  pdf.stream(packed, "xy", true);
  CHECK(pdf.bytes().substr(from) == "2 0 obj\n<</Filter/FlateDecode/Length 2>>\nstream\nxy\nendstream\nendobj\n");
}

TEST_CASE("the xref table points at every object, the trailer names root, info and a fingerprint") {
  std::string file = small_file("Peer-to-peer brief");
  CHECK(file.rfind("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n", 0) == 0);
  size_t xref = file.find("\nxref\n");
  REQUIRE(xref != std::string::npos);
  size_t at = file.find('\n', xref + 6) + 1;  // after "0 4"
  CHECK(file.substr(xref + 6, 3) == "0 4");
  CHECK(file.substr(at, 20) == "0000000000 65535 f \n");
  for (int n = 1; n < 4; ++n) {
    std::string entry = file.substr(at + 20 * static_cast<size_t>(n), 20);
    CAPTURE(entry);
    REQUIRE(entry.substr(10) == " 00000 n \n");
    size_t offset = std::stoul(entry.substr(0, 10));
    CHECK(file.compare(offset, std::to_string(n).size() + 6, std::to_string(n) + " 0 obj") == 0);
  }
  CHECK(file.find("/Size 4/Root 1 0 R/Info 2 0 R/ID[<") != std::string::npos);
  size_t startxref = file.find("startxref\n");
  CHECK(std::stoul(file.substr(startxref + 10)) == xref + 1);
  CHECK(file.ends_with("%%EOF\n"));
}

TEST_CASE("the file identifier: same bytes same id, any change a new one") {
  CHECK(small_file("A") == small_file("A"));
  CHECK(p2p::file_identifier("A").size() == 32);
  CHECK(p2p::file_identifier("abcdefgh12345678") != p2p::file_identifier("abcdefgh12345679"));
  CHECK(p2p::file_identifier("") != p2p::file_identifier(std::string(1, '\0')));
  auto id_of = [](const std::string& file) { return file.substr(file.find("/ID[<") + 5, 32); };
  CHECK(id_of(small_file("A")) != id_of(small_file("B")));
}

TEST_CASE("PoDoFo's parser reads back what we wrote, text strings included") {
  PdfError::EnableDebug(false);
  PdfError::EnableLogging(false);
  for (std::string title : {"Peer-to-peer (call) record \\ 1", "Ærø ≥ 90 % – Наталья", "line\nbreak"}) {
    CAPTURE(title);
    std::string file = small_file(title);
    PdfMemDocument doc;
    doc.LoadFromBuffer(file.data(), static_cast<long>(file.size()));
    CHECK(doc.GetInfo()->GetTitle().GetStringUtf8() == title);
    CHECK(doc.GetPageCount() == 0);
  }
}
