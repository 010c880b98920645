// validate_case: every rule of format p2p-case/1 (docs/case-format.md).
// Each object of the format is described once, as a table of its keys (name,
// required or not, how to check the value); the same table drives the
// "is required" errors and the "unknown key" warnings, so they cannot drift
// apart. Rules that look at more than one value (dates that must agree, a code
// whose shape depends on its coding system) run after their object's table.
// Findings are collected, never thrown: the caller sees every problem at once.

#include <array>
#include <map>
#include <set>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "case/case.h"

namespace p2p {

namespace {

using json = nlohmann::json;

// ---- limits (docs/case-format.md, "Limits") --------------------------------------
// Generous for real cases (the longest free text in the samples is 470
// characters, the longest list 6 items), small enough that every later stage
// does bounded work on any case that validates.

constexpr std::size_t kMaxShortText = 200;   // names, numbers, codes, address lines
constexpr std::size_t kMaxLongText = 2000;   // free text: reasons, summaries, evidence
constexpr std::size_t kMaxAddressLines = 6;
constexpr std::size_t kMaxLines = 20;        // findings, points discussed, next steps ...
// CMS-1500 (box 21) and the X12 837P claim both carry at most 12 diagnosis codes.
constexpr std::size_t kMaxDiagnoses = 12;
constexpr std::size_t kMaxServices = 20;
constexpr std::size_t kMaxPriorTreatments = 50;
constexpr std::size_t kMaxCriteria = 200;
constexpr std::size_t kMaxCitations = 20;
// services[].expected_amount_usd: far above any one service's reimbursement,
// so that an amount in cents given as dollars is refused, not weighed.
constexpr double kMaxAmountUsd = 10000000;
constexpr std::size_t kMaxDraftItems = 200;

// Every date a case carries lies in 1900-01-01 .. 2100-12-31: wide enough for
// the oldest patient and the latest service, narrow enough that a deadline
// counted from any of them stays a four-digit year.
constexpr Date kFirstDate{1900, 1, 1};
constexpr Date kLastDate{2100, 12, 31};
// A denial dated a few days ahead is a time-zone slip or a typo worth a
// warning; further ahead it is wrong, and deadlines are counted from it.
constexpr long kMaxDenialDaysAhead = 30;

// Where findings go, plus the little context the cross-field rules need.
struct Checker {
  Date today;
  Diagnostics found;

  void error(const std::string& path, std::string message) {
    found.push_back(error_at(path, std::move(message)));
  }
  void warn(const std::string& path, std::string message) {
    found.push_back(warning_at(path, std::move(message)));
  }
};

using Check = void (*)(Checker&, const json&, const std::string& path);

enum class Need { required, optional };

// One key of one object of the format.
struct Field {
  std::string_view name;
  Need need;
  Check check;
};

// ---- paths and wording ---------------------------------------------------------

// RFC 6901: "~" and "/" inside a key would otherwise read as syntax.
std::string child(const std::string& path, std::string_view key) {
  std::string out = path + "/";
  for (char ch : key) {
    if (ch == '~') out += "~0";
    else if (ch == '/') out += "~1";
    else out += ch;
  }
  return out;
}

std::string child(const std::string& path, std::size_t index) {
  return path + "/" + std::to_string(index);
}

std::string type_name(const json& v) {
  switch (v.type()) {
    case json::value_t::object: return "an object";
    case json::value_t::array: return "an array";
    case json::value_t::string: return "a string";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "an integer";
    case json::value_t::number_float: return "a number";
    case json::value_t::null: return "null";
    default: return "an unsupported value";
  }
}

// Echoes a value back inside a message. JSON quoting keeps control characters
// and quotes readable; a long value is cut (on a UTF-8 boundary) so one bad
// field cannot flood the report.
std::string in_quotes(std::string_view s) {
  constexpr std::size_t kMax = 60;
  std::string text(s);
  if (text.size() > kMax) {
    std::size_t cut = kMax;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text = text.substr(0, cut) + "...";
  }
  return json(text).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string joined(std::span<const std::string_view> words) {
  std::string out;
  for (auto w : words) {
    if (!out.empty()) out += ", ";
    out += w;
  }
  return out;
}

// Reports a value of the wrong JSON type; true when the type was right.
bool expect_type(Checker& c, const json& v, const std::string& path, bool ok, std::string_view wanted) {
  if (!ok) c.error(path, "expected " + std::string(wanted) + ", got " + type_name(v));
  return ok;
}

bool is_blank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n\f\v") == std::string_view::npos;
}

bool is_digit(char ch) { return ch >= '0' && ch <= '9'; }
bool is_upper(char ch) { return ch >= 'A' && ch <= 'Z'; }
bool is_lower(char ch) { return ch >= 'a' && ch <= 'z'; }

bool all_digits(std::string_view s) {
  for (char ch : s)
    if (!is_digit(ch)) return false;
  return true;
}

// JSON Schema counts 1.0 as an integer; so do we, so the shipped schema and
// this validator agree.
bool is_integral(const json& v) {
  if (v.is_number_integer()) return true;
  if (!v.is_number_float()) return false;
  double d = v.get<double>();
  return std::isfinite(d) && d == std::floor(d);
}

// ---- value checks (one per kind of value in the format) -------------------------

// Characters, as JSON Schema's maxLength counts them: code points, not bytes.
std::size_t characters(std::string_view s) {
  std::size_t n = 0;
  for (char ch : s) n += (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
  return n;
}

// Reports a string longer than `max` characters; true when it is not.
bool within_length(Checker& c, std::string_view s, const std::string& path, std::size_t max) {
  std::size_t n = characters(s);
  if (n <= max) return true;
  c.error(path, "is " + std::to_string(n) + " characters long; at most " + std::to_string(max) + " are allowed here");
  return false;
}

template <std::size_t Max>
void text_up_to(Checker& c, const json& v, const std::string& path) {
  if (expect_type(c, v, path, v.is_string(), "a string")) within_length(c, v.get_ref<const std::string&>(), path, Max);
}

constexpr Check short_text = text_up_to<kMaxShortText>;
constexpr Check long_text = text_up_to<kMaxLongText>;

// Reports a list longer than `max` items; true when it is not.
bool within_count(Checker& c, const json& v, const std::string& path, std::size_t max) {
  if (v.size() <= max) return true;
  c.error(path, "has " + std::to_string(v.size()) + " items; at most " + std::to_string(max) + " are allowed here");
  return false;
}

void boolean(Checker& c, const json& v, const std::string& path) {
  expect_type(c, v, path, v.is_boolean(), "a boolean");
}

bool in_date_range(const Date& d) { return !(d < kFirstDate) && !(kLastDate < d); }

std::string date_range_rule() { return "a case's dates lie between " + kFirstDate.iso() + " and " + kLastDate.iso(); }

void date(Checker& c, const json& v, const std::string& path) {
  if (!expect_type(c, v, path, v.is_string(), "a string")) return;
  const auto& s = v.get_ref<const std::string&>();
  auto d = parse_date(s);
  if (!d) c.error(path, in_quotes(s) + " is not a date (YYYY-MM-DD)");
  else if (!in_date_range(*d)) c.error(path, in_quotes(s) + " is out of range; " + date_range_rule());
}

// True when s[i] and s[i+1] are digits that read as a number up to `max`.
bool two_digits(std::string_view s, std::size_t i, int max) {
  if (i + 2 > s.size() || !is_digit(s[i]) || !is_digit(s[i + 1])) return false;
  return (s[i] - '0') * 10 + (s[i + 1] - '0') <= max;
}

// YYYY-MM-DDTHH:MM[:SS[.fraction]](Z|+HH:MM|-HH:MM). The offset is required:
// a call time without one is ambiguous across the payer's and the practice's
// time zones.
bool is_date_time(std::string_view s) {
  if (s.size() < 17 || s[10] != 'T' || !parse_date(s.substr(0, 10))) return false;
  if (!two_digits(s, 11, 23) || s[13] != ':' || !two_digits(s, 14, 59)) return false;
  std::size_t i = 16;
  if (s[i] == ':') {
    if (!two_digits(s, i + 1, 59)) return false;
    i += 3;
    if (i < s.size() && s[i] == '.') {
      std::size_t first = ++i;
      while (i < s.size() && is_digit(s[i])) ++i;
      if (i == first) return false;
    }
  }
  if (i < s.size() && s[i] == 'Z') return i + 1 == s.size();
  if (i >= s.size() || (s[i] != '+' && s[i] != '-')) return false;
  return s.size() == i + 6 && two_digits(s, i + 1, 23) && s[i + 3] == ':' && two_digits(s, i + 4, 59);
}

void date_time(Checker& c, const json& v, const std::string& path) {
  if (!expect_type(c, v, path, v.is_string(), "a string")) return;
  const auto& s = v.get_ref<const std::string&>();
  if (!is_date_time(s)) {
    c.error(path, in_quotes(s) + " is not a date-time (ISO 8601 with offset, e.g. 2026-11-20T10:30:00-05:00)");
    return;
  }
  auto day = parse_date(s.substr(0, 10));
  if (day && !in_date_range(*day)) c.error(path, in_quotes(s) + " is out of range; " + date_range_rule());
}

// An array of text lines (findings, next steps ...); items beyond the limit
// are not looked at, so a huge list gives one error, not one per item.
template <std::size_t MaxItems, Check Line>
void lines_of(Checker& c, const json& v, const std::string& path) {
  if (!expect_type(c, v, path, v.is_array(), "an array") || !within_count(c, v, path, MaxItems)) return;
  for (std::size_t i = 0; i < v.size(); ++i) Line(c, v[i], child(path, i));
}

constexpr Check address_lines = lines_of<kMaxAddressLines, short_text>;
constexpr Check lines = lines_of<kMaxLines, long_text>;

template <const auto& Choices>
void one_of(Checker& c, const json& v, const std::string& path) {
  if (!expect_type(c, v, path, v.is_string(), "a string")) return;
  const auto& s = v.get_ref<const std::string&>();
  for (auto choice : Choices)
    if (s == choice) return;
  c.error(path, in_quotes(s) + " is not one of: " + joined(Choices));
}

void positive_integer(Checker& c, const json& v, const std::string& path) {
  if (!expect_type(c, v, path, is_integral(v), "an integer")) return;
  if (v.get<double>() < 1) c.error(path, "must be a positive integer (got " + v.dump() + ")");
}

void positive_number(Checker& c, const json& v, const std::string& path) {
  if (!expect_type(c, v, path, v.is_number(), "a number")) return;
  if (!(v.get<double>() > 0)) c.error(path, "must be a positive number (got " + v.dump() + ")");
}

// An amount of money in US dollars: 0 or more, and below a bound that no
// single service reaches (a figure in cents typed as dollars is caught).
void amount_usd(Checker& c, const json& v, const std::string& path) {
  if (!expect_type(c, v, path, v.is_number(), "a number")) return;
  double usd = v.get<double>();
  if (usd < 0) c.error(path, "must not be negative (got " + v.dump() + ")");
  else if (usd > kMaxAmountUsd)
    c.error(path, "is more than " + std::to_string(long(kMaxAmountUsd)) + " dollars, the most one service is taken to pay: is it in cents? (got " + v.dump() + ")");
}

// ---- objects and arrays ---------------------------------------------------------

// Checks an object against its table: required keys, each value, unknown keys.
// Returns false when `v` is not an object at all (then nothing else is said).
bool check_fields(Checker& c, const json& v, const std::string& path, std::span<const Field> fields) {
  if (!expect_type(c, v, path, v.is_object(), "an object")) return false;
  for (const auto& f : fields) {
    auto it = v.find(std::string(f.name));
    std::string at = child(path, f.name);
    if (it == v.end()) {
      if (f.need == Need::required) c.error(at, "is required");
    } else if (f.need == Need::required && it->is_string() && is_blank(it->get_ref<const std::string&>())) {
      c.error(at, "must not be empty");  // a blank required value is as missing as an absent one
    } else {
      f.check(c, *it, at);
    }
  }
  for (const auto& item : v.items()) {
    bool known = false;
    for (const auto& f : fields) known = known || item.key() == f.name;
    if (!known) c.warn(child(path, item.key()), "unknown key, ignored");
  }
  return true;
}

template <const auto& Fields>
void object_of(Checker& c, const json& v, const std::string& path) {
  check_fields(c, v, path, Fields);
}

template <Check Item, std::size_t Max, std::size_t Min = 0>
void array_of(Checker& c, const json& v, const std::string& path) {
  if (!expect_type(c, v, path, v.is_array(), "an array") || !within_count(c, v, path, Max)) return;
  if (v.size() < Min) c.error(path, "must have at least " + std::to_string(Min) + " item" + (Min == 1 ? "" : "s"));
  for (std::size_t i = 0; i < v.size(); ++i) Item(c, v[i], child(path, i));
}

// Member `name` of `v`, or null when `v` is no object or lacks it: the
// cross-field rules only act on values that passed their own checks.
const json& member(const json& v, std::string_view name) {
  static const json kAbsent;
  if (!v.is_object()) return kAbsent;
  auto it = v.find(std::string(name));
  return it == v.end() ? kAbsent : *it;
}

std::string_view string_at(const json& v, std::string_view name) {
  const json& m = member(v, name);
  return m.is_string() ? std::string_view(m.get_ref<const std::string&>()) : std::string_view{};
}

std::optional<Date> date_at(const json& v, std::string_view name) { return parse_date(string_at(v, name)); }

// ---- identifiers and codes -----------------------------------------------------

void format(Checker& c, const json& v, const std::string& path) {
  if (!expect_type(c, v, path, v.is_string(), "a string")) return;
  const auto& s = v.get_ref<const std::string&>();
  if (s != "p2p-case/1") c.error(path, in_quotes(s) + " is not a supported format (expected \"p2p-case/1\")");
}

// How to show one character of a case id: quoted if printable ASCII, else as
// a code point (a control character or a lone byte would garble the message).
std::string describe_char(std::string_view s, std::size_t i) {
  auto b = static_cast<unsigned char>(s[i]);
  if (b == ' ') return "a space";
  if (b > ' ' && b < 0x7F) return "\"" + std::string(1, static_cast<char>(b)) + "\"";
  unsigned cp = b;
  std::size_t more = b >= 0xF0 ? 3 : b >= 0xE0 ? 2 : b >= 0xC0 ? 1 : 0;
  if (more) cp = b & (0x3F >> more);
  for (std::size_t k = 1; k <= more && i + k < s.size(); ++k)
    cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", cp);
  return buf;
}

bool is_id_char(char ch) {
  return is_digit(ch) || is_upper(ch) || is_lower(ch) || ch == '.' || ch == '_' || ch == '-';
}

// The case id names the output folder (DIR/<case_id>/), so it must be one
// harmless path segment: no separators, no "..", no hidden folder.
void case_id(Checker& c, const json& v, const std::string& path) {
  if (!expect_type(c, v, path, v.is_string(), "a string")) return;
  const auto& s = v.get_ref<const std::string&>();
  if (s.size() > 64) {
    c.error(path, "is " + std::to_string(s.size()) + " characters long; a case id has at most 64");
    return;
  }
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!is_id_char(s[i])) {
      c.error(path, in_quotes(s) + " contains " + describe_char(s, i) +
                        "; a case id may only contain letters, digits, \".\", \"_\" and \"-\"");
      return;
    }
  }
  if (s.front() == '.')
    c.error(path, in_quotes(s) + " starts with \".\"; a case id must not (it names the output folder)");
}

// ^[a-z0-9]+(-[a-z0-9]+)*$ : the payer id picks template folders.
bool is_slug(std::string_view s) {
  if (s.empty() || s.front() == '-' || s.back() == '-') return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '-' && s[i + 1] == '-') return false;
    if (s[i] != '-' && !is_lower(s[i]) && !is_digit(s[i])) return false;
  }
  return true;
}

void payer_id(Checker& c, const json& v, const std::string& path) {
  if (!expect_type(c, v, path, v.is_string(), "a string")) return;
  const auto& s = v.get_ref<const std::string&>();
  if (!within_length(c, s, path, kMaxShortText)) return;
  if (!is_slug(s))
    c.error(path, in_quotes(s) + " is not a payer id (lowercase letters and digits, words joined by single \"-\", e.g. bcbs-il)");
}

// The state whose insurance law governs the plan: the 50 states, DC and the
// five inhabited territories.
constexpr std::array<std::string_view, 56> kStates = {
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN",
    "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV",
    "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN",
    "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "DC", "PR", "GU", "VI", "AS", "MP"};

void us_state(Checker& c, const json& v, const std::string& path) {
  if (!expect_type(c, v, path, v.is_string(), "a string")) return;
  const auto& s = v.get_ref<const std::string&>();
  for (auto state : kStates)
    if (s == state) return;
  c.error(path, in_quotes(s) + " is not a US state or territory code (two capital letters, e.g. NY)");
}

// ICD-10-CM code shape only (not membership in the code set): category = a
// letter, a digit, a digit or letter (C7A, M1A); then up to 4 more characters,
// with or without the dot.
bool is_icd10_shape(std::string_view s) {
  auto alnum = [](char ch) { return is_digit(ch) || is_upper(ch); };
  if (s.size() < 3 || !is_upper(s[0]) || !is_digit(s[1]) || !alnum(s[2])) return false;
  std::string_view rest = s.substr(3);
  if (!rest.empty() && rest.front() == '.') {
    rest.remove_prefix(1);
    if (rest.empty()) return false;
  }
  if (rest.size() > 4) return false;
  for (char ch : rest)
    if (!alnum(ch)) return false;
  return true;
}

void icd10(Checker& c, const json& v, const std::string& path) {
  if (!expect_type(c, v, path, v.is_string(), "a string")) return;
  const auto& s = v.get_ref<const std::string&>();
  if (!is_icd10_shape(s))
    c.error(path, in_quotes(s) +
                      " is not an ICD-10-CM code (letter, digit, digit or letter, then optionally \".\" and up to 4 "
                      "more, e.g. M51.16)");
}

// CPT: five digits (Category I), or four digits and F (Category II), T
// (Category III) or U (PLA codes). HCPCS Level II: a letter and four digits.
bool is_cpt(std::string_view s) {
  if (s.size() != 5 || !all_digits(s.substr(0, 4))) return false;
  return is_digit(s[4]) || s[4] == 'F' || s[4] == 'T' || s[4] == 'U';
}

bool is_hcpcs(std::string_view s) { return s.size() == 5 && is_upper(s[0]) && all_digits(s.substr(1)); }

void check_service_code(Checker& c, const json& service, const std::string& path) {
  std::string_view system = string_at(service, "system");
  std::string_view code = string_at(service, "code");
  if (code.empty()) return;  // missing, blank or mistyped: already reported
  std::string at = child(path, "code");
  if (system == "CPT" && !is_cpt(code))
    c.error(at, in_quotes(code) + " is not a CPT code (5 digits, or 4 digits then F, T or U, e.g. 72148)");
  if (system == "HCPCS" && !is_hcpcs(code))
    c.error(at, in_quotes(code) + " is not a HCPCS code (a capital letter then 4 digits, e.g. J1745)");
}

// ---- citations ------------------------------------------------------------------

// Keys are resolved against the citation library by a later stage; here only
// their spelling is checked.
bool is_citation_key(std::string_view s) {
  if (s.empty() || !(is_lower(s[0]) || is_digit(s[0]))) return false;
  for (char ch : s)
    if (!(is_lower(ch) || is_digit(ch) || ch == '.' || ch == '_' || ch == '-')) return false;
  return true;
}

void citation_year(Checker& c, const json& v, const std::string& path) {
  if (!expect_type(c, v, path, is_integral(v), "an integer")) return;
  // Next year is allowed: journals publish issues dated ahead.
  int last = c.today.year + 1;
  double year = v.get<double>();
  if (year < 1900 || year > last)
    c.error(path, "must be between 1900 and " + std::to_string(last) + " (got " + v.dump() + ")");
}

void pmid(Checker& c, const json& v, const std::string& path) {
  if (!expect_type(c, v, path, v.is_string(), "a string")) return;
  const auto& s = v.get_ref<const std::string&>();
  if (s.empty() || s.size() > 9 || !all_digits(s)) c.error(path, in_quotes(s) + " is not a PubMed ID (1 to 9 digits)");
}

void doi(Checker& c, const json& v, const std::string& path) {
  if (!expect_type(c, v, path, v.is_string(), "a string")) return;
  const auto& s = v.get_ref<const std::string&>();
  if (!within_length(c, s, path, kMaxShortText)) return;
  if (!s.starts_with("10.") || s.find('/') == std::string::npos)
    c.error(path, in_quotes(s) + " is not a DOI (it starts with \"10.\" and contains \"/\", e.g. 10.1001/jama.296.20.2441)");
}

void web_address(Checker& c, const json& v, const std::string& path) {
  if (!expect_type(c, v, path, v.is_string(), "a string")) return;
  const auto& s = v.get_ref<const std::string&>();
  if (!within_length(c, s, path, kMaxLongText)) return;
  if (!s.starts_with("http://") && !s.starts_with("https://"))
    c.error(path, in_quotes(s) + " is not a web address (it starts with http:// or https://)");
}

constexpr std::array<std::string_view, 2> kCitationKinds = {"guideline", "study"};

constexpr Field kCitation[] = {
    {"kind", Need::required, one_of<kCitationKinds>},
    {"source", Need::required, short_text},
    {"title", Need::required, long_text},
    {"year", Need::optional, citation_year},
    {"pmid", Need::optional, pmid},
    {"doi", Need::optional, doi},
    {"url", Need::optional, web_address},
    {"point", Need::optional, long_text},
};

void citation(Checker& c, const json& v, const std::string& path) {
  if (v.is_object()) {
    check_fields(c, v, path, kCitation);
    return;
  }
  if (!expect_type(c, v, path, v.is_string(), "a string or an object")) return;
  const auto& s = v.get_ref<const std::string&>();
  if (is_blank(s)) {
    c.error(path, "must not be empty");
  } else if (!within_length(c, s, path, kMaxShortText)) {
    return;
  } else if (!is_citation_key(s)) {
    c.error(path, in_quotes(s) +
                      " is not a citation key (lowercase letters, digits, \".\", \"_\" and \"-\", starting with a "
                      "letter or digit)");
  }
}

// ---- the objects of the format -------------------------------------------------

constexpr Field kReviewer[] = {
    {"name", Need::optional, short_text},
    {"credentials", Need::optional, short_text},
    {"specialty", Need::optional, short_text},
};

constexpr Field kPractice[] = {
    {"name", Need::required, short_text},
    {"address", Need::optional, address_lines},
    {"phone", Need::optional, short_text},
    {"fax", Need::optional, short_text},
    {"npi", Need::optional, short_text},
};

constexpr Field kPhysician[] = {
    {"name", Need::required, short_text},
    {"credentials", Need::optional, short_text},
    {"specialty", Need::required, short_text},
    {"npi", Need::optional, short_text},
    {"phone", Need::optional, short_text},
};

constexpr Field kCaseManager[] = {
    {"name", Need::optional, short_text},
    {"phone", Need::optional, short_text},
    {"email", Need::optional, short_text},
};

constexpr Field kPatient[] = {
    {"name", Need::required, short_text},
    {"dob", Need::required, date},
    {"member_id", Need::required, short_text},
    {"sex", Need::optional, short_text},
    {"mrn", Need::optional, short_text},
    {"group_number", Need::optional, short_text},
};

void patient(Checker& c, const json& v, const std::string& path) {
  if (!check_fields(c, v, path, kPatient)) return;
  auto dob = date_at(v, "dob");
  if (dob && *dob > c.today) c.error(child(path, "dob"), "date of birth is in the future");
}

constexpr std::array<std::string_view, 7> kPlanTypes = {
    "erisa", "state_regulated", "medicare_advantage", "medicaid_managed_care", "aca_marketplace", "fehb", "other"};

constexpr Field kPayer[] = {
    {"id", Need::required, payer_id},
    {"name", Need::required, short_text},
    {"plan", Need::optional, short_text},
    {"plan_type", Need::required, one_of<kPlanTypes>},
    {"state", Need::required, us_state},
    {"p2p_phone", Need::optional, short_text},
    {"appeals_fax", Need::optional, short_text},
    {"appeals_address", Need::optional, address_lines},
};

constexpr std::array<std::string_view, 9> kDenialTypes = {
    "medical_necessity", "insufficient_documentation", "criteria_not_met",
    "experimental_investigational", "level_of_care", "concurrent_review",
    "out_of_network", "benefit_exclusion", "administrative"};

constexpr Field kDenial[] = {
    {"date", Need::required, date},
    {"time", Need::optional, date_time},
    {"type", Need::required, one_of<kDenialTypes>},
    {"reason", Need::required, long_text},
    {"reason_code", Need::optional, short_text},
    {"reference_number", Need::optional, short_text},
    {"claim_number", Need::optional, short_text},
    {"reviewer", Need::optional, object_of<kReviewer>},
};

// A denial dated after today is most likely a typo; deadlines are computed
// from it. A few days ahead (a time-zone slip) is a warning, further an error.
void denial(Checker& c, const json& v, const std::string& path) {
  if (!check_fields(c, v, path, kDenial)) return;
  auto when = date_at(v, "date");
  // A window in hours is counted from `time`: it must be the notice's own day.
  auto time = v.find("time");
  if (when && time != v.end() && time->is_string() && is_date_time(time->get<std::string>()) &&
      time->get<std::string>().substr(0, 10) != when->iso())
    c.error(child(path, "time"), in_quotes(time->get<std::string>()) + " is not on the denial date " +
                                     in_quotes(when->iso()) + " (give the local time with its offset)");
  if (!when || !(c.today < *when) || !in_date_range(*when)) return;
  std::string at = child(path, "date");
  std::string said = in_quotes(when->iso()) + " is in the future (today is " + c.today.iso() + ")";
  if (when->days_since_epoch() - c.today.days_since_epoch() > kMaxDenialDaysAhead)
    c.error(at, said + "; a denial date may be at most " + std::to_string(kMaxDenialDaysAhead) + " days ahead");
  else
    c.warn(at, said);
}

constexpr Field kDiagnosis[] = {
    {"icd10", Need::required, icd10},
    {"description", Need::required, long_text},
    {"primary", Need::optional, boolean},
};

// Several primaries leave the brief unsure which one to lead with.
void diagnoses(Checker& c, const json& v, const std::string& path) {
  array_of<object_of<kDiagnosis>, kMaxDiagnoses, 1>(c, v, path);
  if (!v.is_array()) return;
  std::string first;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const json& d = v[i];
    if (member(d, "primary") != true) continue;
    std::string at = child(child(path, i), "primary");
    if (first.empty()) first = child(path, i);
    else c.warn(at, "only one diagnosis should be primary; " + first + " already is");
  }
}

constexpr std::array<std::string_view, 2> kCodeSystems = {"CPT", "HCPCS"};

constexpr Field kService[] = {
    {"code", Need::required, short_text},
    {"system", Need::required, one_of<kCodeSystems>},
    {"description", Need::required, long_text},
    {"units", Need::optional, positive_integer},
    {"date", Need::optional, date},
    {"expected_amount_usd", Need::optional, amount_usd},
};

void service(Checker& c, const json& v, const std::string& path) {
  if (check_fields(c, v, path, kService)) check_service_code(c, v, path);
}

// A line an importer proposed from the EHR's record (`import pas --clinical`,
// docs/case-format.md "Proposed lines"): printed, marked "proposed" on every
// document, and a warning until a person accepts it by deleting the key
// (or setting it false), so --strict refuses a case nobody has checked.
void proposed(Checker& c, const json& v, const std::string& path) {
  if (expect_type(c, v, path, v.is_boolean(), "a boolean") && v == true)
    c.warn(path, "proposed from the EHR's record, not yet checked by a person: compare it with the chart, then delete \"proposed\"");
}

constexpr Field kPriorTreatment[] = {
    {"treatment", Need::required, long_text},
    {"start", Need::required, date},
    {"end", Need::optional, date},
    {"outcome", Need::required, long_text},
    {"source", Need::optional, short_text},
    {"proposed", Need::optional, proposed},
};

void prior_treatment(Checker& c, const json& v, const std::string& path) {
  if (!check_fields(c, v, path, kPriorTreatment)) return;
  auto start = date_at(v, "start");
  auto end = date_at(v, "end");
  if (start && end && *end < *start)
    c.error(child(path, "end"), in_quotes(end->iso()) + " is before start " + in_quotes(start->iso()));
}

// A scored functional measure ("ODI", "48/100", the day it was scored): the
// brief prints it beside functional_status.
constexpr Field kFunctionalScore[] = {
    {"measure", Need::required, short_text},
    {"score", Need::required, short_text},
    {"date", Need::optional, date},
    {"source", Need::optional, short_text},
    {"proposed", Need::optional, proposed},
};

// A finding is a line of text, or the same with where it was read and the
// importer's "proposed" mark: {text, source, proposed}.
constexpr Field kFinding[] = {
    {"text", Need::required, long_text},
    {"source", Need::optional, short_text},
    {"proposed", Need::optional, proposed},
};

void finding(Checker& c, const json& v, const std::string& path) {
  if (v.is_object()) check_fields(c, v, path, kFinding);
  else long_text(c, v, path);
}

constexpr Field kClinical[] = {
    {"summary", Need::required, long_text},
    {"duration", Need::optional, short_text},
    {"functional_status", Need::optional, long_text},
    {"functional_score", Need::optional, object_of<kFunctionalScore>},
    {"findings", Need::optional, lines_of<kMaxLines, finding>},
    {"prior_treatments", Need::optional, array_of<prior_treatment, kMaxPriorTreatments>},
    {"if_upheld", Need::required, long_text},
    {"urgency_reason", Need::optional, long_text},
};

constexpr std::array<std::string_view, 4> kCriterionStatuses = {"met", "not_met", "partial", "unknown"};

constexpr Field kCriterion[] = {
    {"id", Need::required, short_text},
    {"text", Need::required, long_text},
    {"status", Need::required, one_of<kCriterionStatuses>},
    {"evidence", Need::optional, long_text},
    {"source", Need::optional, short_text},
};

constexpr Field kPolicy[] = {
    {"id", Need::optional, short_text},
    {"name", Need::optional, short_text},
    {"url", Need::optional, web_address},
    {"effective", Need::optional, date},
    {"criteria", Need::optional, array_of<object_of<kCriterion>, kMaxCriteria>},
};

constexpr Field kP2p[] = {
    {"scheduled", Need::optional, date_time},
    {"reference_number", Need::optional, short_text},
    {"phone", Need::optional, short_text},
    {"reviewer", Need::optional, object_of<kReviewer>},
    {"goal", Need::optional, long_text},
    {"fallback", Need::optional, long_text},
};

constexpr std::array<std::string_view, 4> kDispositions = {"overturned", "upheld", "deferred", "modified"};

// What a modified outcome approved: per requested code, the units approved
// (absent: that code in full). Checked against the request below.
constexpr Field kApprovedService[] = {
    {"code", Need::required, short_text},
    {"units", Need::optional, positive_integer},
};

constexpr Field kApproved[] = {
    {"auth_number", Need::optional, short_text},
    {"services", Need::optional, array_of<object_of<kApprovedService>, kMaxServices>},
};

constexpr Field kCall[] = {
    {"started", Need::optional, date_time},
    {"duration_minutes", Need::optional, positive_number},
    {"reviewer", Need::optional, object_of<kReviewer>},
    {"points_discussed", Need::optional, lines},
    {"reviewer_reasoning", Need::optional, long_text},
    {"disposition", Need::optional, one_of<kDispositions>},
    {"auth_number", Need::optional, short_text},
    {"objections", Need::optional, lines},
    {"next_steps", Need::optional, lines},
    {"approved", Need::optional, object_of<kApproved>},
};

// An overturn without its authorization number leaves the post-call form
// unable to prove the approval; worth a nudge, not a refusal.
void call(Checker& c, const json& v, const std::string& path) {
  if (!check_fields(c, v, path, kCall)) return;
  if (string_at(v, "disposition") == "overturned" && is_blank(string_at(v, "auth_number")))
    c.warn(child(path, "auth_number"), "should be given when disposition is \"overturned\"");
}

// ---- drafts (docs/case-format.md "Drafts") ---------------------------------------

// A JSON pointer into the case: "" or "/" followed by segments.
bool is_case_pointer(std::string_view s) { return !s.empty() && s[0] == '/' && s.size() <= kMaxShortText; }

void draft_item(Checker& c, const json& v, const std::string& path) {
  static constexpr Field kItem[] = {
      {"path", Need::required, short_text},
      {"what", Need::required, long_text},
  };
  if (!check_fields(c, v, path, kItem)) return;
  std::string_view p = string_at(v, "path");
  if (!p.empty() && !is_case_pointer(p))
    c.error(child(path, "path"), in_quotes(p) + " is not a JSON pointer into the case (it starts with /)");
}

// The importer's own keys (source, decision, notes) are free-form: they are
// for the person completing the draft and are never printed in a packet.
void draft(Checker& c, const json& v, const std::string& path) {
  if (!expect_type(c, v, path, v.is_object(), "an object")) return;
  auto it = v.find("to_complete");
  if (it == v.end()) {
    c.error(child(path, "to_complete"), "is required");
    return;
  }
  array_of<draft_item, kMaxDraftItems>(c, *it, child(path, "to_complete"));
}

constexpr std::array<std::string_view, 5> kSettings = {"outpatient", "inpatient", "residential", "home", "pharmacy"};

constexpr Field kCase[] = {
    {"format", Need::required, format},
    {"case_id", Need::required, case_id},
    {"urgent", Need::optional, boolean},
    {"setting", Need::optional, one_of<kSettings>},
    {"practice", Need::required, object_of<kPractice>},
    {"physician", Need::required, object_of<kPhysician>},
    {"case_manager", Need::optional, object_of<kCaseManager>},
    {"patient", Need::required, patient},
    {"payer", Need::required, object_of<kPayer>},
    {"denial", Need::required, denial},
    {"diagnoses", Need::required, diagnoses},
    {"services", Need::required, array_of<service, kMaxServices, 1>},
    {"clinical", Need::required, object_of<kClinical>},
    {"policy", Need::optional, object_of<kPolicy>},
    {"citations", Need::optional, array_of<citation, kMaxCitations>},
    {"p2p", Need::optional, object_of<kP2p>},
    {"call", Need::optional, call},
    {"draft", Need::optional, draft},
};

// A denial cannot predate the patient; it usually means swapped dates.
void check_denial_after_birth(Checker& c, const json& doc) {
  auto dob = date_at(member(doc, "patient"), "dob");
  auto denied = date_at(member(doc, "denial"), "date");
  if (dob && denied && *denied < *dob)
    c.error("/denial/date", in_quotes(denied->iso()) + " is before the date of birth " + in_quotes(dob->iso()));
}

// call.approved against the request: the letters appeal "requested minus
// approved", so every approved code must be one the case requested, at most
// the units requested (a service without units counts as one), and something
// must remain denied: approving everything in full is an overturn.
void check_approved_against_request(Checker& c, const json& doc) {
  const json& call = member(doc, "call");
  const json& approved = member(call, "approved");
  if (!approved.is_object()) return;
  if (string_at(call, "disposition") != "modified")
    c.warn("/call/approved", "is read only when disposition is \"modified\"");
  std::string_view own = string_at(approved, "auth_number"), calls = string_at(call, "auth_number");
  if (!is_blank(own) && !is_blank(calls) && own != calls)
    c.warn("/call/approved/auth_number", in_quotes(own) + " differs from /call/auth_number " + in_quotes(calls) +
                                             "; the letters cite this one as the partial approval's");
  const json& services = member(doc, "services");
  const json& items = member(approved, "services");
  if (!services.is_array() || !items.is_array()) return;
  std::map<std::string, long> requested;  // code -> units requested over every line with it
  std::string codes;
  for (const json& s : services) {
    std::string code(string_at(s, "code"));
    const json& units = member(s, "units");
    requested[code] += is_integral(units) ? units.get<long>() : 1;
    codes += (codes.empty() ? "" : ", ") + code;
  }
  std::set<std::string> seen, in_full;
  for (std::size_t i = 0; i < items.size(); ++i) {
    std::string code(string_at(items[i], "code"));
    std::string at = child("/call/approved/services", i);
    if (code.empty()) continue;  // reported by its own check
    if (!requested.count(code)) {
      c.error(child(at, "code"), in_quotes(code) + " is not among the requested services (" + codes + ")");
      continue;
    }
    if (!seen.insert(code).second) {
      c.error(child(at, "code"), in_quotes(code) + " is listed twice");
      continue;
    }
    const json& units = member(items[i], "units");
    long n = is_integral(units) ? units.get<long>() : requested[code];
    if (n > requested[code])
      c.error(child(at, "units"),
              std::to_string(n) + " approved, more than the " + std::to_string(requested[code]) + " requested");
    else if (n == requested[code])
      in_full.insert(code);
  }
  if (!items.empty() && in_full.size() == requested.size())
    c.error("/call/approved/services", "approves every requested service in full: that is an overturn, not a modified outcome");
}

}  // namespace

namespace {

Diagnostics check_case(const json& doc, const Date& today) {
  Checker c{today, {}};
  try {
    if (check_fields(c, doc, "", kCase)) {
      check_denial_after_birth(c, doc);
      check_approved_against_request(c, doc);
    }
  } catch (const std::exception& e) {
    // Only reachable through a bug here; keep the promise that nothing throws.
    c.error("", std::string("internal error while validating: ") + e.what());
  }
  return std::move(c.found);
}

// "/diagnoses/0" covers "/diagnoses/0" and "/diagnoses/0/icd10", not "/diagnoses/01".
bool covers(std::string_view entry, std::string_view path) {
  return path.starts_with(entry) && (path.size() == entry.size() || path[entry.size()] == '/');
}

// Only a missing value is a gap: a value written into a gap is checked like
// any other, so a wrong date of birth typed into /patient/dob is an error.
bool says_missing(const Diagnostic& d) {
  return d.message == "is required" || d.message == "must not be empty" || d.message.starts_with("must have at least");
}

}  // namespace

bool is_draft(const nlohmann::json& doc) { return doc.is_object() && doc.contains("draft"); }

DraftReview review_draft(const nlohmann::json& doc, const Date& today) {
  DraftReview r;
  Diagnostics found = check_case(doc, today);
  const json& items = member(member(doc, "draft"), "to_complete");
  if (items.is_array()) {
    for (const json& item : items) {
      std::string_view path = string_at(item, "path"), what = string_at(item, "what");
      if (is_case_pointer(path) && !is_blank(what)) r.to_complete.push_back({std::string(path), std::string(what)});
    }
  }
  for (Diagnostic& d : found) {
    bool covered = false;
    for (const DraftItem& e : r.to_complete) covered = covered || covers(e.path, d.path);
    if (!(covered && d.severity == Severity::error && says_missing(d))) r.problems.push_back(std::move(d));
  }
  return r;
}

Diagnostics validate_case(const nlohmann::json& doc, const Date& today) {
  if (!is_draft(doc)) return check_case(doc, today);
  DraftReview r = review_draft(doc, today);
  Diagnostics out = std::move(r.problems);
  for (const DraftItem& e : r.to_complete) out.push_back(error_at(e.path, "to complete: " + e.what));
  out.push_back(error_at("/draft", "this case is a draft with " + std::to_string(r.to_complete.size()) +
                                       " field(s) still to complete; fill them in, then remove /draft"));
  return out;
}

Diagnostics validate_call_object(const nlohmann::json& v, const Date& today) {
  Checker c{today, {}};
  try {
    call(c, v, "");
  } catch (const std::exception& e) {
    c.error("", std::string("internal error while validating: ") + e.what());
  }
  return std::move(c.found);
}

}  // namespace p2p
