// Reader 1: the filled post-call form -> a CallDraft (see outcome.h). The
// field names are those of templates/post-call/default.md; a renamed field
// there must be renamed here (tests/e2e/check_record.py fills every one).
#include <cctype>
#include <charconv>
#include <cstdio>
#include <map>

#include "outcome/outcome.h"
#include "pipeline/merge.h"

namespace p2p {

using json = nlohmann::json;

namespace {

constexpr const char* kDispositionFields[] = {"disposition_overturned", "disposition_upheld", "disposition_deferred",
                                              "disposition_modified"};

// Each printed objection box and the sentence it stands for; the sentence
// ticks the same box again when the packet is regenerated (objection_kinds).
struct ObjectionBox {
  const char* field;
  const char* kind;
  const char* sentence;
};
constexpr ObjectionBox kObjectionBoxes[] = {
    {"objection_non_specialty", "non_specialty", "Reviewer not in the relevant specialty"},
    {"objection_new_evidence", "new_evidence", "Reviewer refused to consider new evidence"},
    {"objection_guidelines", "guidelines", "Reviewer refused the guidelines supplied"},
    {"objection_prior_treatment", "prior_treatment", "Reviewer would not engage with prior-treatment failures"},
    {"objection_scheduling", "scheduling", "Scheduling delays"},
};

constexpr const char* kTimeHint =
    "write the date, time and zone, e.g. 2026-11-24 10:30 -05:00 or 11/24/2026 10:30 AM EST";

std::string trim(std::string_view s) {
  size_t a = s.find_first_not_of(" \t\r\n\f\v");
  if (a == std::string_view::npos) return {};
  size_t b = s.find_last_not_of(" \t\r\n\f\v");
  return std::string(s.substr(a, b - a + 1));
}

// One item per line or bullet ("•", or "-" / "*" opening a line), as the form
// prints a list ("• first  • second") and as people type one.
std::vector<std::string> split_items(const std::string& text) {
  std::vector<std::string> items;
  std::string cur;
  auto flush = [&] {
    std::string t = trim(cur);
    if ((t.rfind("- ", 0) == 0 || t.rfind("* ", 0) == 0)) t = trim(t.substr(2));
    if (!t.empty()) items.push_back(t);
    cur.clear();
  };
  const std::string bullet = "\xE2\x80\xA2";
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' || text[i] == '\r') {
      flush();
    } else if (text.compare(i, bullet.size(), bullet) == 0) {
      flush();
      i += bullet.size() - 1;
    } else {
      cur += text[i];
    }
  }
  flush();
  return items;
}

// "25", "25 min", "25 minutes", "12.5" -> the number; anything else: nullopt.
std::optional<double> minutes(const std::string& text) {
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end == text.data()) return std::nullopt;
  std::string rest = trim(std::string_view(end, text.data() + text.size() - end));
  for (char& c : rest) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (rest.empty() || rest == "min" || rest == "mins" || rest == "min." || rest == "minute" || rest == "minutes")
    return v;
  return std::nullopt;
}

}  // namespace

CallDraft call_from_form(const std::vector<FormFieldValue>& fields) {
  CallDraft d;
  std::map<std::string, const FormFieldValue*> by_name;
  for (const FormFieldValue& f : fields) by_name.emplace(f.name, &f);
  auto text = [&](const char* name) {
    auto it = by_name.find(name);
    return it == by_name.end() ? std::string() : trim(it->second->value);
  };
  auto ticked = [&](const char* name) {
    auto it = by_name.find(name);
    return it != by_name.end() && it->second->on;
  };
  bool ours = false;
  for (const char* f : kDispositionFields) ours = ours || by_name.count(f);
  if (!ours) {
    d.problems.push_back(error_at("", "no post-call form fields (disposition_overturned, disposition_upheld, ...): "
                                      "is this the post-call.pdf of a p2pdoc packet?"));
    return d;
  }
  json& call = d.call;
  auto put_text = [&](const char* field, const std::string& pointer, json& into, const char* key) {
    std::string v = text(field);
    if (!v.empty()) into[key] = v;
    d.origin[pointer] = field;
  };

  std::string when = text("call_date_time");
  if (!when.empty()) call["started"] = parse_call_time(when).value_or(when);
  d.origin["/started"] = "call_date_time";
  d.hint["call_date_time"] = kTimeHint;

  std::string duration = text("call_duration");
  if (!duration.empty()) {
    auto m = minutes(duration);
    // whole minutes as an integer, as a person would write them in JSON
    if (m && *m == static_cast<double>(static_cast<long long>(*m)) && *m < 1e9) call["duration_minutes"] = static_cast<long long>(*m);
    else call["duration_minutes"] = m ? json(*m) : json(duration);
  }
  d.origin["/duration_minutes"] = "call_duration";

  json reviewer = json::object();
  put_text("reviewer_name", "/reviewer/name", reviewer, "name");
  put_text("reviewer_credentials", "/reviewer/credentials", reviewer, "credentials");
  put_text("reviewer_specialty", "/reviewer/specialty", reviewer, "specialty");
  d.origin["/reviewer"] = "reviewer_name";
  if (!reviewer.empty()) call["reviewer"] = reviewer;

  auto put_list = [&](const char* field, const char* key) {
    auto items = split_items(text(field));
    if (!items.empty()) call[key] = items;
    d.origin[std::string("/") + key] = field;
  };
  put_list("points_discussed", "points_discussed");
  put_text("reviewer_reasoning", "/reviewer_reasoning", call, "reviewer_reasoning");

  json chosen = json::array();
  std::string chosen_fields, all_fields;
  for (const char* f : kDispositionFields) {
    all_fields += (all_fields.empty() ? "" : ", ") + std::string(f);
    if (!ticked(f)) continue;
    chosen.push_back(std::string(f).substr(std::string("disposition_").size()));
    chosen_fields += (chosen_fields.empty() ? "" : ", ") + std::string(f);
  }
  if (chosen.size() == 1) call["disposition"] = chosen[0];
  else if (chosen.size() > 1) call["disposition"] = chosen;
  d.origin["/disposition"] = chosen.size() > 1 ? chosen_fields : all_fields;
  put_text("auth_number", "/auth_number", call, "auth_number");

  auto objections = split_items(text("objections_other"));
  d.origin["/objections"] = "objections_other";
  json named = objection_kinds(json(objections));
  for (const ObjectionBox& box : kObjectionBoxes) {
    if (!ticked(box.field) || named.contains(box.kind)) continue;
    d.origin["/objections/" + std::to_string(objections.size())] = box.field;
    objections.push_back(box.sentence);
  }
  if (!objections.empty()) call["objections"] = objections;
  put_list("next_steps", "next_steps");
  return d;
}

// ---- the call's date and time ------------------------------------------------

namespace {

struct Clock {
  int hour = -1, minute = 0, second = 0;
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

int number(std::string_view s) {
  int v = -1;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

// "+05:00", "-0500", "-05", "+5" -> minutes east of UTC.
std::optional<int> offset(std::string_view s) {
  if (s.size() < 2 || (s[0] != '+' && s[0] != '-')) return std::nullopt;
  int sign = s[0] == '-' ? -1 : 1;
  std::string_view body = s.substr(1);
  int h = 0, m = 0;
  if (size_t colon = body.find(':'); colon != std::string_view::npos) {
    if (!all_digits(body.substr(0, colon)) || !all_digits(body.substr(colon + 1)) || body.size() - colon - 1 != 2)
      return std::nullopt;
    h = number(body.substr(0, colon));
    m = number(body.substr(colon + 1));
  } else if (all_digits(body) && body.size() <= 2) {
    h = number(body);
  } else if (all_digits(body) && body.size() == 4) {
    h = number(body.substr(0, 2));
    m = number(body.substr(2));
  } else {
    return std::nullopt;
  }
  if (h > 14 || m > 59) return std::nullopt;
  return sign * (h * 60 + m);
}

// US zone abbreviations staff write after a time; UTC/GMT/Z.
std::optional<int> zone(const std::string& w) {
  static const std::map<std::string, int> zones = {
      {"z", 0},       {"utc", 0},     {"gmt", 0},     {"est", -300},  {"edt", -240}, {"cst", -360},
      {"cdt", -300},  {"mst", -420},  {"mdt", -360},  {"pst", -480},  {"pdt", -420}, {"akst", -540},
      {"akdt", -480}, {"hst", -600},  {"ast", -240},  {"chst", 600}};
  auto it = zones.find(w);
  if (it != zones.end()) return it->second;
  for (const char* prefix : {"utc", "gmt"})
    if (w.rfind(prefix, 0) == 0) return offset(std::string_view(w).substr(3));
  return offset(w);
}

int month_of(const std::string& w) {
  static const char* names[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  if (w.size() < 3) return 0;
  for (int i = 0; i < 12; ++i)
    if (w.compare(0, 3, names[i]) == 0) return i + 1;
  return 0;
}

bool is_weekday(const std::string& w) {
  static const char* names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
  for (const char* n : names)
    if (w.rfind(n, 0) == 0 && w.size() <= 9) return true;
  return false;
}

// "10:30", "10:30:15", "10:30:15.250" -> the clock; a trailing zone or am/pm
// glued on ("10:30-05:00", "10:30pm", "10:30Z") is returned in `rest`.
std::optional<Clock> clock_of(const std::string& w, std::string& rest) {
  size_t end = 0;
  while (end < w.size() && (std::isdigit(static_cast<unsigned char>(w[end])) || w[end] == ':' || w[end] == '.')) ++end;
  std::string core = w.substr(0, end);
  rest = w.substr(end);
  if (size_t dot = core.find('.'); dot != std::string::npos) core.erase(dot);  // fractions of a second
  Clock c;
  size_t a = core.find(':');
  if (a == std::string::npos) return std::nullopt;
  size_t b = core.find(':', a + 1);
  std::string_view h(core.data(), a), m(core.data() + a + 1, (b == std::string::npos ? core.size() : b) - a - 1);
  if (!all_digits(h) || h.size() > 2 || !all_digits(m) || m.size() != 2) return std::nullopt;
  c.hour = number(h);
  c.minute = number(m);
  if (b != std::string::npos) {
    std::string_view s(core.data() + b + 1, core.size() - b - 1);
    if (!all_digits(s) || s.size() != 2) return std::nullopt;
    c.second = number(s);
  }
  if (c.hour > 23 || c.minute > 59 || c.second > 59) return std::nullopt;
  return c;
}

}  // namespace

std::optional<std::string> parse_call_time(std::string_view text) {
  // words, with the separators people use between them turned to spaces
  std::string s = lower(text);
  for (char& c : s)
    if (c == ',' || c == '(' || c == ')' || c == '\t') c = ' ';
  // ISO: "2026-11-24t10:30..." -> "2026-11-24 10:30..."
  if (s.size() > 11 && s[10] == 't' && s[4] == '-' && s[7] == '-') s[10] = ' ';
  std::vector<std::string> words;
  for (size_t i = 0; i < s.size();) {
    size_t j = s.find(' ', i);
    if (j == std::string::npos) j = s.size();
    if (j > i) words.push_back(s.substr(i, j - i));
    i = j + 1;
  }
  std::optional<Date> day;
  std::optional<Clock> clock;
  std::optional<int> tz;
  int month_word = 0, day_number = -1, year_number = -1;
  std::string meridiem;
  for (size_t i = 0; i < words.size(); ++i) {
    std::string w = words[i];
    if (!day) {
      if (auto d = parse_date(w)) {
        day = d;
        continue;
      }
      // 11/24/2026 (US order)
      if (size_t a = w.find('/'), b = w.rfind('/'); a != std::string::npos && b != a) {
        char iso[48];
        int mo = number(w.substr(0, a)), dd = number(w.substr(a + 1, b - a - 1)), yy = number(w.substr(b + 1));
        if (all_digits(w.substr(0, a)) && all_digits(w.substr(a + 1, b - a - 1)) && all_digits(w.substr(b + 1)) &&
            w.size() - b - 1 == 4 && mo >= 1 && mo <= 12 && dd >= 1 && dd <= 31) {
          std::snprintf(iso, sizeof iso, "%04d-%02d-%02d", yy, mo, dd);
          day = parse_date(iso);
          if (!day) return std::nullopt;
          continue;
        }
        return std::nullopt;
      }
      if (is_weekday(w) && !month_of(w)) continue;
      if (!month_word && month_of(w)) {
        month_word = month_of(w);
        continue;
      }
      if (month_word && day_number < 0 && all_digits(w) && w.size() <= 2) {
        day_number = number(w);
        continue;
      }
      if (month_word && day_number >= 0 && all_digits(w) && w.size() == 4) {
        year_number = number(w);
        char iso[48];
        std::snprintf(iso, sizeof iso, "%04d-%02d-%02d", year_number, month_word, day_number);
        day = parse_date(iso);
        if (!day) return std::nullopt;
        continue;
      }
    }
    if (!clock && w.find(':') != std::string::npos && std::isdigit(static_cast<unsigned char>(w[0]))) {
      std::string rest;
      clock = clock_of(w, rest);
      if (!clock) return std::nullopt;
      if (rest == "am" || rest == "pm" || rest == "a.m." || rest == "p.m.") meridiem = rest.substr(0, 1);
      else if (!rest.empty() && !(tz = zone(rest))) return std::nullopt;
      continue;
    }
    if (clock && meridiem.empty() && (w == "am" || w == "pm" || w == "a.m." || w == "p.m.")) {
      meridiem = w.substr(0, 1);
      continue;
    }
    if (clock && !tz) {
      if (auto z = zone(w)) {
        tz = z;
        continue;
      }
    }
    return std::nullopt;  // a word we do not understand: never guess a call time
  }
  if (!day || !clock || !tz) return std::nullopt;
  if (!meridiem.empty()) {
    if (clock->hour < 1 || clock->hour > 12) return std::nullopt;
    clock->hour = clock->hour % 12 + (meridiem == "p" ? 12 : 0);
  }
  char out[96];
  int off = *tz < 0 ? -*tz : *tz;
  std::snprintf(out, sizeof out, "%sT%02d:%02d:%02d%c%02d:%02d", day->iso().c_str(), clock->hour, clock->minute,
                clock->second, *tz < 0 ? '-' : '+', off / 60, off % 60);
  return std::string(out);
}

}  // namespace p2p
