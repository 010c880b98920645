// BusinessCalendar: the days a payer's office counts as business days:
// Monday to Friday minus the holidays that payer closes for. Payers are
// private companies: by default they close only for the six holidays
// virtually every US employer observes (New Year's Day, Memorial Day,
// Independence Day, Labor Day, Thanksgiving, Christmas), so a deadline
// counted here is never later than the payer's own count. A payer entry can
// add more (Veterans Day, the day after Thanksgiving ...) by id.
// Fixed-date holidays are observed as federal offices do (5 U.S.C. 6103 and
// Executive Order 11582): a Saturday holiday on the Friday before, a Sunday
// holiday on the Monday after.
// Pure computation, no clock; a calendar is an immutable value, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "calendar/date.h"

namespace p2p {

struct Holiday {
  Date observed;        // the day the office closes
  std::string id;       // "thanksgiving"
  std::string name;     // "Thanksgiving Day"
};

class BusinessCalendar {
 public:
  // The six closures most payers observe.
  BusinessCalendar();

  // The ids of the six default closures, in calendar order.
  static const std::vector<std::string>& default_holiday_ids();
  // Every id this calendar knows: the eleven US federal holidays plus
  // "day_after_thanksgiving" and "christmas_eve".
  static std::vector<std::string> known_holiday_ids();
  // All eleven federal holidays of 5 U.S.C. 6103 (Juneteenth from 2021 on).
  static BusinessCalendar federal();
  // Monday to Friday, no holidays: the base a library's own list builds on.
  static BusinessCalendar weekdays_only() { return BusinessCalendar(0u); }

  // This calendar plus the holidays named by `ids`. nullopt when an id is
  // unknown; `unknown` (when given) receives the first such id.
  std::optional<BusinessCalendar> adding(const std::vector<std::string>& ids, std::string* unknown = nullptr) const;

  // Holidays this calendar observes in `year` (observed dates), in date order.
  std::vector<Holiday> holidays(int year) const;

  bool is_holiday(const Date& d) const;
  bool is_business_day(const Date& d) const;

  // The n-th business day after `start` (start itself not counted): a denial
  // dated Friday with n = 1 gives the next Monday, unless that is a holiday.
  // n = 0 gives `start`; a negative n counts backwards.
  Date add_business_days(const Date& start, int n) const;

  // The latest business day on or before `d`: a calendar-day deadline that
  // lands on a weekend or holiday is moved earlier, never later, so nobody
  // files late.
  Date business_day_on_or_before(const Date& d) const;

  // Business days after `from` up to and including `to` (0 when to <= from).
  int business_days_between(const Date& from, const Date& to) const;

 private:
  explicit BusinessCalendar(std::uint32_t observed) : observed_(observed) {}
  std::uint32_t observed_;   // bit i set: holiday rule i is observed
};

}  // namespace p2p
