// The CLI's report side (report_commands.h).
#include "cli/report_commands.h"

#include <filesystem>
#include <iostream>

#include "layout/layout.h"
#include "ledger/queue.h"
#include "ledger/synthetic.h"
#include "pipeline/files.h"
#include "pipeline/pipeline.h"
#include "pdf/pdf_export.h"
#include "report/report.h"
#include "report/report_document.h"

namespace p2p::cli {

namespace {

enum Exit { kOk = 0, kInternal = 1, kInvalid = 2 };

void print(const std::string& who, const Diagnostics& ds) {
  for (const Diagnostic& d : ds) std::cerr << who << ": " << (d.path.empty() ? "" : d.path.substr(1) + ": ") << d.message << "\n";
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

std::string format_of(const ReportArgs& a) {
  if (!a.format.empty()) return a.format;
  if (ends_with(a.out, ".csv")) return "csv";
  if (ends_with(a.out, ".json")) return "json";
  return "pdf";
}

// The report is set in Liberation Sans, the brief's family, from root/fonts.
Result<FontSet> report_fonts(const std::string& root) {
  static const char* kFiles[4] = {"LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf", "LiberationSans-Italic.ttf",
                                  "LiberationSans-BoldItalic.ttf"};
  FontSet fonts;
  for (int i = 0; i < 4; ++i) {
    auto face = FontFace::load(root + "/fonts/" + kFiles[i]);
    if (!face.is_ok()) return Result<FontSet>::fail(face.diagnostics());
    fonts.faces[i] = face.value();
  }
  return Result<FontSet>::ok(std::move(fonts));
}

std::string day_of(long long t) {
  long long days = t / 86400;
  return Date::from_days(long(days)).iso();
}

}  // namespace

int run_report(const ReportArgs& a) {
  const std::string who = "p2pdoc report";
  std::string format = format_of(a);
  if (format != "pdf" && format != "csv" && format != "json") {
    std::cerr << who << ": --format is pdf, csv or json\n";
    return kInvalid;
  }
  if (a.pdfa && format != "pdf") {
    std::cerr << who << ": --pdfa is for the PDF report, not " << format << "\n";
    return kInvalid;
  }
  if (format == "pdf" && a.out.empty()) {
    std::cerr << who << ": a PDF report needs --out FILE.pdf\n";
    return kInvalid;
  }
  auto knowledge = load_report_knowledge(a.root + "/templates/knowledge");
  if (!knowledge.is_ok()) {
    print(who, knowledge.diagnostics());
    return kInternal;
  }
  ReportOptions options;
  options.from = a.from;
  options.to = a.to;
  options.min_group = a.min_group;
  options.now = Env::from_process().timestamp;
  options.knowledge = knowledge.take();
  if (!is_postgres_location(a.ledger) && !file_exists(a.ledger)) {
    std::cerr << who << ": no ledger at " << a.ledger << " (give --ledger)\n";
    return kInvalid;
  }
  auto opened = open_ledger(a.ledger);
  if (!opened.is_ok()) {
    print(who, opened.diagnostics());
    return kInternal;
  }
  auto report = build_report(*opened.value(), options);
  if (!report.is_ok()) {
    bool bad_option = !report.diagnostics().empty() && !report.diagnostics()[0].path.empty();
    print(who, report.diagnostics());
    return bad_option ? kInvalid : kInternal;
  }
  std::string text;
  if (format == "pdf") {
    auto fonts = report_fonts(a.root);
    if (!fonts.is_ok()) {
      print(who, fonts.diagnostics());
      return kInternal;
    }
    ReportPageOptions page_options{a.practice, day_of(options.now)};
    PdfMetadata meta;
    meta.info.title = "P2P and appeal outcomes " + a.from + " to " + a.to;
    meta.info.author = a.practice;
    meta.creator = "p2pdoc report";
    meta.timestamp = options.now;  // SOURCE_DATE_EPOCH when set: the same ledger gives the same bytes
    if (a.pdfa) {
      auto profile = read_srgb_profile();
      if (!profile.is_ok()) {
        print(who, profile.diagnostics());
        return kInternal;
      }
      meta.output_intent = profile.take();
    }
    auto pdf = export_pdf(report_pages(report.value(), fonts.value(), page_options), fonts.value(), meta);
    if (!pdf.is_ok()) {
      print(who, pdf.diagnostics());
      return kInternal;
    }
    text = pdf.take();
  } else {
    text = format == "json" ? report_json(report.value()).dump(2) + "\n" : report_csv(report.value());
  }
  if (a.out.empty()) {
    std::cout << text;
    return kOk;
  }
  auto written = write_file_atomic(a.out, text);
  if (!written.is_ok()) {
    print(who, written.diagnostics());
    return kInternal;
  }
  const ReportSummary& s = report.value().summary;
  std::cerr << "report " << a.out << ": " << s.cases << " cases denied " << a.from << " to " << a.to << ", " << s.p2p_held
            << " P2P calls held, " << s.windows_missed << " windows missed\n";
  return kOk;
}

int run_demo_ledger(const DemoLedgerArgs& a) {
  const std::string who = "p2pdoc demo-ledger";
  if (a.cases < 1 || a.cases > 1000000) {
    std::cerr << who << ": --cases is 1 to 1000000\n";
    return kInvalid;
  }
  long long until = Env::from_process().timestamp;
  if (!a.until.empty()) {
    auto t = a.until.size() == 10 ? parse_time_point(a.until) : std::nullopt;
    if (!t) {
      std::cerr << who << ": --until \"" << a.until << "\" is not a date (YYYY-MM-DD)\n";
      return kInvalid;
    }
    until = *t + 86400 - 1;  // the whole day
  }
  if (!is_postgres_location(a.ledger)) {
    std::error_code ec;
    auto folder = std::filesystem::path(a.ledger).parent_path();
    if (!folder.empty()) std::filesystem::create_directories(folder, ec);
  }
  auto opened = open_ledger(a.ledger);
  if (!opened.is_ok()) {
    print(who, opened.diagnostics());
    return kInternal;
  }
  auto& ledger = *opened.value();
  auto existing = ledger.cases();
  if (!existing.is_ok()) {
    print(who, existing.diagnostics());
    return kInternal;
  }
  if (!existing.value().empty()) {
    std::cerr << who << ": " << a.ledger << " already holds " << existing.value().size()
              << " case(s); synthetic history goes only into a new, empty ledger (nothing was written)\n";
    return kInvalid;
  }
  auto histories = synthetic::histories(a.cases, a.seed, until);
  if (auto d = synthetic::store(ledger, histories); !d.empty()) {
    print(who, d);
    return kInternal;
  }
  size_t events = 0;
  for (const auto& h : histories) events += h.events.size();
  // synthetic.h: business days in the 365 days before `until`'s day
  std::string from = day_of(until - 365 * 86400LL), to = day_of(until - 86400);
  std::cout << "demo ledger " << a.ledger << ": " << a.cases << " synthetic cases, " << events << " events, denied "
            << from << " to " << to << " (seed " << a.seed << ")\n"
            << "try: p2pdoc report --ledger " << a.ledger << " --from " << from << " --to " << to << " --format csv\n";
  return kOk;
}

}  // namespace p2p::cli
