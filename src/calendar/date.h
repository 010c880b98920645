// Date: a calendar day (proleptic Gregorian), no time zone, no clock.
// parse_date accepts exactly YYYY-MM-DD with a real day of a real month.
// Plain value type; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace p2p {

struct Date {
  int year = 1970, month = 1, day = 1;

  long days_since_epoch() const;           // 1970-01-01 is 0
  static Date from_days(long days);
  int weekday() const;                     // 0 = Sunday ... 6 = Saturday
  Date plus_days(long n) const { return from_days(days_since_epoch() + n); }
  std::string iso() const;                 // "2026-11-18"
  std::string display() const;             // "Wed Nov 18, 2026"
  std::string long_display() const;        // "November 18, 2026"
  // The three formatters never read outside their tables: a Date with a
  // month out of 1..12 prints as iso().

  friend bool operator==(const Date&, const Date&) = default;
  friend auto operator<=>(const Date& a, const Date& b) { return a.days_since_epoch() <=> b.days_since_epoch(); }
};

std::optional<Date> parse_date(std::string_view text);

// A UTC timestamp (seconds since 1970) through strftime's `format`, e.g.
// "%Y-%m-%dT%H:%M:%SZ". gmtime_r: no shared state, no local time zone.
std::string format_utc(long long timestamp, const char* format);

// "2026-11-18T09:30:00Z"
inline std::string iso_utc(long long timestamp) { return format_utc(timestamp, "%Y-%m-%dT%H:%M:%SZ"); }

}  // namespace p2p
