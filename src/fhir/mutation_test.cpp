// Mutation test for import_pas: every PAS example, mutated deterministically
// (a fixed-seed generator, so a failure reproduces), must give either a
// recognised decision (a well-formed draft for a denial) or errors that say
// what is wrong; never a crash, never a throw, never a broken draft. CI runs
// it under ASan and UBSan too (scripts/sanitize.sh).
#include <doctest/doctest.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fhir/pas_import.h"

using namespace p2p;
using namespace p2p::fhir;
using json = nlohmann::json;

namespace {

constexpr Date kToday{2026, 12, 1};

struct Rng {
  std::uint64_t s;
  std::uint64_t next() {  // SplitMix64
    std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) { return n ? static_cast<std::size_t>(next() % n) : 0; }
};

std::string read(const std::string& name) {
  std::ifstream in(std::string(P2P_SOURCE_ROOT) + "/tests/fhir/data/" + name, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every value of the document, as pointers, so one can be picked at random.
void collect(json& v, std::vector<json*>& out) {
  out.push_back(&v);
  if (v.is_object() || v.is_array())
    for (auto& child : v) collect(child, out);
}

// Values that stress the reader: wrong types, references of every shape,
// codes of the decision, dates, long and odd text.
json replacement(Rng& rng) {
  static const std::vector<json> kValues = {
      nullptr, true, 0, -1, 1.5, 1e300, "", " ", "A1", "A2", "A3", "A4", "A6", "86", "queued", "error",
      "#", "#missing", "Patient/", "/Patient/x", "Claim?identifier=1", "urn:uuid:", "http://x/fhir/Claim/y/_history/",
      "2026-02-30", "2026-11-20T25:00:00Z", "9999-12-31", "\xff\xfe", std::string(3000, 'x'), "M51.16", "72148", "J0135",
      json::array(), json::object(), json::array({nullptr}), json::object({{"reference", "Patient/SubscriberExample"}}),
      json::object({{"coding", json::array({json::object({{"code", "A3"}})})}})};
  return kValues[rng.below(kValues.size())];
}

void mutate(json& doc, Rng& rng) {
  std::vector<json*> all;
  collect(doc, all);
  json& v = *all[rng.below(all.size())];
  switch (rng.below(4)) {
    case 0:  // replace the value
      v = replacement(rng);
      break;
    case 1:  // drop a member or an element
      if (v.is_object() && !v.empty()) {
        auto it = v.begin();
        std::advance(it, rng.below(v.size()));
        v.erase(it);
      } else if (v.is_array() && !v.empty()) {
        v.erase(v.begin() + static_cast<long>(rng.below(v.size())));
      }
      break;
    case 2:  // duplicate an element (several ClaimResponses, items, codings)
      if (v.is_array() && !v.empty() && v.size() < 64) v.push_back(v[rng.below(v.size())]);
      break;
    default:  // add a member of a known name with an odd value
      if (v.is_object()) {
        static const char* kKeys[] = {"reference", "outcome", "itemSequence", "sequence", "quantity", "extension",
                                      "valueString", "created", "contained", "preAuthRef", "disposition", "birthDate"};
        v[kKeys[rng.below(std::size(kKeys))]] = replacement(rng);
      }
  }
}

void check_outcome(const Result<PasImport>& r, const std::string& label) {
  if (!r.is_ok()) {
    REQUIRE_MESSAGE(!r.diagnostics().empty(), label);
    for (const Diagnostic& d : r.diagnostics()) REQUIRE_MESSAGE(!d.message.empty(), label);
    return;
  }
  const PasImport& p = r.value();
  bool denial = p.decision == PasDecision::denied || p.decision == PasDecision::partial;
  REQUIRE_MESSAGE(denial == !p.draft.is_null(), label);
  if (!denial) return;
  DraftReview review = review_draft(json::parse(p.draft.dump()), kToday);
  for (const Diagnostic& d : review.problems)
    if (d.severity == Severity::error) FAIL_CHECK(label << ": " << d.to_string());
}

const char* const kExamples[] = {
    "Bundle-RejectionResponseBundleExample.json",
    "ClaimResponse-RejectionResponseExample.json",
    "Bundle-ReferralAuthorizationResponseBundleExample.json",
    "Bundle-ReferralPendingAuthorizationResponseBundleExample.json",
    "ClaimResponse-PractitionerRequestorPendingResponseExample.json",
    "Bundle-ErrorResponseBundleExample.json",
    "testkit-valid_pa_response_bundle_denial.json",
    "ri-DeniedResponse.json",
    "ri-PendedClaimResponse.json",
};

}  // namespace

TEST_CASE("mutated PAS bundles: a decision, a well-formed draft or a clear error; never a crash") {
  const json request = json::parse(read("Bundle-ReferralAuthorizationBundleExample.json"));
  Rng rng{12};
  for (const char* name : kExamples) {
    const json original = json::parse(read(name));
    for (int round = 0; round < 150; ++round) {
      json doc = original;
      int edits = 1 + static_cast<int>(rng.below(3));
      for (int e = 0; e < edits; ++e) mutate(doc, rng);
      std::string label = std::string(name) + " round " + std::to_string(round);
      check_outcome(import_pas_json(doc, round % 2 ? &request : nullptr, kToday), label);
    }
  }
}

TEST_CASE("mutated bytes: truncated and corrupted text is an error, never a crash") {
  Rng rng{34};
  for (const char* name : kExamples) {
    const std::string original = read(name);
    for (int round = 0; round < 40; ++round) {
      std::string text = original;
      if (round % 2) text.resize(rng.below(text.size()));
      else text[rng.below(text.size())] = static_cast<char>(rng.below(256));
      check_outcome(import_pas(text, std::nullopt, kToday), std::string(name) + " bytes " + std::to_string(round));
    }
  }
}
