// Synthetic ledger histories: a deterministic generator of cases and their
// events (no real patients, no randomness beyond a fixed-seed LCG), for the
// ledger bench and any report that needs a large ledger to run against.
// The same (count, seed) always gives the same histories.
#pragma once

#include <vector>

#include "ledger/ledger.h"

namespace p2p::synthetic {

struct History {
  CaseRow row;
  std::vector<Event> events;  // in the order they happened
};

// `count` histories of cases denied in the 400 days before `today_epoch`,
// spread over seven payers, eight service categories (the keys of
// templates/knowledge/service_categories.json) and every step of a case: about a fifth still
// waiting for the P2P, others requested, scheduled, held (overturned, upheld,
// modified), appealed, reviewed or closed.
std::vector<History> histories(int count, unsigned seed, long long today_epoch);

}  // namespace p2p::synthetic
