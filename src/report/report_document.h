// Report pages: a Report (report.h) -> print-ready US Letter pages in the
// layout's frame model, for the PDF stage to paint like any other document.
// Owns the report's look only: the one-page summary against the published
// benchmarks, the overturn-rate charts by payer, denial type, service
// category and physician, the monthly trend, and the weekly-review table.
//
// Contract:
// - It computes no figure. Every number printed is one the Report carries
//   (rates only rounded for display), so the PDF agrees with the CSV and JSON.
// - A group whose rate_shown is false never gets a bar or a rate: it is
//   listed with its counts, under a sentence saying why.
// - Charts are rectangles, lines and text (chart.h): they print sharply and
//   extract as text; series differ by grey, shape and dashes, never by colour
//   alone, and each value is also written as text.
// - Pages are portrait Letter; every item lies inside the margins and no two
//   texts overlap (report_document_test checks both, up to 60 groups and 200
//   review items). Long tables and charts continue on the next page.
// - Case ids only: the review list carries no patient data.
// - Pure and thread-safe; never fails (an empty Report gives pages that say
//   there was nothing in the period).
#pragma once

#include <string>
#include <vector>

#include "layout/layout.h"
#include "report/report.h"

namespace p2p {

struct ReportPageOptions {
  std::string practice;  // under the title; "" leaves it out
  std::string prepared;  // the day the report was made ("2026-07-02"), from the injected clock; "" leaves it out
};

// Page 1 is the summary; then the four group charts, the monthly trend and
// the review list, each starting where the previous one ends or on a new page.
std::vector<Page> report_pages(const Report& report, const FontSet& fonts, const ReportPageOptions& options = {});

}  // namespace p2p
