// The CLI's report side (docs/report.md): `p2pdoc report`, the overturn
// report over a period of the ledger as PDF, CSV or JSON, and
// `p2pdoc demo-ledger`, a new ledger filled with synthetic history to try it
// on. Single-threaded, like the rest of the CLI.
#pragma once

#include <string>

namespace p2p::cli {

struct ReportArgs {
  std::string from, to;
  std::string ledger = "out/p2pdoc.db";
  std::string format;   // pdf | csv | json; "" = from --out's extension, else pdf
  std::string out;      // "" = stdout (csv, json)
  int min_group = 10;
  std::string practice; // printed under the PDF's title; "" leaves it out
  std::string root;
  bool pdfa = false;    // the PDF as PDF/A-2b (docs/archival.md)
};
int run_report(const ReportArgs& a);

struct DemoLedgerArgs {
  std::string ledger;   // must be new or empty
  int cases = 1500;
  unsigned seed = 1;
  std::string until;    // "YYYY-MM-DD"; "" = today (SOURCE_DATE_EPOCH when set)
};
int run_demo_ledger(const DemoLedgerArgs& a);

}  // namespace p2p::cli
