#include "calendar/business_calendar.h"

#include <algorithm>

namespace p2p {

namespace {

// How a holiday's date is fixed in a given year. The current rules are applied
// to every year; only Juneteenth has a start year, because deadlines are
// counted for recent and coming years, not for history.
struct HolidayRule {
  const char* id;
  const char* name;
  int month;
  int day;          // fixed day of the month, or 0 for a weekday rule
  int weekday;      // 0 = Sunday ... 6 = Saturday (weekday rules)
  int nth;          // 1..4 = n-th such weekday, -1 = the last one
  int first_year;   // the holiday does not exist before this year
  int shift_days;   // days after the weekday rule's date (day after Thanksgiving)
  bool observed_on_weekday;  // a weekend date moves to Friday/Monday
};

// Order matters only for listing; bit i of a calendar's mask is kRules[i].
constexpr HolidayRule kRules[] = {
    {"new_years_day", "New Year's Day", 1, 1, 0, 0, 0, 0, true},
    {"mlk_day", "Birthday of Martin Luther King, Jr.", 1, 0, 1, 3, 0, 0, true},
    {"washingtons_birthday", "Washington's Birthday", 2, 0, 1, 3, 0, 0, true},
    {"memorial_day", "Memorial Day", 5, 0, 1, -1, 0, 0, true},
    {"juneteenth", "Juneteenth National Independence Day", 6, 19, 0, 0, 2021, 0, true},
    {"independence_day", "Independence Day", 7, 4, 0, 0, 0, 0, true},
    {"labor_day", "Labor Day", 9, 0, 1, 1, 0, 0, true},
    {"columbus_day", "Columbus Day", 10, 0, 1, 2, 0, 0, true},
    {"veterans_day", "Veterans Day", 11, 11, 0, 0, 0, 0, true},
    {"thanksgiving", "Thanksgiving Day", 11, 0, 4, 4, 0, 0, true},
    {"christmas", "Christmas Day", 12, 25, 0, 0, 0, 0, true},
    // Not federal holidays; some payers close on them (their entry says so).
    {"day_after_thanksgiving", "Day after Thanksgiving", 11, 0, 4, 4, 0, 1, false},
    {"christmas_eve", "Christmas Eve", 12, 24, 0, 0, 0, 0, false},
};
constexpr int kRuleCount = sizeof kRules / sizeof kRules[0];
constexpr int kFederalCount = 11;

const std::vector<std::string> kDefaultIds = {"new_years_day", "memorial_day", "independence_day",
                                              "labor_day",     "thanksgiving", "christmas"};

int rule_index(std::string_view id) {
  for (int i = 0; i < kRuleCount; ++i)
    if (id == kRules[i].id) return i;
  return -1;
}

// Only May (Memorial Day) uses a "last weekday" rule; 31 days in every year.
constexpr int kDaysInMay = 31;

Date weekday_rule_date(const HolidayRule& r, int year) {
  if (r.nth < 0) {
    Date last{year, r.month, kDaysInMay};
    return last.plus_days(-((last.weekday() - r.weekday + 7) % 7));
  }
  Date first{year, r.month, 1};
  int offset = (r.weekday - first.weekday() + 7) % 7 + 7 * (r.nth - 1);
  return first.plus_days(offset);
}

// The day the office closes: a Saturday holiday moves to Friday, a Sunday
// holiday to Monday.
Date observed(const Date& actual) {
  switch (actual.weekday()) {
    case 6: return actual.plus_days(-1);
    case 0: return actual.plus_days(1);
    default: return actual;
  }
}

// False when the holiday did not exist in `year`.
bool observed_in(const HolidayRule& r, int year, Date& out) {
  if (year < r.first_year) return false;
  Date actual = r.day > 0 ? Date{year, r.month, r.day} : weekday_rule_date(r, year).plus_days(r.shift_days);
  out = r.observed_on_weekday ? observed(actual) : actual;
  return true;
}

// An observed day can cross a year boundary (Saturday Jan 1 is observed on
// Dec 31 of the year before), so the neighbouring years' rules are consulted.
template <typename Visit>
void for_each_observed_near(std::uint32_t mask, int year, Visit visit) {
  for (int y = year - 1; y <= year + 1; ++y)
    for (int i = 0; i < kRuleCount; ++i) {
      Date d;
      if ((mask >> i & 1u) && observed_in(kRules[i], y, d)) visit(kRules[i], d);
    }
}

}  // namespace

BusinessCalendar::BusinessCalendar() : observed_(0) { observed_ = adding(kDefaultIds)->observed_; }

const std::vector<std::string>& BusinessCalendar::default_holiday_ids() { return kDefaultIds; }

std::vector<std::string> BusinessCalendar::known_holiday_ids() {
  std::vector<std::string> out;
  for (const HolidayRule& r : kRules) out.push_back(r.id);
  return out;
}

BusinessCalendar BusinessCalendar::federal() { return BusinessCalendar((1u << kFederalCount) - 1); }

std::optional<BusinessCalendar> BusinessCalendar::adding(const std::vector<std::string>& ids,
                                                         std::string* unknown) const {
  std::uint32_t mask = observed_;
  for (const std::string& id : ids) {
    int i = rule_index(id);
    if (i < 0) {
      if (unknown) *unknown = id;
      return std::nullopt;
    }
    mask |= 1u << i;
  }
  return BusinessCalendar(mask);
}

std::vector<Holiday> BusinessCalendar::holidays(int year) const {
  std::vector<Holiday> out;
  for_each_observed_near(observed_, year, [&](const HolidayRule& r, const Date& d) {
    if (d.year == year) out.push_back({d, r.id, r.name});
  });
  std::sort(out.begin(), out.end(), [](const Holiday& a, const Holiday& b) { return a.observed < b.observed; });
  return out;
}

// Called once per day by the counting functions below: allocation-free.
bool BusinessCalendar::is_holiday(const Date& d) const {
  bool hit = false;
  for_each_observed_near(observed_, d.year, [&](const HolidayRule&, const Date& h) { hit = hit || h == d; });
  return hit;
}

bool BusinessCalendar::is_business_day(const Date& d) const {
  int wd = d.weekday();
  return wd != 0 && wd != 6 && !is_holiday(d);
}

Date BusinessCalendar::add_business_days(const Date& start, int n) const {
  int step = n < 0 ? -1 : 1;
  int remaining = n < 0 ? -n : n;
  Date d = start;
  while (remaining > 0) {
    d = d.plus_days(step);
    if (is_business_day(d)) --remaining;
  }
  return d;
}

Date BusinessCalendar::business_day_on_or_before(const Date& d) const {
  Date day = d;
  while (!is_business_day(day)) day = day.plus_days(-1);
  return day;
}

int BusinessCalendar::business_days_between(const Date& from, const Date& to) const {
  int count = 0;
  for (Date d = from.plus_days(1); d <= to; d = d.plus_days(1))
    if (is_business_day(d)) ++count;
  return count;
}

}  // namespace p2p
