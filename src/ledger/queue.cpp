// The work queue (queue.h).
#include "ledger/queue.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <limits>
#include <sstream>

namespace p2p {

using nlohmann::json;

namespace {

constexpr long long kDay = 86400;
constexpr long long kConfirmationWindow = 24 * 3600;  // written confirmation within 24 h of the call

// Civil dates from and to day numbers (Howard Hinnant's algorithms): the
// queue formats and reads a few hundred thousand dates, and gmtime, timegm
// and strptime cost more than the rest of it together.
long long days_from_civil(long long y, unsigned m, unsigned d) {
  y -= m <= 2;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

struct Civil {
  long long y;
  unsigned m, d;
};

Civil civil_from_days(long long days) {
  days += 719468;
  const long long era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<long long>(yoe) + era * 400 + (m <= 2), m, d};
}

// n as `width` digits (zero-padded) at the end of `out`; written by hand:
// snprintf per date cost more than the rest of the queue
void put_digits(std::string& out, long long n, int width) {
  char buf[24];
  int i = 0;
  bool negative = n < 0;
  unsigned long long u = negative ? 0ULL - static_cast<unsigned long long>(n) : static_cast<unsigned long long>(n);
  do {
    buf[i++] = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u);
  while (i < width) buf[i++] = '0';
  if (negative) buf[i++] = '-';
  while (i) out += buf[--i];
}

std::string day_text(long long days) {
  Civil c = civil_from_days(days);
  std::string out;
  out.reserve(10);
  put_digits(out, c.y, 4);
  out += '-';
  put_digits(out, c.m, 2);
  out += '-';
  put_digits(out, c.d, 2);
  return out;
}

std::string iso(long long t) {
  long long days = (t >= 0 ? t : t - (kDay - 1)) / kDay, secs = t - days * kDay;
  std::string out = day_text(days);
  out += 'T';
  put_digits(out, secs / 3600, 2);
  out += ':';
  put_digits(out, secs / 60 % 60, 2);
  out += ':';
  put_digits(out, secs % 60, 2);
  out += 'Z';
  return out;
}

int digits(const char* p, int n) {
  int v = 0;
  for (int i = 0; i < n; ++i) {
    if (p[i] < '0' || p[i] > '9') return -1;
    v = v * 10 + (p[i] - '0');
  }
  return v;
}

std::string day_of(long long t) { return day_text((t >= 0 ? t : t - (kDay - 1)) / kDay); }

// A deadline given as a day: it ends when that day ends (UTC).
std::optional<long long> day_deadline(const std::string& day) {
  if (day.empty()) return std::nullopt;
  auto start = parse_time_point(day);
  if (!start) return std::nullopt;
  return *start + kDay;
}

void set_deadline(QueueEntry& q, const char* name, long long due_at, bool is_day, long long now) {
  q.deadline = name;
  q.due_at = due_at;
  q.due = is_day ? day_of(due_at - kDay) : iso(due_at);
  q.missed = now >= due_at;
}

constexpr const char* kStageNames[] = {"packet_generated", "p2p_requested", "p2p_scheduled", "call_held",
                                       "appeal_filed", "appeal_decided", "external_review_filed",
                                       "external_review_decided"};

// The next deadline and the reason, from the furthest step (queue.h).
void next_step(QueueEntry& q, const CaseProgress& p, long long now) {
  auto p2p_end = day_deadline(p.p2p_request);
  auto appeal_end = day_deadline(p.internal_appeal);
  auto to_appeal = [&](const std::string& why) {
    if (appeal_end) {
      set_deadline(q, "internal_appeal", *appeal_end, true, now);
      q.reason = why + "; internal appeal" + (q.missed ? " deadline passed" : "");
    } else {
      q.reason = why + "; no internal appeal rule for this plan type";
    }
  };
  auto decided = [](const std::string& what, const std::string& decision) {
    return what + " " + (decision.empty() ? std::string("decided") : decision);
  };
  switch (p.stage) {
    case 0:
      if (p2p_end && now < *p2p_end) {
        set_deadline(q, "p2p_request", *p2p_end, true, now);
        q.reason = "P2P not requested yet";
      } else {
        if (p2p_end) q.missed_windows.push_back("p2p_request");
        to_appeal("P2P window closed with no request");
      }
      break;
    case 1: {
      std::string when = p.requested_at ? " " + day_of(p.requested_at) : "";
      if (p2p_end && now < *p2p_end) {
        set_deadline(q, "p2p_request", *p2p_end, true, now);
        q.reason = "P2P requested" + when + ", no call scheduled yet";
      } else {
        to_appeal("P2P requested" + when + " but no call in the window");
      }
      break;
    }
    case 2: {
      auto at = parse_time_point(p.scheduled);
      set_deadline(q, "scheduled_call", at ? *at : p.scheduled_at, false, now);
      q.reason = q.missed ? "scheduled call time passed with no call recorded" : "P2P call scheduled";
      break;
    }
    case 3: {
      std::string outcome = p.disposition.empty() ? "call held" : "call " + p.disposition;
      if (now < p.call_at + kConfirmationWindow) {
        set_deadline(q, "call_confirmation", p.call_at + kConfirmationWindow, false, now);
        q.reason = outcome + ": written confirmation of the outcome due within 24 h";
      } else if (p.disposition == "overturned") {
        q.reason = "overturned on the call: close the case once the authorization is confirmed";
      } else {
        to_appeal(outcome);
      }
      break;
    }
    case 4:
      q.reason = "internal appeal filed" + (p.appeal_filed_at ? " " + day_of(p.appeal_filed_at) : std::string()) +
                 ": waiting for the decision";
      break;
    case 5: {
      std::string why = decided("appeal", p.appeal_decision);
      if (p.appeal_decision == "overturned") {
        q.reason = "appeal overturned the denial: close the case";
      } else if (p.external_review_automatic) {
        q.reason = why + ": the plan forwards it to independent review itself";
      } else {
        // counted from the decision when the event gives it; else the row's
        // date, counted from the denial (never too late)
        auto end = day_deadline(p.external_review_due);
        if (!end) end = day_deadline(p.external_review);
        if (end) {
          set_deadline(q, "external_review", *end, true, now);
          q.reason = why + ": external review" + (q.missed ? " deadline passed" : "");
        } else {
          q.reason = why + ": no external review rule for this plan type";
        }
      }
      break;
    }
    case 6:
      q.reason = "external review filed: waiting for the decision";
      break;
    default:
      q.reason = "external review decided" + (p.external_decision.empty() ? std::string() : " (" + p.external_decision + ")") +
                 ": close the case";
  }
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// "in 2d", "in 5h", "3d late"
std::string time_left(const QueueEntry& q, long long now) {
  if (q.deadline.empty()) return "-";
  long long left = q.due_at - now;
  long long a = left < 0 ? -left : left;
  std::string amount = a >= 2 * kDay ? std::to_string(a / kDay) + "d" : std::to_string((a + 3599) / 3600) + "h";
  return left < 0 ? amount + " LATE" : "in " + amount;
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

}  // namespace

std::optional<long long> parse_duration(const std::string& t) {
  if (t.size() < 2) return std::nullopt;
  long long n = 0;
  for (size_t i = 0; i + 1 < t.size(); ++i) {
    if (t[i] < '0' || t[i] > '9' || n > 100000000) return std::nullopt;
    n = n * 10 + (t[i] - '0');
  }
  switch (t.back()) {
    case 'm': return n * 60;
    case 'h': return n * 3600;
    case 'd': return n * kDay;
    case 'w': return n * 7 * kDay;
  }
  return std::nullopt;
}

std::optional<long long> parse_time_point(const std::string& t) {
  if (t.size() == 10 && t[4] == '-' && t[7] == '-') {  // a day alone, the common case
    int y = digits(t.data(), 4), m = digits(t.data() + 5, 2), d = digits(t.data() + 8, 2);
    if (y < 0 || m < 1 || m > 12 || d < 1 || d > 31) return std::nullopt;
    long long days = days_from_civil(y, unsigned(m), unsigned(d));
    Civil back = civil_from_days(days);
    if (back.m != unsigned(m) || back.d != unsigned(d)) return std::nullopt;  // 2026-02-30
    return days * kDay;
  }
  std::tm tm{};
  const char* rest = strptime(t.c_str(), "%Y-%m-%d", &tm);
  if (!rest) return std::nullopt;
  if (*rest == 'T' || *rest == ' ') {
    const char* r = strptime(rest + 1, "%H:%M", &tm);
    if (!r) return std::nullopt;
    rest = r;
    if (*rest == ':') {
      r = strptime(rest + 1, "%S", &tm);
      if (!r) return std::nullopt;
      rest = r;
    }
    if (*rest == '.')  // fractions of a second: ignored
      for (++rest; *rest >= '0' && *rest <= '9'; ++rest) {}
  }
  long long at = static_cast<long long>(timegm(&tm));
  if (*rest == 'Z') {
    ++rest;
  } else if (*rest == '+' || *rest == '-') {
    int hh = 0, mm = 0, used = 0;
    if (std::sscanf(rest + 1, "%2d:%2d%n", &hh, &mm, &used) != 2 || used != 5) return std::nullopt;
    long long offset = hh * 3600LL + mm * 60LL;
    at += *rest == '+' ? -offset : offset;  // local time minus its offset is UTC
    rest += 6;
  }
  if (*rest != '\0') return std::nullopt;
  return at;
}

namespace {

// A field of a case for its queue entry: copied from a const case, moved
// out of one the caller gave away.
template <class T>
T take_from(const T& v) { return v; }
template <class T>
T take_from(T& v) { return std::move(v); }

template <class Cases>
std::vector<QueueEntry> queue_of(Cases& cases, long long now, long long within_seconds) {
  std::vector<QueueEntry> queue;
  queue.reserve(cases.size());
  for (auto& p : cases) {
    if (p.closed_id && p.closed_id == p.last_id) continue;  // closed, and nothing recorded since
    QueueEntry q;
    next_step(q, p, now);
    if (within_seconds >= 0 && (q.deadline.empty() || q.due_at > now + within_seconds)) continue;
    q.case_id = take_from(p.case_id);
    q.stage = kStageNames[std::clamp(p.stage, 0, 7)];
    q.payer_id = take_from(p.payer_id);
    q.physician = take_from(p.physician);
    q.service_category = take_from(p.service_category);
    q.service_codes = take_from(p.service_codes);
    q.urgent = p.urgent;
    queue.push_back(std::move(q));
  }
  // sort small keys, then move each entry once
  std::vector<std::pair<long long, size_t>> order;
  order.reserve(queue.size());
  for (size_t i = 0; i < queue.size(); ++i)
    order.push_back({queue[i].deadline.empty() ? std::numeric_limits<long long>::max() : queue[i].due_at, i});
  std::sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first < b.first;
    return queue[a.second].case_id < queue[b.second].case_id;
  });
  std::vector<QueueEntry> sorted;
  sorted.reserve(queue.size());
  for (const auto& o : order) sorted.push_back(std::move(queue[o.second]));
  return sorted;
}

}  // namespace

std::vector<QueueEntry> build_queue(const std::vector<CaseProgress>& cases, long long now, long long within_seconds) {
  return queue_of(cases, now, within_seconds);
}

std::vector<QueueEntry> build_queue(std::vector<CaseProgress>&& cases, long long now, long long within_seconds) {
  return queue_of(cases, now, within_seconds);
}

json queue_json(const std::vector<QueueEntry>& queue, long long now) {
  json cases = json::array();
  for (const QueueEntry& q : queue) {
    cases.push_back({{"case_id", q.case_id},
                     {"deadline", q.deadline.empty() ? json(nullptr) : json(q.deadline)},
                     {"due", q.due.empty() ? json(nullptr) : json(q.due)},
                     {"missed", q.missed},
                     {"missed_windows", q.missed_windows},
                     {"stage", q.stage},
                     {"reason", q.reason},
                     {"payer_id", q.payer_id},
                     {"physician", q.physician},
                     {"service_codes", q.service_codes},
                     {"service_category", q.service_category},
                     {"urgent", q.urgent}});
  }
  return {{"as_of", iso(now)}, {"count", queue.size()}, {"cases", cases}};
}

namespace {

// A JSON string as nlohmann's dump writes it (queue.h, queue_json_text):
// plain printable ASCII as is, anything else through nlohmann itself.
void put_string(std::string& out, const std::string& s) {
  bool plain = true;
  for (unsigned char ch : s)
    if (ch < 0x20 || ch >= 0x7f || ch == '"' || ch == '\\') {
      plain = false;
      break;
    }
  if (plain) {
    out += '"';
    out += s;
    out += '"';
  } else {
    out += json(s).dump(-1, ' ', false, json::error_handler_t::replace);
  }
}

void put_strings(std::string& out, const std::vector<std::string>& list, const char* indent) {
  if (list.empty()) {
    out += "[]";
    return;
  }
  out += "[\n";
  for (size_t i = 0; i < list.size(); ++i) {
    out += indent;
    out += "  ";
    put_string(out, list[i]);
    out += i + 1 < list.size() ? ",\n" : "\n";
  }
  out += indent;
  out += ']';
}

void put_field(std::string& out, const char* key) {
  out += "      \"";
  out += key;
  out += "\": ";
}

void put_text_or_null(std::string& out, const std::string& s) {
  if (s.empty()) out += "null";
  else put_string(out, s);
}

}  // namespace

std::string queue_json_text(const std::vector<QueueEntry>& queue, long long now) {
  std::string out;
  out.reserve(64 + queue.size() * 480);
  out += "{\n  \"as_of\": \"" + iso(now) + "\",\n  \"cases\": ";
  if (queue.empty()) out += "[]";
  else out += "[\n";
  for (size_t i = 0; i < queue.size(); ++i) {
    const QueueEntry& q = queue[i];
    out += "    {\n";
    // nlohmann's objects keep their keys sorted: the same order here
    put_field(out, "case_id"), put_string(out, q.case_id), out += ",\n";
    put_field(out, "deadline"), put_text_or_null(out, q.deadline), out += ",\n";
    put_field(out, "due"), put_text_or_null(out, q.due), out += ",\n";
    put_field(out, "missed"), out += q.missed ? "true" : "false", out += ",\n";
    put_field(out, "missed_windows"), put_strings(out, q.missed_windows, "      "), out += ",\n";
    put_field(out, "payer_id"), put_string(out, q.payer_id), out += ",\n";
    put_field(out, "physician"), put_string(out, q.physician), out += ",\n";
    put_field(out, "reason"), put_string(out, q.reason), out += ",\n";
    put_field(out, "service_category"), put_string(out, q.service_category), out += ",\n";
    put_field(out, "service_codes"), put_strings(out, q.service_codes, "      "), out += ",\n";
    put_field(out, "stage"), put_string(out, q.stage), out += ",\n";
    put_field(out, "urgent"), out += q.urgent ? "true" : "false", out += "\n";
    out += i + 1 < queue.size() ? "    },\n" : "    }\n  ]";
  }
  out += ",\n  \"count\": " + std::to_string(queue.size()) + "\n}";
  return out;
}

namespace {

void pad_to(std::string& out, const std::string& s, size_t width) {
  out += s;
  for (size_t n = s.size(); n < width; ++n) out += ' ';
  out += ' ';
}

}  // namespace

std::string queue_table(const std::vector<QueueEntry>& queue, long long now) {
  std::string out;
  out.reserve(128 + queue.size() * 140);
  pad_to(out, "DUE", 20), pad_to(out, "WHEN", 9), pad_to(out, "CASE", 24), pad_to(out, "DEADLINE", 18),
      pad_to(out, "PAYER", 10);
  out += "WHY OPEN\n";
  for (const QueueEntry& q : queue) {
    pad_to(out, q.due.empty() ? "-" : q.due, 20);
    pad_to(out, time_left(q, now), 9);
    pad_to(out, q.case_id, 24);
    pad_to(out, q.deadline.empty() ? "-" : q.deadline, 18);
    pad_to(out, q.payer_id, 10);
    out += q.reason;
    if (!q.missed_windows.empty()) out += " [MISSED: " + join(q.missed_windows, ", ") + "]";
    if (q.urgent) out += " [URGENT]";
    out += '\n';
  }
  out += std::to_string(queue.size()) + " open case(s) as of " + iso(now) + "\n";
  return out;
}

std::string queue_csv(const std::vector<QueueEntry>& queue) {
  std::string out = "case_id,deadline,due,missed,missed_windows,stage,reason,payer_id,physician,service_codes,service_category,urgent\n";
  for (const QueueEntry& q : queue) {
    out += csv_field(q.case_id) + "," + q.deadline + "," + q.due + "," + (q.missed ? "true" : "false") + "," +
           csv_field(join(q.missed_windows, ";")) + "," + q.stage + "," + csv_field(q.reason) + "," +
           csv_field(q.payer_id) + "," + csv_field(q.physician) + "," + csv_field(join(q.service_codes, ";")) + "," +
           csv_field(q.service_category) + "," + (q.urgent ? "true" : "false") + "\n";
  }
  return out;
}

json weekly_json(const std::vector<CaseProgress>& cases, long long now) {
  json calls = json::array();
  for (const CaseProgress& p : cases)
    if (p.call_at && p.call_at <= now && p.call_at > now - 7 * kDay)
      calls.push_back({{"case_id", p.case_id},
                       {"at", iso(p.call_at)},
                       {"disposition", p.disposition},
                       {"payer_id", p.payer_id},
                       {"physician", p.physician},
                       {"service_codes", p.service_codes}});
  json missed = json::array(), due = json::array();
  for (const QueueEntry& q : build_queue(cases, now)) {
    if (!q.missed_windows.empty()) missed.push_back({{"case_id", q.case_id}, {"windows", q.missed_windows}, {"payer_id", q.payer_id}});
    if ((q.deadline == "internal_appeal" || q.deadline == "external_review") && q.due_at <= now + 7 * kDay)
      due.push_back({{"case_id", q.case_id}, {"deadline", q.deadline}, {"due", q.due}, {"missed", q.missed}, {"reason", q.reason}});
  }
  return {{"as_of", iso(now)}, {"calls_this_week", calls}, {"windows_missed", missed}, {"appeals_due", due}};
}

std::string weekly_table(const json& w) {
  std::ostringstream out;
  out << "Weekly review as of " << w.value("as_of", "") << "\n\nCalls in the last 7 days (" << w["calls_this_week"].size() << "):\n";
  for (const json& c : w["calls_this_week"])
    out << "  " << c.value("at", "") << "  " << c.value("case_id", "") << "  " << c.value("disposition", "") << "  "
        << c.value("payer_id", "") << "  " << c.value("physician", "") << "\n";
  out << "\nP2P windows missed, for process review (" << w["windows_missed"].size() << "):\n";
  for (const json& m : w["windows_missed"]) out << "  " << m.value("case_id", "") << "  " << m.value("payer_id", "") << "\n";
  out << "\nAppeals and external reviews due in the next 7 days (" << w["appeals_due"].size() << "):\n";
  for (const json& a : w["appeals_due"])
    out << "  " << a.value("due", "") << "  " << a.value("case_id", "") << "  " << a.value("deadline", "")
        << (a.value("missed", false) ? "  MISSED" : "") << "\n";
  return out.str();
}

}  // namespace p2p
