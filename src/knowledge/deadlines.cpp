#include "knowledge/deadlines.h"

#include <algorithm>

#include "calendar/business_calendar.h"

namespace p2p {

namespace {

using json = nlohmann::json;

std::string text_of(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Date add_months(const Date& d, int months) {
  int m0 = d.month - 1 + months;
  Date r{d.year + m0 / 12, m0 % 12 + 1, 1};
  // clamp the day: 31 August + 6 months is the last day of February
  for (int day = d.day; day >= 28; --day) {
    if (parse_date(Date{r.year, r.month, day}.iso())) {
      r.day = day;
      return r;
    }
  }
  r.day = d.day;
  return r;
}

Result<Deadline> p2p_window(const Case& c, const json& rules) {
  const json::json_pointer default_rule("/p2p_request/default");
  const json* rule = rules.contains(default_rule) ? &rules.at(default_rule) : nullptr;
  std::string path = "/p2p_request/default";
  if (rules.contains("p2p_request") && rules["p2p_request"].contains("payers") &&
      rules["p2p_request"]["payers"].contains(c.payer_id)) {
    rule = &rules["p2p_request"]["payers"][c.payer_id];
    path = "/p2p_request/payers/" + c.payer_id;
  }
  if (!rule || !(*rule).contains("business_days") || !(*rule)["business_days"].is_number_integer())
    return Result<Deadline>::fail({error_at(path + "/business_days", "deadlines.json: expected a whole number of business days")});
  int n = (*rule)["business_days"].get<int>();
  Deadline d{BusinessCalendar::add_business_days(c.denial_date, n),
             std::to_string(n) + " business days after the denial", text_of(*rule, "source")};
  return Result<Deadline>::ok(d);
}

Result<std::optional<Deadline>> appeal_deadline(const Case& c, const json& rules) {
  using R = Result<std::optional<Deadline>>;
  if (!rules.contains("internal_appeal") || !rules["internal_appeal"].contains(c.plan_type))
    return R::ok(std::nullopt);
  const json& rule = rules["internal_appeal"][c.plan_type];
  std::string path = "/internal_appeal/" + c.plan_type;
  Date raw;
  std::string counted;
  if (rule.contains("calendar_days") && rule["calendar_days"].is_number_integer()) {
    int n = rule["calendar_days"].get<int>();
    raw = c.denial_date.plus_days(n);
    counted = std::to_string(n) + " calendar days after the denial";
  } else if (rule.contains("months") && rule["months"].is_number_integer()) {
    int n = rule["months"].get<int>();
    raw = add_months(c.denial_date, n);
    counted = std::to_string(n) + " months after the denial";
  } else {
    return R::fail({error_at(path, "deadlines.json: a rule needs calendar_days or months (a whole number)")});
  }
  Date due = BusinessCalendar::business_day_on_or_before(raw);
  if (due != raw) counted += " (" + raw.iso() + ", moved to the business day before)";
  return R::ok(Deadline{due, counted, text_of(rule, "source")});
}

bool expedited_type(const Case& c, const json& rules) {
  if (!rules.contains("expedited") || !rules["expedited"].contains("denial_types")) return false;
  const json& types = rules["expedited"]["denial_types"];
  return std::find(types.begin(), types.end(), c.denial_type) != types.end();
}

}  // namespace

Result<CaseDeadlines> compute_deadlines(const Case& c, const json& rules) {
  CaseDeadlines out;
  auto p2p = p2p_window(c, rules);
  auto appeal = appeal_deadline(c, rules);
  Diagnostics errors;
  errors.insert(errors.end(), p2p.diagnostics().begin(), p2p.diagnostics().end());
  errors.insert(errors.end(), appeal.diagnostics().begin(), appeal.diagnostics().end());
  if (has_errors(errors)) return Result<CaseDeadlines>::fail(errors);
  out.p2p_request = p2p.value();
  out.internal_appeal = appeal.value();
  out.expedited = c.urgent || expedited_type(c, rules);
  if (out.expedited && rules.contains("expedited")) out.expedited_note = text_of(rules["expedited"], "note");
  return Result<CaseDeadlines>::ok(std::move(out));
}

}  // namespace p2p
