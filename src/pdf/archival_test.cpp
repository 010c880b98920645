// The XMP packet of a PDF/A-2b file: the info repeated, escaped, the dates
// in XMP's spelling of the same instant, part 2 level B.
#include <doctest/doctest.h>

#include "pdf/archival.h"

using namespace p2p;

namespace {

PdfMetadata sample() {
  PdfMetadata m;
  m.info.title = "P2P brief – case RSP-1";
  m.info.author = "Dana <Whitfield> & Co";
  m.info.subject = "";
  m.creator = "p2pdoc 0.1.0";
  m.timestamp = 1796083200;  // 2026-12-01T00:00:00Z
  return m;
}

bool has(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

}  // namespace

TEST_CASE("xmp_packet: part 2 level B, the info repeated and escaped, one instant for both dates") {
  std::string x = xmp_packet(sample());
  CHECK(has(x, "<pdfaid:part>2</pdfaid:part>"));
  CHECK(has(x, "<pdfaid:conformance>B</pdfaid:conformance>"));
  CHECK(has(x, "<rdf:li xml:lang=\"x-default\">P2P brief – case RSP-1</rdf:li>"));
  CHECK(has(x, "<rdf:li>Dana &lt;Whitfield&gt; &amp; Co</rdf:li>"));
  CHECK_FALSE(has(x, "Dana <Whitfield>"));
  CHECK(has(x, "<xmp:CreateDate>2026-12-01T00:00:00Z</xmp:CreateDate>"));
  CHECK(has(x, "<xmp:ModifyDate>2026-12-01T00:00:00Z</xmp:ModifyDate>"));
  CHECK(has(x, "<pdf:Producer>p2pdoc 0.1.0</pdf:Producer>"));
  CHECK(has(x, "<xmp:CreatorTool>p2pdoc 0.1.0</xmp:CreatorTool>"));
  // an empty subject or keywords: the element is left out, as the info leaves the key empty
  CHECK_FALSE(has(x, "dc:description"));
  CHECK_FALSE(has(x, "pdf:Keywords"));
  CHECK(x.rfind("<?xpacket begin=\"\xEF\xBB\xBF\"", 0) == 0);
  CHECK(has(x, "<?xpacket end=\"w\"?>"));
}

TEST_CASE("xmp_date: the instant pdf_date writes, in XMP's spelling") {
  CHECK(xmp_date(0) == "1970-01-01T00:00:00Z");
  CHECK(xmp_date(1796083200 + 3661) == "2026-12-01T01:01:01Z");
}
