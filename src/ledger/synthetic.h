// Synthetic ledger histories: a deterministic generator of cases and their
// events, for demos (`p2pdoc demo-ledger`), the report's tests and the
// benches. No real patients and no randomness beyond a fixed-seed LCG: the
// same (count, seed, until) always gives the same histories, on every
// platform.
//
// What makes the history worth a report (docs/report.md, "The demo ledger"):
// - six payers with different odds of reversing on a P2P (a Medicare
//   Advantage plan the hardest), six service categories whose base odds sit
//   in the middle of domain.md's published ranges, denial types with their
//   own odds (missing documents are the easiest to fix);
// - physicians by specialty, each with a skill that moves their odds and a
//   workload that makes them miss more P2P request windows;
// - seasonality: more denials in January (new plan year), fewer in summer,
//   and more missed windows in late December;
// - every step of a case: requested, scheduled, held (overturned, modified,
//   upheld, a few deferred), written appeals (after an upheld call or
//   instead of a missed one), external reviews, closing; a case's events
//   after `until` are not there yet, so recent cases are still open.
#pragma once

#include <vector>

#include "core/diagnostic.h"
#include "ledger/ledger.h"

namespace p2p::synthetic {

struct History {
  CaseRow row;
  std::vector<Event> events;  // in the order they happened
};

// `count` histories of cases denied on business days in the 365 days before
// `until_epoch` (Unix seconds), none of their events later than it.
std::vector<History> histories(int count, unsigned seed, long long until_epoch);

// Stores histories in a ledger: each case row, then its events in order.
// Stops at the first failure.
Diagnostics store(Ledger& ledger, const std::vector<History>& histories);

}  // namespace p2p::synthetic
