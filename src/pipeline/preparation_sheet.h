// Preparation sheet: the case manager's one page for a draft case (issue 12,
// docs/fhir.md): what arrived (patient, payer, the denial quoted), what is
// due when, and what a person still has to fill in, each gap with its JSON
// path. Made like every other document: templates/preparation-sheet/
// default.md expanded with the data below, laid out by layout_one_page and
// painted by the PDF stage. Owns the draft's deadlines too: a draft has a
// denial date but not the plan type, state or denial type the full
// deadlines depend on, so it counts what the denial date alone allows and
// says of every other deadline why it cannot be counted yet.
// Pure functions of their input (Env is the clock); thread-safe like the
// rest of the pipeline (Resources shared read-only).
#pragma once

#include <nlohmann/json.hpp>

#include "core/diagnostic.h"
#include "pipeline/pipeline.h"

namespace p2p {

// The deadlines a draft allows (`draft` is a p2p-case/1 draft: case.h,
// is_draft). JSON, for the sheet, the service's answer and the ledger:
//   {"counted_from": "YYYY-MM-DD" (the denial date; absent without one),
//    "p2p_request": {"due", "display", "time"?, "basis", "source", "passed"},
//        the library's default window (deadlines.json p2p_request.default):
//        the payer entry that may replace it is chosen with payer.id, a gap;
//    "p2p_request_72_hours": {...}: the same counted as 72 clock hours, the
//        shortest window payers use, so the sheet shows the earliest date;
//    "internal_appeal", "external_review": {...} when the draft's plan type
//        (read from Coverage for Medicare Advantage and Medicaid) has a rule;
//    "not_counted": [{"deadline", "label", "why"}]: each deadline left out
//        and why (no plan type, no state, no denial type ...)}.
// Never invents a value: a deadline whose rule needs a field the draft lacks
// is listed in not_counted. Fails only when the library's rules are broken.
Result<nlohmann::json> draft_deadlines(const nlohmann::json& draft, const Resources& res, const Env& env);

// The data the sheet's template sees: the draft's fields for display, the
// deadlines above, the to-complete list ({path, what, section}), the payer's
// decision per item and the notes count.
nlohmann::json preparation_sheet_view(const nlohmann::json& draft, const nlohmann::json& deadlines, const Env& env);

// The sheet for `draft` as one PDF page ("preparation-sheet.pdf"). Fails
// when the draft is not a draft, or naming the template, layout or PDF
// problem (a text the fonts cannot print among them): the caller keeps the
// draft and reports the sheet as not made.
Result<GeneratedDocument> render_preparation_sheet(const nlohmann::json& draft, const Resources& res, const Env& env);

inline constexpr const char* kPreparationSheetFile = "preparation-sheet.pdf";

}  // namespace p2p
