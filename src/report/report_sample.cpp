// report_sample: writes the overturn report of a synthetic Report
// (sample_report.h) as a PDF, so the pages can be looked at and checked
// before `p2pdoc report` reads a real ledger. A developer's tool, not a
// product command.
// usage: report_sample OUT.pdf [FONTS_DIR] [--cases N] [--physicians N] [--payers N] [--review N]
// The PDF's dates come from SOURCE_DATE_EPOCH when set (same bytes every run).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "pdf/pdf_export.h"
#include "report/report_document.h"
#include "report/sample_report.h"

using namespace p2p;

namespace {

bool load_fonts(const std::string& dir, FontSet& fonts) {
  const char* files[4] = {"LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf", "LiberationSans-Italic.ttf",
                          "LiberationSans-BoldItalic.ttf"};
  for (int i = 0; i < 4; ++i) {
    auto face = FontFace::load(dir + "/" + files[i]);
    if (!face.is_ok()) {
      for (const Diagnostic& d : face.diagnostics()) std::fprintf(stderr, "%s\n", d.to_string().c_str());
      return false;
    }
    fonts.faces[i] = face.value();
  }
  return true;
}

// Written under a temporary name and renamed: never half a PDF at `path`.
bool write_file(const std::string& path, const std::string& bytes) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: report_sample OUT.pdf [FONTS_DIR] [--cases N] [--physicians N] [--payers N] [--review N]\n");
    return 2;
  }
  std::string out = argv[1], fonts_dir = std::string(P2P_SOURCE_ROOT) + "/fonts";
  SampleShape shape;
  for (int i = 2; i < argc; ++i) {
    auto number = [&](int& field) { field = i + 1 < argc ? std::atoi(argv[++i]) : field; };
    if (!std::strcmp(argv[i], "--cases")) number(shape.cases);
    else if (!std::strcmp(argv[i], "--physicians")) number(shape.physicians);
    else if (!std::strcmp(argv[i], "--payers")) number(shape.payers);
    else if (!std::strcmp(argv[i], "--review")) number(shape.review_items);
    else fonts_dir = argv[i];
  }
  FontSet fonts;
  if (!load_fonts(fonts_dir, fonts)) return 1;
  long long now = 1782950400;  // 2026-07-02
  if (const char* e = std::getenv("SOURCE_DATE_EPOCH")) now = std::atoll(e);
  Report report = sample_report(shape);
  ReportPageOptions options{"Riverside Spine & Pain Associates (synthetic data)", "2026-07-02"};
  PdfMetadata meta;
  meta.info.title = "P2P and appeal outcomes " + report.options.from + " to " + report.options.to;
  meta.info.author = options.practice;
  meta.creator = "p2pdoc report_sample";
  meta.timestamp = now;
  auto pdf = export_pdf(report_pages(report, fonts, options), fonts, meta);
  if (!pdf.is_ok()) {
    for (const Diagnostic& d : pdf.diagnostics()) std::fprintf(stderr, "%s\n", d.to_string().c_str());
    return 1;
  }
  if (!write_file(out, pdf.value())) {
    std::fprintf(stderr, "cannot write %s\n", out.c_str());
    return 1;
  }
  return 0;
}
