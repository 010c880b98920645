// PDF/A-2b parts of a document (see archival.h).
#include "pdf/archival.h"

#include "calendar/date.h"
#include "pdf/type0_font.h"  // deflated

namespace p2p {

namespace {

// Text for an XML element: the five characters XML reserves, escaped.
std::string xml_text(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += ch;
    }
  }
  return out;
}

// A language alternative with one default entry (dc:title, dc:description).
std::string alt(const char* name, const std::string& value) {
  return std::string("   <") + name + "><rdf:Alt><rdf:li xml:lang=\"x-default\">" + xml_text(value) +
         "</rdf:li></rdf:Alt></" + name + ">\n";
}

std::string simple(const char* name, const std::string& value) {
  return std::string("   <") + name + ">" + xml_text(value) + "</" + name + ">\n";
}

}  // namespace

std::string xmp_date(long long timestamp) { return format_utc(timestamp, "%Y-%m-%dT%H:%M:%SZ"); }

std::string producer_of(const PdfMetadata& meta) { return meta.creator; }

std::string xmp_packet(const PdfMetadata& meta) {
  const DocumentInfo& info = meta.info;
  std::string date = xmp_date(meta.timestamp);
  std::string x;
  // the byte-order mark inside begin="..." is what the XMP packet wrapper asks for
  x += "<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n";
  x += "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n";
  x += " <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n";
  x += "  <rdf:Description rdf:about=\"\"\n";
  x += "    xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n";
  x += "    xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"\n";
  x += "    xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\"\n";
  x += "    xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\">\n";
  x += simple("dc:format", "application/pdf");
  x += alt("dc:title", info.title);
  if (!info.author.empty())
    x += "   <dc:creator><rdf:Seq><rdf:li>" + xml_text(info.author) + "</rdf:li></rdf:Seq></dc:creator>\n";
  if (!info.subject.empty()) x += alt("dc:description", info.subject);
  if (!info.keywords.empty()) x += simple("pdf:Keywords", info.keywords);
  x += simple("pdf:Producer", producer_of(meta));
  x += simple("xmp:CreatorTool", meta.creator);
  x += simple("xmp:CreateDate", date);
  x += simple("xmp:ModifyDate", date);
  x += simple("xmp:MetadataDate", date);
  x += simple("pdfaid:part", "2");
  x += simple("pdfaid:conformance", "B");
  x += "  </rdf:Description>\n";
  x += " </rdf:RDF>\n";
  x += "</x:xmpmeta>\n";
  x += "<?xpacket end=\"w\"?>";
  return x;
}

ArchivalParts write_archival_parts(ObjectWriter& pdf, const PdfMetadata& meta) {
  ArchivalParts parts{pdf.reserve(), pdf.reserve()};
  // level B forbids a filter on the metadata stream: written as is
  pdf.stream(parts.metadata, xmp_packet(meta), false,
             [](ObjectWriter& w) { w.key("Type").name("Metadata").key("Subtype").name("XML"); });
  pdf.stream(parts.profile, deflated(*meta.output_intent), true, [](ObjectWriter& w) { w.key("N").integer(3); });
  return parts;
}

void put_archival_catalog_keys(ObjectWriter& pdf, const ArchivalParts& parts) {
  pdf.key("Metadata").ref(parts.metadata);
  pdf.key("OutputIntents").open_array().open_dict();
  pdf.key("Type").name("OutputIntent").key("S").name("GTS_PDFA1");
  pdf.key("OutputConditionIdentifier").literal(kSrgbCondition).key("Info").literal(kSrgbCondition);
  pdf.key("DestOutputProfile").ref(parts.profile).close_dict().close_array();
}

}  // namespace p2p
