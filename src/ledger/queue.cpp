// The work queue (queue.h).
#include "ledger/queue.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <map>
#include <sstream>

namespace p2p {

using nlohmann::json;

namespace {

constexpr long long kDay = 86400;
constexpr long long kConfirmationWindow = 24 * 3600;  // written confirmation within 24 h of the call

// How far along a case is; the furthest step recorded decides what comes next.
int rank(EventKind k) {
  switch (k) {
    case EventKind::denial_received:
    case EventKind::packet_generated: return 0;
    case EventKind::p2p_requested: return 1;
    case EventKind::p2p_scheduled: return 2;
    case EventKind::call_held: return 3;
    case EventKind::appeal_filed: return 4;
    case EventKind::appeal_decided: return 5;
    case EventKind::external_review_filed: return 6;
    case EventKind::external_review_decided: return 7;
    case EventKind::closed: return 8;
  }
  return 0;
}

std::string iso(long long t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string day_of(long long t) { return iso(t).substr(0, 10); }

struct Latest {
  std::map<EventKind, const RecordedEvent*> by_kind;
  const RecordedEvent* get(EventKind k) const {
    auto it = by_kind.find(k);
    return it == by_kind.end() ? nullptr : it->second;
  }
};

// A deadline given as a day: it ends when that day ends (UTC).
std::optional<long long> day_deadline(const json& deadlines, const char* key) {
  if (!deadlines.contains(key) || !deadlines[key].is_string()) return std::nullopt;
  auto start = parse_time_point(deadlines[key].get<std::string>());
  if (!start) return std::nullopt;
  return *start + kDay;
}

void set_deadline(QueueEntry& q, const char* name, long long due_at, bool is_day, long long now) {
  q.deadline = name;
  q.due_at = due_at;
  q.due = is_day ? day_of(due_at - kDay) : iso(due_at);
  q.missed = now >= due_at;
}

std::string text(const json& data, const char* key) {
  return data.contains(key) && data[key].is_string() ? data[key].get<std::string>() : std::string();
}

// The next deadline and the reason, from the furthest step (queue.h).
void next_step(QueueEntry& q, const CaseRow& row, const Latest& latest, int stage, long long now) {
  const json& dl = row.deadlines;
  auto p2p_end = day_deadline(dl, "p2p_request");
  auto appeal_end = day_deadline(dl, "internal_appeal");
  auto to_appeal = [&](const std::string& why) {
    if (appeal_end) {
      set_deadline(q, "internal_appeal", *appeal_end, true, now);
      q.reason = why + "; internal appeal" + (q.missed ? " deadline passed" : "");
    } else {
      q.reason = why + "; no internal appeal rule for this plan type";
    }
  };
  if (stage == 0) {
    if (p2p_end && now < *p2p_end) {
      set_deadline(q, "p2p_request", *p2p_end, true, now);
      q.reason = "P2P not requested yet";
    } else {
      if (p2p_end) q.missed_windows.push_back("p2p_request");
      to_appeal("P2P window closed with no request");
    }
  } else if (stage == 1) {
    const RecordedEvent* req = latest.get(EventKind::p2p_requested);
    std::string when = req ? " " + day_of(req->event.at) : "";
    if (p2p_end && now < *p2p_end) {
      set_deadline(q, "p2p_request", *p2p_end, true, now);
      q.reason = "P2P requested" + when + ", no call scheduled yet";
    } else {
      to_appeal("P2P requested" + when + " but no call in the window");
    }
  } else if (stage == 2) {
    const RecordedEvent* s = latest.get(EventKind::p2p_scheduled);
    auto at = s ? parse_time_point(text(s->event.data, "scheduled")) : std::nullopt;
    if (!at && s) at = s->event.at;
    if (at) set_deadline(q, "scheduled_call", *at, false, now);
    q.reason = q.missed ? "scheduled call time passed with no call recorded" : "P2P call scheduled";
  } else if (stage == 3) {
    const RecordedEvent* call = latest.get(EventKind::call_held);
    std::string disposition = call ? text(call->event.data, "disposition") : "";
    std::string outcome = disposition.empty() ? "call held" : "call " + disposition;
    if (call && now < call->event.at + kConfirmationWindow) {
      set_deadline(q, "call_confirmation", call->event.at + kConfirmationWindow, false, now);
      q.reason = outcome + ": written confirmation of the outcome due within 24 h";
    } else if (disposition == "overturned") {
      q.reason = "overturned on the call: close the case once the authorization is confirmed";
    } else {
      to_appeal(outcome);
    }
  } else if (stage == 4) {
    const RecordedEvent* f = latest.get(EventKind::appeal_filed);
    q.reason = "internal appeal filed" + (f ? " " + day_of(f->event.at) : std::string()) + ": waiting for the decision";
  } else if (stage == 5) {
    const RecordedEvent* d = latest.get(EventKind::appeal_decided);
    std::string decision = d ? text(d->event.data, "decision") : "";
    if (decision == "overturned") {
      q.reason = "appeal overturned the denial: close the case";
    } else if (dl.value("external_review_automatic", false)) {
      q.reason = "appeal " + (decision.empty() ? std::string("decided") : decision) +
                 ": the plan forwards it to independent review itself";
    } else {
      // the decision event may carry the date counted from the decision;
      // else the row's date, counted from the denial (never too late)
      json from_event = d ? json{{"external_review", text(d->event.data, "external_review_due")}} : json::object();
      auto end = day_deadline(from_event, "external_review");
      if (!end) end = day_deadline(dl, "external_review");
      std::string why = "appeal " + (decision.empty() ? std::string("decided") : decision);
      if (end) {
        set_deadline(q, "external_review", *end, true, now);
        q.reason = why + ": external review" + (q.missed ? " deadline passed" : "");
      } else {
        q.reason = why + ": no external review rule for this plan type";
      }
    }
  } else if (stage == 6) {
    q.reason = "external review filed: waiting for the decision";
  } else {
    const RecordedEvent* d = latest.get(EventKind::external_review_decided);
    std::string decision = d ? text(d->event.data, "decision") : "";
    q.reason = "external review decided" + (decision.empty() ? std::string() : " (" + decision + ")") + ": close the case";
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

std::vector<QueueEntry> build_queue(const std::vector<CaseState>& states, long long now, long long within_seconds) {
  std::vector<QueueEntry> queue;
  for (const CaseState& s : states) {
    Latest latest;
    long long newest = 0;
    int stage = 0;
    EventKind furthest = EventKind::denial_received;
    for (const RecordedEvent& e : s.latest) {
      latest.by_kind[e.event.kind] = &e;
      newest = std::max(newest, e.id);
      if (e.event.kind != EventKind::closed && rank(e.event.kind) >= stage) {
        stage = rank(e.event.kind);
        furthest = e.event.kind;
      }
    }
    // closed, and nothing recorded since
    const RecordedEvent* closed = latest.get(EventKind::closed);
    if (closed && closed->id == newest) continue;
    QueueEntry q;
    q.case_id = s.row.case_id;
    q.stage = std::string(event_kind_name(furthest));
    q.payer_id = s.row.payer_id;
    q.physician = s.row.physician;
    q.service_category = s.row.service_category;
    q.service_codes = s.row.service_codes;
    q.urgent = s.row.urgent;
    next_step(q, s.row, latest, stage, now);
    if (within_seconds >= 0 && (q.deadline.empty() || q.due_at > now + within_seconds)) continue;
    queue.push_back(std::move(q));
  }
  std::sort(queue.begin(), queue.end(), [](const QueueEntry& a, const QueueEntry& b) {
    if (a.deadline.empty() != b.deadline.empty()) return b.deadline.empty();
    if (a.due_at != b.due_at) return a.due_at < b.due_at;
    return a.case_id < b.case_id;
  });
  return queue;
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

std::string queue_table(const std::vector<QueueEntry>& queue, long long now) {
  std::ostringstream out;
  char line[512];
  std::snprintf(line, sizeof line, "%-20s %-9s %-24s %-18s %-10s %s\n", "DUE", "WHEN", "CASE", "DEADLINE", "PAYER", "WHY OPEN");
  out << line;
  for (const QueueEntry& q : queue) {
    std::string why = q.reason;
    if (!q.missed_windows.empty()) why += " [MISSED: " + join(q.missed_windows, ", ") + "]";
    if (q.urgent) why += " [URGENT]";
    std::snprintf(line, sizeof line, "%-20s %-9s %-24s %-18s %-10s ", q.due.empty() ? "-" : q.due.c_str(),
                  time_left(q, now).c_str(), q.case_id.c_str(), q.deadline.empty() ? "-" : q.deadline.c_str(),
                  q.payer_id.c_str());
    out << line << why << "\n";
  }
  out << queue.size() << " open case(s) as of " << iso(now) << "\n";
  return out.str();
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

json weekly_json(const std::vector<CaseState>& states, long long now) {
  json calls = json::array();
  for (const CaseState& s : states)
    for (const RecordedEvent& e : s.latest)
      if (e.event.kind == EventKind::call_held && e.event.at <= now && e.event.at > now - 7 * kDay)
        calls.push_back({{"case_id", s.row.case_id},
                         {"at", iso(e.event.at)},
                         {"disposition", text(e.event.data, "disposition")},
                         {"payer_id", s.row.payer_id},
                         {"physician", s.row.physician},
                         {"service_codes", s.row.service_codes}});
  json missed = json::array(), due = json::array();
  for (const QueueEntry& q : build_queue(states, now)) {
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
