// The work queue (queue.h): which deadline comes next at each step, missed
// windows, order, and the time texts it reads. Pure: no database, a fixed now.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <algorithm>

#include "ledger/queue.h"

using namespace p2p;

namespace {

long long at(const char* text) { return *parse_time_point(text); }

// A case's progress as the ledger's trigger keeps it (schema migration 2),
// from its events in the order recorded.
CaseProgress state(const std::string& id, std::vector<std::pair<EventKind, long long>> events, nlohmann::json data = {}) {
  CaseProgress p;
  p.case_id = id;
  p.payer_id = "uhc";
  p.p2p_request = "2026-03-05";
  p.internal_appeal = "2026-08-28";
  p.external_review = "2026-07-02";
  long long n = 0;
  for (const auto& e : events) {
    EventKind kind = e.first;
    long long at = e.second;
    nlohmann::json d = data.is_object() && data.contains(std::string(event_kind_name(kind)))
                           ? data[std::string(event_kind_name(kind))]
                           : nlohmann::json::object();
    p.last_id = ++n;
    switch (kind) {
      case EventKind::closed: p.closed_id = n; break;
      case EventKind::p2p_requested: p.requested_at = at; p.stage = std::max(p.stage, 1); break;
      case EventKind::p2p_scheduled:
        p.scheduled_at = at;
        p.scheduled = d.value("scheduled", "");
        p.stage = std::max(p.stage, 2);
        break;
      case EventKind::call_held:
        p.call_at = at;
        p.disposition = d.value("disposition", "");
        p.stage = std::max(p.stage, 3);
        break;
      case EventKind::appeal_filed: p.appeal_filed_at = at; p.stage = std::max(p.stage, 4); break;
      case EventKind::appeal_decided:
        p.appeal_decision = d.value("decision", "");
        p.external_review_due = d.value("external_review_due", "");
        p.stage = std::max(p.stage, 5);
        break;
      case EventKind::external_review_filed: p.stage = std::max(p.stage, 6); break;
      case EventKind::external_review_decided:
        p.external_decision = d.value("decision", "");
        p.stage = std::max(p.stage, 7);
        break;
      default: break;
    }
  }
  return p;
}

QueueEntry only(const std::vector<CaseProgress>& states, long long now) {
  auto q = build_queue(states, now);
  REQUIRE(q.size() == 1);
  return q[0];
}

}  // namespace

TEST_CASE("time texts: days, UTC and offsets; durations") {
  CHECK(at("2026-03-05") == 1772668800);
  CHECK(at("2026-03-05T00:00:00Z") == 1772668800);
  CHECK(at("2026-03-04T16:00:00-08:00") == 1772668800);
  CHECK(at("2026-03-05T05:30:00+05:30") == 1772668800);
  CHECK(at("2026-03-05 00:00") == 1772668800);
  CHECK_FALSE(parse_time_point("2026-03-05T10").has_value());
  CHECK_FALSE(parse_time_point("tomorrow").has_value());
  CHECK_FALSE(parse_time_point("2026-03-05Zjunk").has_value());
  CHECK(parse_duration("3d") == 3 * 86400);
  CHECK(parse_duration("36h") == 36 * 3600);
  CHECK(parse_duration("2w") == 14 * 86400);
  CHECK_FALSE(parse_duration("3").has_value());
  CHECK_FALSE(parse_duration("d").has_value());
  CHECK_FALSE(parse_duration("3x").has_value());
}

TEST_CASE("a new denial: the P2P window, ending with its day") {
  auto q = only({state("A", {{EventKind::denial_received, at("2026-03-02")}})}, at("2026-03-05T23:00:00Z"));
  CHECK(q.deadline == "p2p_request");
  CHECK(q.due == "2026-03-05");
  CHECK_FALSE(q.missed);
  CHECK(q.reason == "P2P not requested yet");
}

TEST_CASE("a P2P window that closed with no request is flagged; the appeal comes next") {
  auto q = only({state("A", {{EventKind::denial_received, at("2026-03-02")}})}, at("2026-03-06T00:00:00Z"));
  CHECK(q.missed_windows == std::vector<std::string>{"p2p_request"});
  CHECK(q.deadline == "internal_appeal");
  CHECK(q.due == "2026-08-28");
  CHECK_FALSE(q.missed);
}

TEST_CASE("scheduled: the call; held: the written confirmation for 24 h, then the appeal unless overturned") {
  nlohmann::json data = {{"p2p_scheduled", {{"scheduled", "2026-03-04T14:00:00-08:00"}}},
                         {"call_held", {{"disposition", "upheld"}}}};
  auto s = state("A", {{EventKind::denial_received, 1}, {EventKind::p2p_scheduled, at("2026-03-03")}}, data);
  auto q = only({s}, at("2026-03-03T12:00:00Z"));
  CHECK(q.deadline == "scheduled_call");
  CHECK(q.due == "2026-03-04T22:00:00Z");
  CHECK(only({s}, at("2026-03-05T00:00:00Z")).missed);

  auto held = state("A", {{EventKind::p2p_scheduled, 1}, {EventKind::call_held, at("2026-03-04T22:10:00Z")}}, data);
  q = only({held}, at("2026-03-05T08:00:00Z"));
  CHECK(q.deadline == "call_confirmation");
  CHECK(q.due == "2026-03-05T22:10:00Z");
  q = only({held}, at("2026-03-06T08:00:00Z"));
  CHECK(q.deadline == "internal_appeal");
  CHECK(q.reason == "call upheld; internal appeal");

  data["call_held"]["disposition"] = "overturned";
  auto won = state("A", {{EventKind::call_held, at("2026-03-04T22:10:00Z")}}, data);
  q = only({won}, at("2026-03-06T08:00:00Z"));
  CHECK(q.deadline.empty());
  CHECK(q.reason.find("overturned") != std::string::npos);
}

TEST_CASE("an upheld appeal: external review, from the decision's date when the event gives one") {
  nlohmann::json data = {{"appeal_decided", {{"decision", "upheld"}, {"external_review_due", "2026-10-30"}}}};
  auto q = only({state("A", {{EventKind::appeal_filed, 1}, {EventKind::appeal_decided, 2}}, data)}, at("2026-07-01"));
  CHECK(q.deadline == "external_review");
  CHECK(q.due == "2026-10-30");
  data["appeal_decided"].erase("external_review_due");
  q = only({state("A", {{EventKind::appeal_decided, 2}}, data)}, at("2026-07-01"));
  CHECK(q.due == "2026-07-02");
  q = only({state("A", {{EventKind::appeal_filed, 1}})}, at("2026-07-01"));
  CHECK(q.deadline.empty());
}

TEST_CASE("closed cases leave the queue; order is soonest first, cases without a deadline last") {
  long long now = at("2026-03-03T00:00:00Z");
  auto waiting = state("W", {{EventKind::appeal_filed, 1}});
  auto late = state("L", {{EventKind::p2p_scheduled, 1}}, {{"p2p_scheduled", {{"scheduled", "2026-03-02T10:00:00Z"}}}});
  auto soon = state("S", {{EventKind::denial_received, 1}});
  auto closed = state("C", {{EventKind::denial_received, 1}, {EventKind::closed, 2}});
  auto reopened = state("R", {{EventKind::closed, 1}, {EventKind::p2p_requested, now - 10}});
  auto q = build_queue({waiting, late, soon, closed, reopened}, now);
  REQUIRE(q.size() == 4);
  CHECK(q[0].case_id == "L");
  CHECK(q[0].missed);
  CHECK(q[1].case_id == "R");
  CHECK(q[2].case_id == "S");
  CHECK(q[3].case_id == "W");
  auto within = build_queue({waiting, late, soon, closed, reopened}, now, 86400);
  REQUIRE(within.size() == 1);
  CHECK(within[0].case_id == "L");
}

TEST_CASE("CSV quotes what needs quoting") {
  auto q = build_queue({state("A,1", {{EventKind::denial_received, 1}})}, at("2026-03-02"));
  std::string csv = queue_csv(q);
  CHECK(csv.find("\"A,1\",p2p_request,2026-03-05,false") != std::string::npos);
}

TEST_CASE("the JSON text is queue_json's dump, byte for byte, whatever the texts hold") {
  long long now = at("2026-03-03T00:00:00Z");
  CHECK(queue_json_text({}, now) == queue_json({}, now).dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
  auto quoted = state("Q\"1\\", {{EventKind::p2p_scheduled, 1}}, {{"p2p_scheduled", {{"scheduled", "2026-03-02T10:00:00Z"}}}});
  quoted.physician = "Dr. Zo\xC3\xAB M\xC3\xBCller\t(\x01)";  // accents, a tab, a control character
  quoted.service_codes = {"72148", "J9271"};
  quoted.service_category = "advanced_imaging";
  quoted.urgent = true;
  auto missed = state("M", {{EventKind::denial_received, 1}});  // window closed: missed_windows, appeal next
  missed.physician = "bad \xFF utf-8";                          // replaced, as the service's dump does
  auto waiting = state("W", {{EventKind::appeal_filed, 1}});     // no deadline: nulls
  auto queue = build_queue({quoted, missed, waiting}, now + 10 * 86400);
  REQUIRE(queue.size() == 3);
  CHECK(queue_json_text(queue, now) == queue_json(queue, now).dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
}

TEST_CASE("the queue built from cases given away is the queue built from a copy") {
  long long now = at("2026-03-03T00:00:00Z");
  std::vector<CaseProgress> cases = {state("B", {{EventKind::denial_received, 1}}), state("A", {{EventKind::p2p_requested, 1}}),
                                     state("C", {{EventKind::denial_received, 1}, {EventKind::closed, 2}})};
  cases[0].service_codes = {"72148"};
  auto copied = build_queue(cases, now);
  auto moved = build_queue(std::move(cases), now);
  REQUIRE(copied.size() == moved.size());
  for (size_t i = 0; i < copied.size(); ++i) {
    CHECK(copied[i].case_id == moved[i].case_id);
    CHECK(copied[i].service_codes == moved[i].service_codes);
    CHECK(copied[i].reason == moved[i].reason);
  }
  CHECK(queue_table(copied, now) == queue_table(moved, now));
  CHECK(queue_table(copied, now).rfind("DUE                  WHEN      CASE                     DEADLINE           PAYER      WHY OPEN\n", 0) == 0);
}
