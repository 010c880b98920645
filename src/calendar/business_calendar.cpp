#include "calendar/business_calendar.h"

#include <algorithm>

namespace p2p {

namespace {

// How a holiday's date is fixed in a given year. The current rules of
// 5 U.S.C. 6103 are applied to every year; only Juneteenth has a start year,
// because deadlines are counted for recent and coming years, not for history.
struct HolidayRule {
  const char* name;
  int month;
  int day;          // fixed day of the month, or 0 for a weekday rule
  int weekday;      // 0 = Sunday ... 6 = Saturday (weekday rules)
  int nth;          // 1..4 = n-th such weekday, -1 = the last one
  int first_year;   // the holiday does not exist before this year
};

constexpr HolidayRule kRules[] = {
    {"New Year's Day", 1, 1, 0, 0, 0},
    {"Birthday of Martin Luther King, Jr.", 1, 0, 1, 3, 0},
    {"Washington's Birthday", 2, 0, 1, 3, 0},
    {"Memorial Day", 5, 0, 1, -1, 0},
    {"Juneteenth National Independence Day", 6, 19, 0, 0, 2021},
    {"Independence Day", 7, 4, 0, 0, 0},
    {"Labor Day", 9, 0, 1, 1, 0},
    {"Columbus Day", 10, 0, 1, 2, 0},
    {"Veterans Day", 11, 11, 0, 0, 0},
    {"Thanksgiving Day", 11, 0, 4, 4, 0},
    {"Christmas Day", 12, 25, 0, 0, 0},
};

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

// The day federal offices close: a Saturday holiday moves to Friday, a Sunday
// holiday to Monday. Weekday rules always land on a weekday already.
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
  Date actual = r.day > 0 ? Date{year, r.month, r.day} : weekday_rule_date(r, year);
  out = observed(actual);
  return true;
}

// An observed day can cross a year boundary (Saturday Jan 1 is observed on
// Dec 31 of the year before), so the neighbouring years' rules are consulted.
template <typename Visit>
void for_each_observed_near(int year, Visit visit) {
  for (int y = year - 1; y <= year + 1; ++y)
    for (const HolidayRule& r : kRules) {
      Date d;
      if (observed_in(r, y, d)) visit(r, d);
    }
}

}  // namespace

std::vector<Holiday> BusinessCalendar::federal_holidays(int year) {
  std::vector<Holiday> out;
  for_each_observed_near(year, [&](const HolidayRule& r, const Date& d) {
    if (d.year == year) out.push_back({d, r.name});
  });
  std::sort(out.begin(), out.end(), [](const Holiday& a, const Holiday& b) { return a.observed < b.observed; });
  return out;
}

// Called once per day by the counting functions below: allocation-free.
bool BusinessCalendar::is_holiday(const Date& d) {
  bool hit = false;
  for_each_observed_near(d.year, [&](const HolidayRule&, const Date& h) { hit = hit || h == d; });
  return hit;
}

bool BusinessCalendar::is_business_day(const Date& d) {
  int wd = d.weekday();
  return wd != 0 && wd != 6 && !is_holiday(d);
}

// A negative n counts backwards the same way (the n-th business day before).
Date BusinessCalendar::add_business_days(const Date& start, int n) {
  int step = n < 0 ? -1 : 1;
  int remaining = n < 0 ? -n : n;
  Date d = start;
  while (remaining > 0) {
    d = d.plus_days(step);
    if (is_business_day(d)) --remaining;
  }
  return d;
}

Date BusinessCalendar::business_day_on_or_before(const Date& d) {
  Date day = d;
  while (!is_business_day(day)) day = day.plus_days(-1);
  return day;
}

int BusinessCalendar::business_days_between(const Date& from, const Date& to) {
  int count = 0;
  for (Date d = from.plus_days(1); d <= to; d = d.plus_days(1))
    if (is_business_day(d)) ++count;
  return count;
}

}  // namespace p2p
