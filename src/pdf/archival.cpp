// PDF/A-2b parts of a document (see archival.h).
#include "pdf/archival.h"

#include "calendar/date.h"

namespace p2p {

using namespace PoDoFo;

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

std::string producer_of(const PdfMetadata& meta) { return meta.creator + " (PoDoFo 0.9.8)"; }

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

void add_archival_parts(PdfMemDocument& doc, const PdfMetadata& meta) {
  PdfVecObjects& objects = doc.GetObjects();
  PdfDictionary& catalog = doc.GetCatalog()->GetDictionary();

  // level B forbids a filter on the metadata stream: written as is
  std::string xmp = xmp_packet(meta);
  PdfObject* metadata = objects.CreateObject("Metadata");
  metadata->GetDictionary().AddKey(PdfName("Subtype"), PdfName("XML"));
  metadata->GetStream()->Set(xmp.data(), static_cast<pdf_long>(xmp.size()), TVecFilters());
  catalog.AddKey(PdfName("Metadata"), metadata->Reference());

  const std::string& icc = *meta.output_intent;
  PdfObject* profile = objects.CreateObject();
  profile->GetDictionary().AddKey(PdfName("N"), static_cast<pdf_int64>(3));
  profile->GetStream()->Set(icc.data(), static_cast<pdf_long>(icc.size()));  // PoDoFo's default: Flate
  PdfDictionary intent;
  intent.AddKey(PdfName("Type"), PdfName("OutputIntent"));
  intent.AddKey(PdfName("S"), PdfName("GTS_PDFA1"));
  intent.AddKey(PdfName("OutputConditionIdentifier"), PdfString(kSrgbCondition));
  intent.AddKey(PdfName("Info"), PdfString(kSrgbCondition));
  intent.AddKey(PdfName("DestOutputProfile"), profile->Reference());
  PdfArray intents;
  intents.push_back(PdfObject(intent));
  catalog.AddKey(PdfName("OutputIntents"), intents);
}

}  // namespace p2p
