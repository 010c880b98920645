// A synthetic Report for the report pages' tests and the sample PDF
// (report_sample), built without a ledger: a fixed-seed set of made-up cases
// (payers, denial types, categories, physicians of different skill, months,
// outcomes, missed windows) aggregated into a Report that follows report.h's
// contract (rates from decided calls, Wilson intervals, min_group, sorting).
// Not part of the product: `p2pdoc report` gets its Report from build_report.
// Synthetic data only; deterministic for a given shape.
#pragma once

#include "report/report.h"

namespace p2p {

struct SampleShape {
  int cases = 820;
  int months = 12;         // ending 2026-06
  int physicians = 9;
  int payers = 8;          // at most 24
  int review_items = -1;   // -1: from the cases' missed windows; otherwise exactly this many
  unsigned seed = 11;
  int min_group = 10;
};

Report sample_report(const SampleShape& shape = {});

// The Wilson interval as report.h defines it, for the sample only (the
// product's is build_report's wilson()).
Proportion sample_wilson(int successes, int trials);

}  // namespace p2p
