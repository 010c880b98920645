#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "calendar/business_calendar.h"
#include "calendar/date.h"

using p2p::BusinessCalendar;
using p2p::Date;
using p2p::parse_date;

namespace {

// The eleven federal holidays: the tests of the counting itself.
const BusinessCalendar kFederal = BusinessCalendar::federal();

Date d(const char* iso) {
  auto parsed = parse_date(iso);
  REQUIRE_MESSAGE(parsed.has_value(), iso);
  return *parsed;
}

std::vector<std::string> holiday_isos(int year) {
  std::vector<std::string> out;
  for (const auto& h : kFederal.holidays(year)) out.push_back(h.observed.iso());
  return out;
}

}  // namespace

TEST_CASE("parse_date accepts real YYYY-MM-DD days") {
  auto x = parse_date("2026-11-18");
  REQUIRE(x.has_value());
  CHECK(x->year == 2026);
  CHECK(x->month == 11);
  CHECK(x->day == 18);
  CHECK(parse_date("2024-02-29").has_value());   // leap year
  CHECK(parse_date("2000-02-29").has_value());   // divisible by 400
  CHECK(parse_date("0001-01-01").has_value());
  CHECK(parse_date("9999-12-31").has_value());
}

TEST_CASE("parse_date rejects impossible days and wrong shapes") {
  CHECK_FALSE(parse_date("2026-13-01").has_value());
  CHECK_FALSE(parse_date("2026-00-10").has_value());
  CHECK_FALSE(parse_date("2026-02-29").has_value());
  CHECK_FALSE(parse_date("1900-02-29").has_value());   // divisible by 100, not 400
  CHECK_FALSE(parse_date("2026-04-31").has_value());
  CHECK_FALSE(parse_date("2026-01-00").has_value());
  CHECK_FALSE(parse_date("0000-01-01").has_value());
  CHECK_FALSE(parse_date("").has_value());
  CHECK_FALSE(parse_date("2026-1-5").has_value());
  CHECK_FALSE(parse_date("2026/01/05").has_value());
  CHECK_FALSE(parse_date("20260105").has_value());
  CHECK_FALSE(parse_date("2026-01-05T00:00").has_value());
  CHECK_FALSE(parse_date(" 2026-01-05").has_value());
  CHECK_FALSE(parse_date("2026-01-0x").has_value());
  CHECK_FALSE(parse_date("+026-01-05").has_value());
  CHECK_FALSE(parse_date("Nov 18, 2026").has_value());
}

TEST_CASE("weekday of known dates") {
  CHECK(d("1970-01-01").weekday() == 4);   // Thursday
  CHECK(d("1969-12-31").weekday() == 3);   // Wednesday, before the epoch
  CHECK(d("1969-12-27").weekday() == 6);   // Saturday
  CHECK(d("1969-12-21").weekday() == 0);   // Sunday
  CHECK(d("1900-01-01").weekday() == 1);   // Monday
  CHECK(d("0001-01-01").weekday() == 1);   // Monday (proleptic Gregorian)
  CHECK(d("2000-01-01").weekday() == 6);   // Saturday
  CHECK(d("2024-02-29").weekday() == 4);   // Thursday
  CHECK(d("2026-11-18").weekday() == 3);   // Wednesday
  CHECK(d("2026-07-04").weekday() == 6);   // Saturday
  CHECK(d("2027-12-25").weekday() == 6);   // Saturday
}

TEST_CASE("iso and display") {
  CHECK(d("2026-11-18").iso() == "2026-11-18");
  CHECK((Date{2026, 1, 5}).iso() == "2026-01-05");
  CHECK((Date{987, 3, 9}).iso() == "0987-03-09");
  CHECK(d("2026-11-18").display() == "Wed Nov 18, 2026");
  CHECK(d("2027-01-01").display() == "Fri Jan 1, 2027");
  CHECK(d("2024-02-29").display() == "Thu Feb 29, 2024");
}

TEST_CASE("long_display") {
  CHECK(Date{2026, 11, 18}.long_display() == "November 18, 2026");
  CHECK(Date{2024, 2, 29}.long_display() == "February 29, 2024");
}

// Issue 8: a date formatter indexed its month table with whatever it was
// given (a global-buffer-overflow under ASan). Years past 9999 and fields no
// parse_date would give now print without reading outside any table.
TEST_CASE("regression: the formatters are safe for any year and any fields") {
  Date far = Date{9999, 11, 30}.plus_days(45);
  CHECK(far.iso() == "10000-01-14");
  CHECK(far.long_display() == "January 14, 10000");
  CHECK(far.display() == "Fri Jan 14, 10000");
  CHECK(parse_date(far.iso()) == std::nullopt);  // five-digit years are not case dates
  Date broken{2026, 13, 40};
  CHECK(broken.long_display() == "2026-13-40");
  CHECK(broken.display() == "2026-13-40");
  Date zero{2026, 0, 1};
  CHECK(zero.display() == "2026-00-01");
  Date huge{-2147483647, -5, -2147483647};
  CHECK(huge.iso() == "-2147483647--5--2147483647");
  CHECK(huge.long_display() == huge.iso());
}

TEST_CASE("days since epoch round-trips from year 1 to year 9999") {
  const long first = d("0001-01-01").days_since_epoch();
  const long last = d("9999-12-31").days_since_epoch();
  CHECK(first == -719162);
  CHECK(last == 2932896);
  CHECK(d("1970-01-01").days_since_epoch() == 0);
  CHECK(d("2000-03-01").days_since_epoch() == 11017);

  // Every day in the range: from_days inverts days_since_epoch, each next day
  // is a valid date one day later, and the weekday cycles without a gap.
  long failures = 0;
  Date prev = Date::from_days(first);
  CHECK(prev == Date{1, 1, 1});
  for (long z = first + 1; z <= last; ++z) {
    Date cur = Date::from_days(z);
    if (cur.days_since_epoch() != z) ++failures;
    if (cur.weekday() != (prev.weekday() + 1) % 7) ++failures;
    if (!(prev < cur)) ++failures;
    prev = cur;
  }
  CHECK(failures == 0);
  CHECK(prev == Date{9999, 12, 31});

  // Through the text form too, on a coarser grid.
  for (long z = first; z <= last; z += 997) {
    Date x = Date::from_days(z);
    auto back = parse_date(x.iso());
    REQUIRE(back.has_value());
    CHECK(*back == x);
  }
}

TEST_CASE("plus_days crosses month, year and leap boundaries") {
  CHECK(d("2024-02-28").plus_days(1) == d("2024-02-29"));
  CHECK(d("2026-02-28").plus_days(1) == d("2026-03-01"));
  CHECK(d("2026-12-31").plus_days(1) == d("2027-01-01"));
  CHECK(d("2026-01-01").plus_days(-1) == d("2025-12-31"));
  CHECK(d("2026-11-18").plus_days(180) == d("2027-05-17"));
}

TEST_CASE("federal holidays 2026") {
  std::vector<std::string> expected = {"2026-01-01", "2026-01-19", "2026-02-16", "2026-05-25",
                                       "2026-06-19", "2026-07-03", "2026-09-07", "2026-10-12",
                                       "2026-11-11", "2026-11-26", "2026-12-25"};
  CHECK(holiday_isos(2026) == expected);
  auto h = kFederal.holidays(2026);
  REQUIRE(h.size() == 11);
  CHECK(h[0].name == "New Year's Day");
  CHECK(h[5].name == "Independence Day");   // Saturday Jul 4 observed Friday Jul 3
  CHECK(h[9].name == "Thanksgiving Day");
  CHECK(h[10].name == "Christmas Day");
}

TEST_CASE("federal holidays 2027, including New Year's Day 2028 observed on Dec 31") {
  std::vector<std::string> expected = {"2027-01-01", "2027-01-18", "2027-02-15", "2027-05-31",
                                       "2027-06-18", "2027-07-05", "2027-09-06", "2027-10-11",
                                       "2027-11-11", "2027-11-25", "2027-12-24", "2027-12-31"};
  CHECK(holiday_isos(2027) == expected);
  auto h = kFederal.holidays(2027);
  REQUIRE(h.size() == 12);
  CHECK(h[4].name == "Juneteenth National Independence Day");   // Saturday -> Friday
  CHECK(h[5].name == "Independence Day");                       // Sunday -> Monday
  CHECK(h[10].name == "Christmas Day");                         // Saturday -> Friday
  CHECK(h[11].name == "New Year's Day");
  // 2028 starts on a Saturday whose holiday already happened in 2027.
  auto next = holiday_isos(2028);
  CHECK(next.front() == "2028-01-17");
  CHECK(next.size() == 10);
}

TEST_CASE("New Year's Day on a Saturday is observed the Friday before (2021/2022)") {
  CHECK(kFederal.is_holiday(d("2021-12-31")));
  CHECK_FALSE(kFederal.is_business_day(d("2021-12-31")));
  CHECK_FALSE(kFederal.is_holiday(d("2022-01-01")));   // a Saturday, not a business day anyway
  CHECK_FALSE(kFederal.is_holiday(d("2022-01-03")));   // no Monday substitute
  CHECK(kFederal.is_business_day(d("2022-01-03")));

  auto y2021 = holiday_isos(2021);
  CHECK(y2021.back() == "2021-12-31");
  CHECK(y2021.size() == 12);
  std::vector<std::string> y2022 = {"2022-01-17", "2022-02-21", "2022-05-30", "2022-06-20", "2022-07-04",
                                    "2022-09-05", "2022-10-10", "2022-11-11", "2022-11-24", "2022-12-26"};
  CHECK(holiday_isos(2022) == y2022);
}

TEST_CASE("Juneteenth exists from 2021 on") {
  auto y2020 = holiday_isos(2020);
  CHECK(y2020.size() == 10);
  for (const auto& iso : y2020) CHECK(iso.substr(5, 2) != "06");
  CHECK_FALSE(kFederal.is_holiday(d("2020-06-19")));
  CHECK(kFederal.is_holiday(d("2021-06-18")));   // Saturday Jun 19 observed Friday
  CHECK(kFederal.is_holiday(d("2025-06-19")));
}

TEST_CASE("listed holidays are holidays, on weekdays, in date order") {
  for (int year = 2000; year <= 2060; ++year) {
    auto h = kFederal.holidays(year);
    for (size_t i = 0; i < h.size(); ++i) {
      CHECK(h[i].observed.year == year);
      CHECK(kFederal.is_holiday(h[i].observed));
      CHECK(h[i].observed.weekday() != 0);
      CHECK(h[i].observed.weekday() != 6);
      if (i > 0) CHECK(h[i - 1].observed < h[i].observed);
    }
  }
}

TEST_CASE("is_business_day") {
  CHECK(kFederal.is_business_day(d("2026-11-18")));         // Wednesday
  CHECK_FALSE(kFederal.is_business_day(d("2026-11-21")));   // Saturday
  CHECK_FALSE(kFederal.is_business_day(d("2026-11-22")));   // Sunday
  CHECK_FALSE(kFederal.is_business_day(d("2026-11-26")));   // Thanksgiving
  CHECK(kFederal.is_business_day(d("2026-11-27")));         // day after: not federal
  CHECK_FALSE(kFederal.is_holiday(d("2026-07-04")));        // the actual Saturday is not "observed"
  CHECK(kFederal.is_holiday(d("2026-07-03")));
}

TEST_CASE("add_business_days skips weekends and holidays") {
  CHECK(kFederal.add_business_days(d("2026-11-25"), 1) == d("2026-11-27"));   // over Thanksgiving
  CHECK(kFederal.add_business_days(d("2026-11-18"), 3) == d("2026-11-23"));   // over a weekend
  CHECK(kFederal.add_business_days(d("2026-11-18"), 0) == d("2026-11-18"));
  CHECK(kFederal.add_business_days(d("2026-11-21"), 0) == d("2026-11-21"));   // n = 0 keeps a Saturday
  CHECK(kFederal.add_business_days(d("2026-01-16"), 1) == d("2026-01-20"));   // Friday, then MLK Monday
  CHECK(kFederal.add_business_days(d("2026-12-24"), 1) == d("2026-12-28"));   // Christmas Friday
  CHECK(kFederal.add_business_days(d("2027-12-30"), 1) == d("2028-01-03"));   // Dec 31 observed New Year
  CHECK(kFederal.add_business_days(d("2026-11-21"), 1) == d("2026-11-23"));   // from a Saturday
  CHECK(kFederal.add_business_days(d("2026-11-20"), 5) == d("2026-11-30"));   // week with Thanksgiving
  CHECK(kFederal.add_business_days(d("2026-01-01"), 250) == d("2026-12-31"));
  CHECK(kFederal.add_business_days(d("2026-11-27"), -1) == d("2026-11-25"));   // backwards
}

TEST_CASE("business_day_on_or_before moves earlier, never later") {
  CHECK(kFederal.business_day_on_or_before(d("2026-11-18")) == d("2026-11-18"));
  CHECK(kFederal.business_day_on_or_before(d("2026-11-22")) == d("2026-11-20"));   // Sunday
  CHECK(kFederal.business_day_on_or_before(d("2026-11-26")) == d("2026-11-25"));   // Thanksgiving
  CHECK(kFederal.business_day_on_or_before(d("2026-07-05")) == d("2026-07-02"));   // Sun, Sat, Jul 3 observed
  CHECK(kFederal.business_day_on_or_before(d("2028-01-02")) == d("2027-12-30"));   // across the year
  CHECK(kFederal.business_day_on_or_before(d("2026-01-19")) == d("2026-01-16"));   // MLK Day
}

TEST_CASE("business_days_between counts the days after from, up to and including to") {
  CHECK(kFederal.business_days_between(d("2026-11-25"), d("2026-11-30")) == 2);
  CHECK(kFederal.business_days_between(d("2026-11-18"), d("2026-11-23")) == 3);
  CHECK(kFederal.business_days_between(d("2026-11-18"), d("2026-11-18")) == 0);
  CHECK(kFederal.business_days_between(d("2026-11-23"), d("2026-11-18")) == 0);
  CHECK(kFederal.business_days_between(d("2026-11-20"), d("2026-11-22")) == 0);   // weekend only
  CHECK(kFederal.business_days_between(d("2026-01-01"), d("2026-12-31")) == 250);
  // Consistent with add_business_days whenever the end is a business day.
  Date start = d("2026-10-01");
  for (int n = 0; n <= 60; ++n) {
    Date end = kFederal.add_business_days(start, n);
    CHECK(kFederal.business_days_between(start, end) == n);
  }
}

// The default calendar: what a payer's office counts. Issue 9: a denial on
// Tue 2026-11-10 with a 3-business-day window gave Mon Nov 16 because
// Veterans Day was skipped; payers are open on Veterans Day.
TEST_CASE("default payer calendar: the six closures, not Veterans Day or Columbus Day") {
  const BusinessCalendar payer;
  CHECK(payer.add_business_days(d("2026-11-10"), 3) == d("2026-11-13"));   // Tue -> Fri, Nov 11 counted
  CHECK(payer.is_business_day(d("2026-11-11")));                           // Veterans Day
  CHECK(payer.is_business_day(d("2026-10-12")));                           // Columbus Day
  CHECK(payer.is_business_day(d("2026-01-19")));                           // MLK Day
  CHECK(payer.is_business_day(d("2026-02-16")));                           // Washington's Birthday
  CHECK(payer.is_business_day(d("2026-06-19")));                           // Juneteenth
  CHECK_FALSE(payer.is_business_day(d("2026-11-26")));                     // Thanksgiving
  CHECK(payer.add_business_days(d("2026-11-25"), 1) == d("2026-11-27"));
  CHECK_FALSE(payer.is_business_day(d("2026-05-25")));                     // Memorial Day
  CHECK_FALSE(payer.is_business_day(d("2026-09-07")));                     // Labor Day
  CHECK_FALSE(payer.is_business_day(d("2026-12-25")));                     // Christmas
  std::vector<std::string> ids;
  for (const auto& h : payer.holidays(2026)) ids.push_back(h.id);
  CHECK(ids == BusinessCalendar::default_holiday_ids());
}

TEST_CASE("default payer calendar: observed dates of the fixed-date holidays") {
  const BusinessCalendar payer;
  CHECK_FALSE(payer.is_business_day(d("2026-07-03")));   // Sat Jul 4 observed Fri
  CHECK(payer.is_business_day(d("2027-07-02")));         // 2027: Sun Jul 4 observed Mon Jul 5
  CHECK_FALSE(payer.is_business_day(d("2027-07-05")));
  CHECK_FALSE(payer.is_business_day(d("2027-12-24")));   // Sat Christmas observed Fri
  CHECK_FALSE(payer.is_business_day(d("2027-12-31")));   // Sat New Year 2028 observed Fri Dec 31
  CHECK(payer.add_business_days(d("2027-12-30"), 1) == d("2028-01-03"));
  CHECK_FALSE(payer.is_business_day(d("2022-12-26")));   // Sun Christmas observed Mon
}

TEST_CASE("a payer that adds holidays: Veterans Day and the day after Thanksgiving") {
  std::string unknown;
  auto more = BusinessCalendar().adding({"veterans_day", "day_after_thanksgiving"}, &unknown);
  REQUIRE(more.has_value());
  CHECK(more->add_business_days(d("2026-11-10"), 3) == d("2026-11-16"));   // Nov 11 skipped
  CHECK_FALSE(more->is_business_day(d("2026-11-27")));
  CHECK(more->add_business_days(d("2026-11-25"), 1) == d("2026-11-30"));
  CHECK(more->is_business_day(d("2026-10-12")));                           // Columbus Day still open
  // Christmas Eve has no weekend substitute: Thu 2026-12-24 closed, Fri 2027-12-24 is Christmas observed.
  auto eve = BusinessCalendar().adding({"christmas_eve"});
  REQUIRE(eve.has_value());
  CHECK_FALSE(eve->is_business_day(d("2026-12-24")));
  CHECK(eve->is_business_day(d("2026-12-23")));
}

TEST_CASE("an unknown holiday id is refused and named") {
  std::string unknown;
  CHECK_FALSE(BusinessCalendar().adding({"veterans_day", "boxing_day"}, &unknown).has_value());
  CHECK(unknown == "boxing_day");
  auto ids = BusinessCalendar::known_holiday_ids();
  CHECK(ids.size() == 13);
}
