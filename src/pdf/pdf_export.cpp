#include "pdf/pdf_export.h"

#include <ctime>
#include <mutex>

#include <podofo/podofo.h>

namespace p2p {

using namespace PoDoFo;

namespace {

PdfString utf8(const std::string& s) { return PdfString(reinterpret_cast<const pdf_utf8*>(s.c_str())); }

// PDF date string "D:YYYYMMDDHHmmSSZ" for a UTC timestamp; gmtime_r, so no
// shared state and no local time zone in the output.
std::string pdf_date(long long t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "D:%Y%m%d%H%M%SZ", &tm);
  return buf;
}

PdfColor pdf_color(const Color& c) { return PdfColor(c.r, c.g, c.b); }

class FontTable {
 public:
  FontTable(PdfMemDocument& doc, const FontSet& fonts) : doc_(doc), fonts_(fonts) {}

  // Created on first use, so a page that never uses italic embeds no italic.
  PdfFont* get(int index) {
    index &= 3;
    if (!cache_[index]) {
      static const char* kNames[] = {"p2p-regular", "p2p-bold", "p2p-italic", "p2p-bolditalic"};
      cache_[index] = doc_.CreateFontSubset(kNames[index], index & 1, index & 2, false,
                                            PdfEncodingFactory::GlobalIdentityEncodingInstance(),
                                            fonts_.face(index).path().c_str());
      if (!cache_[index]) PODOFO_RAISE_ERROR_INFO(ePdfError_InvalidHandle, fonts_.face(index).path().c_str());
    }
    return cache_[index];
  }

 private:
  PdfMemDocument& doc_;
  const FontSet& fonts_;
  PdfFont* cache_[4] = {nullptr, nullptr, nullptr, nullptr};
};

void paint_page(PdfMemDocument& doc, const Page& page, FontTable& fonts) {
  PdfPage* pdf_page = doc.CreatePage(PdfRect(0, 0, page.width, page.height));
  PdfPainter p;
  p.SetPage(pdf_page);
  const double h = page.height;  // layout y runs down from the top; PDF y runs up
  for (const RectItem& r : page.rects) {
    p.SetColor(pdf_color(r.fill));
    p.Rectangle(r.x, h - r.y - r.h, r.w, r.h);
    p.Fill();
  }
  for (const LineItem& l : page.lines) {
    p.SetStrokingColor(pdf_color(l.color));
    p.SetStrokeWidth(l.width);
    p.DrawLine(l.x1, h - l.y1, l.x2, h - l.y2);
  }
  for (const TextItem& t : page.texts) {
    PdfFont* f = fonts.get(t.font);
    f->SetFontSize(static_cast<float>(t.size));
    p.SetFont(f);
    p.SetColor(pdf_color(t.color));
    p.DrawText(t.x, h - t.baseline, utf8(t.text));
  }
  p.FinishPage();
}

void write_info(PdfMemDocument& doc, const PdfMetadata& meta) {
  PdfInfo* info = doc.GetInfo();
  info->SetTitle(utf8(meta.info.title));
  info->SetAuthor(utf8(meta.info.author));
  info->SetSubject(utf8(meta.info.subject));
  if (!meta.info.keywords.empty()) info->SetKeywords(utf8(meta.info.keywords));
  info->SetCreator(utf8(meta.creator));
  info->SetProducer(utf8(meta.creator + " (PoDoFo 0.9.8)"));
  // PoDoFo stamps the current local time; replace it so output is reproducible
  std::string date = pdf_date(meta.timestamp);
  info->GetObject()->GetDictionary().AddKey("CreationDate", PdfString(date));
  info->GetObject()->GetDictionary().AddKey("ModDate", PdfString(date));
}

}  // namespace

void prepare_pdf_export() {
  static std::once_flag once;
  std::call_once(once, [] {
    PdfEncodingFactory::GlobalPdfDocEncodingInstance();
    PdfEncodingFactory::GlobalWinAnsiEncodingInstance();
    PdfEncodingFactory::GlobalIdentityEncodingInstance();
    PdfEncodingFactory::GlobalStandardEncodingInstance();
    PdfEncodingFactory::GlobalMacRomanEncodingInstance();
  });
}

Result<std::string> export_pdf(const std::vector<Page>& pages, const FontSet& fonts, const PdfMetadata& meta) {
  try {
    PdfMemDocument doc;
    doc.SetPdfVersion(ePdfVersion_1_7);
    FontTable table(doc, fonts);
    for (const Page& page : pages) paint_page(doc, page, table);
    write_info(doc, meta);
    PdfRefCountedBuffer buf;
    PdfOutputDevice dev(&buf);
    doc.Write(&dev);
    return Result<std::string>::ok(std::string(buf.GetBuffer(), dev.GetLength()));
  } catch (const PdfError& e) {
    return Result<std::string>::fail({error_at("", std::string("PDF export failed: ") + e.what())});
  }
}

}  // namespace p2p
