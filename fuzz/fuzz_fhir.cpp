// Fuzz target: the PAS importer (fhir/pas_import.h). Bytes are a response
// file. Any outcome is fine except a crash, a sanitizer report, a hang, or a
// denial whose draft the case format finds broken outside its gaps (the
// importer promises a well-formed draft): that one aborts.
#include <cstdlib>

#include "case/case.h"
#include "fhir/pas_import.h"
#include "fuzz_env.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace p2p;
  const Env env = fuzz::fixed_env();
  auto r = fhir::import_pas(fuzz::as_text(data, size), std::nullopt, env.today);
  if (!r.is_ok() || r.value().draft.is_null()) return 0;
  DraftReview review = review_draft(nlohmann::json::parse(r.value().draft.dump()), env.today);
  if (has_errors(review.problems)) std::abort();
  return 0;
}
