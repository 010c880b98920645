// BusinessCalendar: US business days (Monday to Friday, minus the US federal
// holidays of 5 U.S.C. 6103 as observed: a Saturday holiday is observed on the
// Friday before, a Sunday holiday on the Monday after). Deadlines in payer
// rules and regulations are counted on this calendar.
// Pure computation, no clock; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "calendar/date.h"

namespace p2p {

struct Holiday {
  Date observed;        // the day federal offices close
  std::string name;     // "Thanksgiving Day"
};

class BusinessCalendar {
 public:
  // Federal holidays observed in `year` (Juneteenth from 2021 on), in date order.
  static std::vector<Holiday> federal_holidays(int year);

  static bool is_holiday(const Date& d);
  static bool is_business_day(const Date& d);

  // The n-th business day after `start` (start itself not counted): a denial
  // dated Friday with n = 1 gives the next Monday, unless that is a holiday.
  // n = 0 gives `start`.
  static Date add_business_days(const Date& start, int n);

  // The latest business day on or before `d`: a calendar-day deadline that
  // lands on a weekend or holiday is moved earlier, never later, so nobody
  // files late.
  static Date business_day_on_or_before(const Date& d);

  // Business days after `from` up to and including `to` (0 when to <= from).
  static int business_days_between(const Date& from, const Date& to);
};

}  // namespace p2p
