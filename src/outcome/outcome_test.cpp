// The outcome rules through both readers: a problem is named by the form
// field for a form and by the JSON pointer for JSON, from the same rule.
#include "outcome/outcome.h"

#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace p2p;
using json = nlohmann::json;

namespace {

const Date kToday{2026, 12, 1};

FormFieldValue text(const std::string& name, const std::string& value) {
  return {name, FormFieldValue::Kind::text, value, false};
}

FormFieldValue box(const std::string& name, bool on) {
  return {name, FormFieldValue::Kind::checkbox, on ? "Yes" : "Off", on};
}

// The post-call form as generated, empty, with `changes` applied.
std::vector<FormFieldValue> form(std::vector<FormFieldValue> changes) {
  std::vector<FormFieldValue> f = {
      text("call_date_time", ""),   text("call_duration", ""),  text("reviewer_name", ""),
      text("reviewer_credentials", ""), text("reviewer_specialty", ""), text("points_discussed", ""),
      text("reviewer_reasoning", ""), box("disposition_overturned", false), box("disposition_upheld", false),
      box("disposition_deferred", false), box("disposition_modified", false), text("auth_number", ""),
      box("objection_non_specialty", false), box("objection_new_evidence", false), box("objection_guidelines", false),
      box("objection_prior_treatment", false), box("objection_scheduling", false), text("objections_other", ""),
      box("step_confirmation", false), text("next_steps", ""), text("completed_by", "")};
  for (const FormFieldValue& c : changes)
    for (FormFieldValue& x : f)
      if (x.name == c.name) x = c;
  return f;
}

bool has(const Diagnostics& ds, Severity s, const std::string& path, const std::string& words) {
  for (const Diagnostic& d : ds)
    if (d.severity == s && d.path == path && d.message.find(words) != std::string::npos) return true;
  return false;
}

std::string all(const Diagnostics& ds) {
  std::string out;
  for (const Diagnostic& d : ds) out += d.to_string() + "\n";
  return out;
}

}  // namespace

TEST_CASE("form: a full record becomes the case format's call") {
  auto draft = call_from_form(form({
      text("call_date_time", "Tue Nov 24, 2026 10:30 (UTC-05:00)"),
      text("call_duration", "22 min"),
      text("reviewer_name", "Zo\xC3\xAB \xC3\x98" "degaard"),
      text("reviewer_specialty", "Internal medicine"),
      text("points_discussed", "\xE2\x80\xA2 12 weeks of PT  \xE2\x80\xA2 ODI 52/100\nNew weakness"),
      text("reviewer_reasoning", "Not enough conservative care."),
      box("disposition_upheld", true),
      box("objection_non_specialty", true),
      box("objection_scheduling", true),
      text("objections_other", "Reviewer was an internist, not a spine surgeon"),
      text("next_steps", "- Written appeal by Dec 20\n- EOB check"),
  }));
  auto r = validate_call_record(draft, kToday);
  INFO(all(r.diagnostics()));
  REQUIRE(r.is_ok());
  const json& c = r.value();
  CHECK(c["started"] == "2026-11-24T10:30:00-05:00");
  CHECK(c["duration_minutes"] == 22);
  CHECK(c["reviewer"] == json{{"name", "Zo\xC3\xAB \xC3\x98" "degaard"}, {"specialty", "Internal medicine"}});
  CHECK(c["points_discussed"] == json{"12 weeks of PT", "ODI 52/100", "New weakness"});
  CHECK(c["disposition"] == "upheld");
  // the ticked specialty box is already said by the text; scheduling is not
  CHECK(c["objections"] == json{"Reviewer was an internist, not a spine surgeon", "Scheduling delays"});
  CHECK(c["next_steps"] == json{"Written appeal by Dec 20", "EOB check"});
  CHECK_FALSE(c.contains("auth_number"));
  CHECK(r.diagnostics().empty());
}

TEST_CASE("disposition: none or two is an error, named by the fields; JSON by its pointer") {
  auto none = validate_call_record(call_from_form(form({})), kToday);
  REQUIRE_FALSE(none.is_ok());
  CHECK(has(none.diagnostics(), Severity::error,
            "disposition_overturned, disposition_upheld, disposition_deferred, disposition_modified", "no disposition"));

  auto two = validate_call_record(
      call_from_form(form({box("disposition_upheld", true), box("disposition_modified", true)})), kToday);
  REQUIRE_FALSE(two.is_ok());
  CHECK(has(two.diagnostics(), Severity::error, "disposition_upheld, disposition_modified", "2 dispositions given"));
  CHECK(two.diagnostics().size() == 1);

  auto missing = validate_call_record(call_from_json(json{{"duration_minutes", 20}}, "/call"), kToday);
  REQUIRE_FALSE(missing.is_ok());
  CHECK(has(missing.diagnostics(), Severity::error, "/call/disposition", "no disposition"));

  auto pair = validate_call_record(call_from_json(json{{"disposition", {"upheld", "modified"}}}, "/call"), kToday);
  CHECK(has(pair.diagnostics(), Severity::error, "/call/disposition", "2 dispositions given"));

  auto wrong = validate_call_record(call_from_json(json{{"disposition", "won"}}, "/call"), kToday);
  CHECK(has(wrong.diagnostics(), Severity::error, "/call/disposition", "is not one of"));
}

TEST_CASE("overturned without an auth number: a warning, both ways") {
  auto f = validate_call_record(call_from_form(form({box("disposition_overturned", true)})), kToday);
  REQUIRE(f.is_ok());
  CHECK(has(f.diagnostics(), Severity::warning, "auth_number", "overturned"));
  auto j = validate_call_record(call_from_json(json{{"disposition", "overturned"}}, "/call"), kToday);
  REQUIRE(j.is_ok());
  CHECK(has(j.diagnostics(), Severity::warning, "/call/auth_number", "overturned"));
  auto with = validate_call_record(
      call_from_form(form({box("disposition_overturned", true), text("auth_number", "A-1")})), kToday);
  CHECK(with.diagnostics().empty());
}

TEST_CASE("bad date, time or duration: errors named by the field, with how to write it") {
  auto r = validate_call_record(call_from_form(form({box("disposition_upheld", true),
                                                      text("call_date_time", "next Tuesday at ten"),
                                                      text("call_duration", "twenty")})),
                                kToday);
  REQUIRE_FALSE(r.is_ok());
  INFO(all(r.diagnostics()));
  CHECK(has(r.diagnostics(), Severity::error, "call_date_time", "is not a date-time"));
  CHECK(has(r.diagnostics(), Severity::error, "call_date_time", "11/24/2026 10:30 AM EST"));
  CHECK(has(r.diagnostics(), Severity::error, "call_duration", "not a number of minutes"));

  auto no_zone = validate_call_record(
      call_from_form(form({box("disposition_upheld", true), text("call_date_time", "2026-11-24 10:30")})), kToday);
  CHECK(has(no_zone.diagnostics(), Severity::error, "call_date_time", "is not a date-time"));

  auto j = validate_call_record(
      call_from_json(json{{"disposition", "upheld"}, {"started", "2026-02-30T10:00Z"}, {"duration_minutes", -3}}, "/call"),
      kToday);
  CHECK(has(j.diagnostics(), Severity::error, "/call/started", "is not a date-time"));
  CHECK(has(j.diagnostics(), Severity::error, "/call/duration_minutes", "positive"));
}

TEST_CASE("JSON: unknown keys warn, wrong types fail, not an object fails") {
  auto r = validate_call_record(call_from_json(json{{"disposition", "deferred"}, {"mood", "ok"}}, "/call"), kToday);
  REQUIRE(r.is_ok());
  CHECK(has(r.diagnostics(), Severity::warning, "/call/mood", "unknown key"));
  auto t = validate_call_record(call_from_json(json{{"disposition", "upheld"}, {"objections", "one"}}, "/call"), kToday);
  CHECK(has(t.diagnostics(), Severity::error, "/call/objections", "expected an array"));
  auto o = validate_call_record(call_from_json(json::array(), "/call"), kToday);
  CHECK(has(o.diagnostics(), Severity::error, "/call", "expected an object"));
}

TEST_CASE("a PDF without the post-call fields is refused") {
  auto r = validate_call_record(call_from_form({text("name", "x")}), kToday);
  REQUIRE_FALSE(r.is_ok());
  CHECK(has(r.diagnostics(), Severity::error, "", "post-call"));
}

TEST_CASE("parse_call_time: the forms people write, never a guess") {
  struct Row {
    const char* in;
    const char* out;  // nullptr: refused
  };
  const Row rows[] = {
      {"2026-11-24T10:30:00-05:00", "2026-11-24T10:30:00-05:00"},
      {"2026-11-24T10:30Z", "2026-11-24T10:30:00+00:00"},
      {"2026-11-24 10:30 -0500", "2026-11-24T10:30:00-05:00"},
      {"Tue Nov 24, 2026 10:30 (UTC-05:00)", "2026-11-24T10:30:00-05:00"},
      {"11/24/2026 10:30 AM EST", "2026-11-24T10:30:00-05:00"},
      {"Nov 24 2026 2:15 pm PST", "2026-11-24T14:15:00-08:00"},
      {"11/24/2026 12:05am CST", "2026-11-24T00:05:00-06:00"},
      {"2026-11-24 10:30:15.5 +01:00", "2026-11-24T10:30:15+01:00"},
      {"2026-11-24 10:30", nullptr},         // no zone
      {"11/24/2026 13:30 PM EST", nullptr},  // 13 PM
      {"2026-02-30 10:00 Z", nullptr},
      {"24/11/2026 10:30 EST", nullptr},     // day first is not US order
      {"next Tuesday 10:30 EST", nullptr},
      {"2026-11-24 25:00 EST", nullptr},
      {"", nullptr},
  };
  for (const Row& row : rows) {
    CAPTURE(row.in);
    auto got = parse_call_time(row.in);
    if (row.out) {
      REQUIRE(got.has_value());
      CHECK(*got == row.out);
    } else {
      CHECK_FALSE(got.has_value());
    }
  }
}
