#include "knowledge/deadlines.h"

#include <algorithm>
#include <cstdio>

#include "calendar/business_calendar.h"
#include "knowledge/law.h"

namespace p2p {

namespace {

using json = nlohmann::json;

std::string text_of(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

const json* find_path(const json& j, const char* pointer) {
  json::json_pointer p(pointer);
  return j.contains(p) ? &j.at(p) : nullptr;
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

std::string known_holidays() {
  std::string all;
  for (const auto& k : BusinessCalendar::known_holiday_ids()) all += (all.empty() ? "" : ", ") + k;
  return all;
}

// The payer's calendar: weekends plus the library's default closures plus
// the closures the payer's entry adds (its "holidays": {"add": [...]}).
Result<BusinessCalendar> payer_calendar(const Case& c, const json& rules) {
  using R = Result<BusinessCalendar>;
  // The library's list replaces the built-in default when it gives one.
  BusinessCalendar cal = find_path(rules, "/holidays/default") ? BusinessCalendar::weekdays_only() : BusinessCalendar();
  for (const std::string& where : {std::string("/holidays/default"), "/holidays/payers/" + c.payer_id + "/add"}) {
    const json* list = find_path(rules, where.c_str());
    if (!list) continue;
    if (!list->is_array()) return R::fail({error_at(where, "deadlines.json: expected a list of holiday ids")});
    for (const json& id : *list) {
      auto more = id.is_string() ? cal.adding({id.get<std::string>()}) : std::nullopt;
      if (!more) return R::fail({error_at(where, "unknown holiday id " + id.dump() + " (known: " + known_holidays() + ")")});
      cal = *more;
    }
  }
  return R::ok(cal);
}

// "2026-11-10T14:30:00-05:00" -> minutes after midnight and the offset text.
bool denial_clock(const Case& c, int& minutes, std::string& offset) {
  const json* t = find_path(c.doc, "/denial/time");
  if (!t || !t->is_string()) return false;
  const std::string& s = t->get_ref<const std::string&>();
  if (s.size() < 16 || s.substr(0, 10) != c.denial_date.iso()) return false;
  minutes = std::stoi(s.substr(11, 2)) * 60 + std::stoi(s.substr(14, 2));
  std::size_t z = s.find_first_of("Z+-", 16);
  offset = z == std::string::npos ? "" : s.substr(z);
  if (offset == "Z") offset = "+00:00";
  return true;
}

// A window in clock hours. With the denial's time the window ends at that
// time plus `hours`, in the denial's own offset. Without it the window is
// counted from the start of the denial date (the earliest the denial can
// have been issued), and the last whole day before that end is printed.
Deadline hours_window(const Case& c, int hours) {
  Deadline d;
  int minutes = 0;
  std::string offset;
  if (denial_clock(c, minutes, offset)) {
    long end = minutes + hours * 60L;
    d.due = c.denial_date.plus_days(end / 1440);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%02ld:%02ld", end % 1440 / 60, end % 60);
    d.time = std::string(buf) + (offset.empty() ? "" : " (UTC" + offset + ")");
    d.basis = std::to_string(hours) + " hours after the denial's time";
  } else {
    long end_minutes = hours * 60L;
    long days = end_minutes / 1440;
    d.due = c.denial_date.plus_days(end_minutes % 1440 == 0 ? days - 1 : days);
    d.basis = std::to_string(hours) + " hours after the denial, counted from the start of the denial date as the case gives no denial time";
  }
  return d;
}

Result<Deadline> p2p_window(const Case& c, const json& rules, const BusinessCalendar& cal) {
  std::string path = "/p2p_request/default";
  const json* rule = find_path(rules, path.c_str());
  std::string payer_path = "/p2p_request/payers/" + c.payer_id;
  if (const json* own = find_path(rules, payer_path.c_str())) {
    rule = own;
    path = payer_path;
  }
  if (rule && rule->contains("hours") && (*rule)["hours"].is_number_integer() && (*rule)["hours"].get<int>() > 0) {
    Deadline d = hours_window(c, (*rule)["hours"].get<int>());
    d.source = text_of(*rule, "source");
    return Result<Deadline>::ok(d);
  }
  if (!rule || !rule->contains("business_days") || !(*rule)["business_days"].is_number_integer())
    return Result<Deadline>::fail({error_at(path + "/business_days", "deadlines.json: expected a whole number of business days (or hours)")});
  int n = (*rule)["business_days"].get<int>();
  Deadline d{cal.add_business_days(c.denial_date, n), "", std::to_string(n) + " business days after the denial",
             text_of(*rule, "source")};
  return Result<Deadline>::ok(d);
}

// A period in calendar days or months from `start`, moved to the business
// day on or before. nullopt when the rule gives neither.
std::optional<Deadline> period_after(const Date& start, const json& period, const BusinessCalendar& cal,
                                     const std::string& counted_from) {
  Date raw;
  std::string counted;
  if (period.contains("calendar_days") && period["calendar_days"].is_number_integer()) {
    int n = period["calendar_days"].get<int>();
    raw = start.plus_days(n);
    counted = std::to_string(n) + " calendar days after " + counted_from;
  } else if (period.contains("months") && period["months"].is_number_integer()) {
    int n = period["months"].get<int>();
    raw = add_months(start, n);
    counted = std::to_string(n) + " months after " + counted_from;
  } else {
    return std::nullopt;
  }
  Date due = cal.business_day_on_or_before(raw);
  // No parentheses: the letters print the basis inside their own ("... (basis).")
  if (due != raw) counted += ", moved back from " + raw.long_display() + " to the business day before";
  return Deadline{due, "", counted, ""};
}

// The internal appeal's filing deadline from the appeal rule in force.
Result<std::optional<Deadline>> appeal_deadline(const Case& c, const json& regulations, const BusinessCalendar& cal) {
  using R = Result<std::optional<Deadline>>;
  json rule = rule_for(c, regulations, "appeal");
  if (rule.is_null() || !rule.contains("filing")) return R::ok(std::nullopt);
  auto d = period_after(c.denial_date, rule["filing"], cal, "the denial");
  if (!d)
    return R::fail({error_at("/rules/" + rule.value("id", "?") + "/filing",
                             "regulations.json: filing needs calendar_days or months (a whole number)")});
  d->source = rule.value("filing_cite", rule.value("cite", "")) + (rule.contains("source") ? ": " + rule.value("source", "") : "");
  return R::ok(d);
}

// The external review request date. The rules count it from the final
// internal decision, which is not known yet: counted from this denial (the
// earliest that decision can be) the printed date is never too late.
void external_review(const Case& c, const json& regulations, const BusinessCalendar& cal, CaseDeadlines& out) {
  json rule = rule_for(c, regulations, "external_review");
  if (rule.is_null()) return;
  out.external_review_automatic = rule.value("automatic", false);
  if (!rule.contains("filing")) return;
  auto d = period_after(c.denial_date, rule["filing"], cal, "the final internal decision; counted from this denial, so the real date is later");
  if (!d) return;
  d->source = rule.value("cite", "") + (rule.contains("source") ? ": " + rule.value("source", "") : "");
  out.external_review = d;
}

bool expedited_type(const Case& c, const json& rules) {
  const json* types = find_path(rules, "/expedited/denial_types");
  return types && types->is_array() && std::find(types->begin(), types->end(), c.denial_type) != types->end();
}

void flag(Deadline& d, const Date& today) {
  d.passed = d.due < today;
  d.due_today = d.due == today;
}

// The P2P matters while nothing is scheduled or held; the appeal while the
// call has not overturned the denial. The earliest open one comes next.
std::string next_deadline(const Case& c, const CaseDeadlines& d) {
  bool call_held = c.doc.contains("call");
  bool scheduled = c.doc.contains("p2p") && c.doc["p2p"].contains("scheduled");
  bool overturned = call_held && c.doc["call"].value("disposition", "") == "overturned";
  if (!call_held && !scheduled && !d.p2p_request.passed) return "p2p_request";
  if (d.internal_appeal && !d.internal_appeal->passed && !overturned) return "internal_appeal";
  return "";
}

}  // namespace

Result<CaseDeadlines> compute_deadlines(const Case& c, const json& rules, const json& regulations, const Date& today) {
  CaseDeadlines out;
  auto cal = payer_calendar(c, rules);
  if (!cal.is_ok()) return Result<CaseDeadlines>::fail(cal.diagnostics());
  auto p2p = p2p_window(c, rules, cal.value());
  auto appeal = appeal_deadline(c, regulations, cal.value());
  Diagnostics errors;
  errors.insert(errors.end(), p2p.diagnostics().begin(), p2p.diagnostics().end());
  errors.insert(errors.end(), appeal.diagnostics().begin(), appeal.diagnostics().end());
  if (has_errors(errors)) return Result<CaseDeadlines>::fail(errors);
  out.p2p_request = p2p.value();
  out.internal_appeal = appeal.value();
  external_review(c, regulations, cal.value(), out);
  flag(out.p2p_request, today);
  if (out.internal_appeal) flag(*out.internal_appeal, today);
  if (out.external_review) flag(*out.external_review, today);
  bool scheduled = c.doc.contains("p2p") && c.doc["p2p"].contains("scheduled");
  out.p2p_window_closed = out.p2p_request.passed && !scheduled && !c.doc.contains("call");
  out.next = next_deadline(c, out);
  out.expedited = c.urgent || expedited_type(c, rules);
  if (out.expedited && rules.contains("expedited")) out.expedited_note = text_of(rules["expedited"], "note");
  return Result<CaseDeadlines>::ok(std::move(out));
}

}  // namespace p2p
