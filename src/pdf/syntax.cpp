#include "pdf/syntax.h"

#include "calendar/date.h"

#include <algorithm>
#include <charconv>

namespace p2p {

PoDoFo::PdfString pdf_string(const std::string& s) {
  bool ascii = std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (ascii) return PoDoFo::PdfString(s.c_str());
  return PoDoFo::PdfString(reinterpret_cast<const PoDoFo::pdf_utf8*>(s.c_str()));
}

std::string pdf_date(long long t) { return format_utc(t, "D:%Y%m%d%H%M%SZ"); }

void put_number(std::string& out, double v) {
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

void put_numbers(std::string& out, std::initializer_list<double> vs, const char* op) {
  for (double v : vs) {
    put_number(out, v);
    out += ' ';
  }
  out += op;
  out += '\n';
}

}  // namespace p2p
