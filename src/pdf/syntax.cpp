#include "pdf/syntax.h"

#include "calendar/date.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace p2p {

std::string pdf_date(long long t) { return format_utc(t, "D:%Y%m%d%H%M%SZ"); }

namespace {

// The reference spelling: std::to_chars rounds the exact binary value.
void put_number_exactly(std::string& out, double v) {
  char buf[40];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 2);
  char* end = res.ptr;
  char* dot = std::find(buf, end, '.');
  if (dot != end) {
    while (end > dot && end[-1] == '0') --end;
    if (end == dot + 1) end = dot;
  }
  if (end - buf == 2 && buf[0] == '-' && buf[1] == '0') {
    out += '0';
    return;
  }
  out.append(buf, end);
}

}  // namespace

// A page writes thousands of numbers and to_chars was a twentieth of a
// packet's time. Hundredths as an integer give the same digits whenever the
// value is not within a hair of a half hundredth (where rounding v * 100
// could differ from rounding v itself); those few go through to_chars.
void put_number(std::string& out, double v) {
  const double hundredths = v * 100;
  if (!(std::fabs(hundredths) < 1e15)) return put_number_exactly(out, v);  // huge, inf, NaN
  const double below = std::floor(hundredths);
  const double frac = hundredths - below;
  if (std::fabs(frac - 0.5) < 1e-6) return put_number_exactly(out, v);
  long long n = static_cast<long long>(frac > 0.5 ? below + 1 : below);
  if (n == 0) {
    out += '0';
    return;
  }
  char buf[32];
  char* p = buf + sizeof buf;
  unsigned long long u = n < 0 ? 0ULL - static_cast<unsigned long long>(n) : static_cast<unsigned long long>(n);
  unsigned cents = static_cast<unsigned>(u % 100);
  u /= 100;
  if (cents != 0) {
    if (cents % 10 != 0) *--p = static_cast<char>('0' + cents % 10);
    *--p = static_cast<char>('0' + cents / 10);
    *--p = '.';
  }
  do {
    *--p = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u != 0);
  if (n < 0) *--p = '-';
  out.append(p, buf + sizeof buf);
}

void put_numbers(std::string& out, std::initializer_list<double> vs, const char* op) {
  for (double v : vs) {
    put_number(out, v);
    out += ' ';
  }
  out += op;
  out += '\n';
}

}  // namespace p2p
