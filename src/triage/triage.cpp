// Triage (triage.h).
#include "triage/triage.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <cstdio>
#include <sstream>
#include <tuple>
#include <utility>

namespace p2p {

using nlohmann::json;

namespace {

double number_at(const json& j, const char* key, double fallback) {
  if (!j.is_object() || !j.contains(key)) return fallback;
  const json& v = j[key];
  if (v.is_number()) return v.get<double>();
  if (v.is_object() && v.contains("value") && v["value"].is_number()) return v["value"].get<double>();
  return fallback;
}

std::string text_at(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
}

// "72 %": whole percents, as the documents print rates.
std::string percent(double fraction) { return std::to_string(static_cast<long>(std::lround(fraction * 100))) + " %"; }

std::string percent_range(double low, double high) {
  return std::to_string(static_cast<long>(std::lround(low * 100))) + "\u2013" +
         std::to_string(static_cast<long>(std::lround(high * 100))) + " %";
}

// "$1,512": whole dollars with thousands separators.
std::string dollars(double usd) {
  std::string digits = std::to_string(static_cast<long long>(std::llround(usd)));
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return "$" + out;
}

std::string fixed(double x, int places) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", places, x);
  return buf;
}

RouteCost route_cost(const json& time_cost, const char* route, double physician_hourly, double staff_hourly) {
  RouteCost c;
  const json& r = time_cost.is_object() && time_cost.contains(route) ? time_cost[route] : json::object();
  c.physician_minutes = number_at(r, "physician_minutes", 0);
  c.staff_minutes = number_at(r, "staff_minutes", 0);
  c.usd = c.physician_minutes / 60 * physician_hourly + c.staff_minutes / 60 * staff_hourly;
  return c;
}

// A benchmark's range_percent [low, high] as fractions; [0, 0] when absent.
std::pair<double, double> range_of(const json& entry) {
  const json& r = entry.is_object() && entry.contains("range_percent") ? entry["range_percent"] : json();
  if (!r.is_array() || r.size() != 2 || !r[0].is_number() || !r[1].is_number()) return {0, 0};
  return {r[0].get<double>() / 100, r[1].get<double>() / 100};
}

// The P2P benchmark for the category, else the span of every category's
// (no category: no narrower published figure applies).
void set_benchmark(Triage& t, const json& benchmarks) {
  const json& p2p = benchmarks.is_object() && benchmarks.contains("p2p_by_category") ? benchmarks["p2p_by_category"]
                                                                                     : json::object();
  if (!t.category.empty() && p2p.contains(t.category)) {
    const json& b = p2p[t.category];
    std::tie(t.benchmark_low, t.benchmark_high) = range_of(b);
    t.benchmark_label = text_at(b, "label");
    t.benchmark_source = text_at(b, "source");
  } else {
    bool first = true;
    for (const auto& [key, b] : p2p.items()) {
      auto [low, high] = range_of(b);
      t.benchmark_low = first ? low : std::min(t.benchmark_low, low);
      t.benchmark_high = first ? high : std::max(t.benchmark_high, high);
      t.benchmark_source = text_at(b, "source");
      first = false;
    }
    t.benchmark_label = "P2P with a prepared physician, any category (the span of the category figures)";
  }
  t.benchmark_mid = (t.benchmark_low + t.benchmark_high) / 2;
  const json& appeal = benchmarks.is_object() && benchmarks.contains("written_appeal") ? benchmarks["written_appeal"] : json::object();
  std::tie(t.appeal_low, t.appeal_high) = range_of(appeal);
  t.appeal_estimate = (t.appeal_low + t.appeal_high) / 2;
  t.appeal_source = text_at(appeal, "source");
}

// The beta-binomial estimate (triage.h): benchmark, shrunk or own.
void set_estimate(Triage& t, const TriageHistory* history, const json& rules) {
  t.prior_weight = number_at(rules, "prior_weight_calls", 10);
  t.own_record_calls = static_cast<int>(number_at(rules, "own_record_calls", 30));
  t.p2p_floor = number_at(rules, "p2p_floor", 0.35);
  t.has_ledger = history != nullptr;
  // a case without a category has no payer x category record to read
  if (history && !t.category.empty()) {
    t.decided = std::max(0, history->decided);
    t.overturned = std::clamp(history->overturned, 0, t.decided);
    t.history_basis = history->basis;
  }
  if (t.decided == 0) {
    t.estimate_basis = "benchmark";
    t.p2p_estimate = t.benchmark_mid;
  } else if (t.decided < t.own_record_calls) {
    t.estimate_basis = "shrunk";
    t.p2p_estimate = (t.overturned + t.prior_weight * t.benchmark_mid) / (t.decided + t.prior_weight);
  } else {
    t.estimate_basis = "own";
    t.p2p_estimate = static_cast<double>(t.overturned) / t.decided;
  }
}

void set_amount(Triage& t, const json& services) {
  double sum = 0;
  if (services.is_array())
    for (const json& s : services) {
      ++t.services;
      if (s.is_object() && s.contains("expected_amount_usd") && s["expected_amount_usd"].is_number()) {
        sum += s["expected_amount_usd"].get<double>();
        ++t.amount_services;
      }
    }
  if (t.amount_services > 0) t.amount = sum;
}

std::string estimate_sentence(const Triage& t) {
  std::string bench = percent_range(t.benchmark_low, t.benchmark_high) + " (" + t.benchmark_label + ")";
  if (t.estimate_basis == "own")
    return "P2P overturn estimate " + percent(t.p2p_estimate) + ": the practice's own " + std::to_string(t.overturned) +
           " of " + std::to_string(t.decided) + " decided calls for this payer and " + t.category_label + ".";
  if (t.estimate_basis == "shrunk")
    return "P2P overturn estimate " + percent(t.p2p_estimate) + ": the practice's own " + std::to_string(t.overturned) +
           " of " + std::to_string(t.decided) + " decided calls for this payer and " + t.category_label +
           ", shrunk toward the benchmark " + bench + ".";
  std::string why = !t.has_ledger     ? "no ledger was read"
                    : t.category.empty() ? "no service has a category, so no payer x category record"
                                         : "the ledger holds no decided call for this payer and " + t.category_label;
  return "P2P overturn estimate " + percent(t.p2p_estimate) + ": the benchmark " + bench + ", as " + why + ".";
}

std::string worth_sentence(const char* route, double estimate, const RouteCost& cost, double amount) {
  double expected = amount * estimate;
  return std::string(route) + ": expected " + dollars(expected) + " (" + percent(estimate) + " of " + dollars(amount) +
         ") against " + dollars(cost.usd) + " of physician and staff time: " +
         (expected >= cost.usd ? "worth it." : "not worth it.");
}

}  // namespace

std::string service_category_of(const json& services, const ServiceCategories& service_categories) {
  std::vector<std::string> codes;
  if (services.is_array())
    for (const json& s : services)
      if (std::string code = text_at(s, "code"); !code.empty()) codes.push_back(code);
  std::string category = category_of_services(service_categories, codes);
  return category == kOtherServiceCategory ? std::string() : category;
}

Triage triage_case(const TriageInput& in, const TriageKnowledge& k) {
  Triage t;
  if (in.call_held) {
    t.applies = false;
    t.reasons.push_back("The P2P call has been held: the next steps follow its outcome.");
    return t;
  }
  t.category = service_category_of(in.services, k.service_categories);
  if (!t.category.empty()) t.category_label = category_label(k.service_categories, t.category);
  if (t.category_label.empty()) t.category_label = t.category;
  set_benchmark(t, k.benchmarks);
  set_estimate(t, in.history, k.rules);
  set_amount(t, in.services);
  const json& time = k.rules.is_object() && k.rules.contains("time_cost") ? k.rules["time_cost"] : json::object();
  const json& hourly = time.is_object() && time.contains("hourly_usd") ? time["hourly_usd"] : json::object();
  t.physician_hourly = number_at(hourly, "physician", 0);
  t.staff_hourly = number_at(hourly, "staff", 0);
  t.p2p_cost = route_cost(time, "p2p", t.physician_hourly, t.staff_hourly);
  t.appeal_cost = route_cost(time, "written_appeal", t.physician_hourly, t.staff_hourly);
  t.cost_basis = text_at(time, "basis");
  if (t.amount) {
    t.p2p_worth = *t.amount * t.p2p_estimate >= t.p2p_cost.usd;
    t.appeal_worth = *t.amount * t.appeal_estimate >= t.appeal_cost.usd;
  }

  std::string label = in.denial_type_label.empty() ? "This denial type" : in.denial_type_label;
  t.reasons.push_back(in.p2p_fit ? label + ": a denial a P2P can change."
                                 : label + ": a P2P is unlikely to change this denial.");
  if (in.call_booked) t.reasons.push_back("A P2P call is booked.");
  else if (in.window_open) t.reasons.push_back("The P2P window is open until " + in.window_date + ".");
  else t.reasons.push_back("The P2P window closed on " + in.window_date + ".");
  t.p2p_fit = in.p2p_fit;
  t.window = in.call_booked ? "booked" : in.window_open ? "open" : "closed";
  t.window_date = in.window_date;
  t.p2p_possible = in.p2p_fit && (in.call_booked || in.window_open);
  t.p2p_below_floor = t.p2p_estimate < t.p2p_floor;
  if (t.p2p_possible) {
    t.reasons.push_back(estimate_sentence(t));
    if (t.p2p_below_floor)
      t.reasons.push_back("That is below " + percent(t.p2p_floor) + ", too few overturns to spend a call on.");
    if (t.amount) t.reasons.push_back(worth_sentence("P2P", t.p2p_estimate, t.p2p_cost, *t.amount));
  }
  if (t.p2p_possible && !t.p2p_below_floor && t.p2p_worth) {
    t.recommendation = "p2p";
  } else if (!in.appeal_open) {
    t.reasons.push_back("The internal appeal deadline has passed.");
    t.recommendation = "not_worth_contesting";
  } else {
    t.reasons.push_back("Written appeal overturn estimate " + percent(t.appeal_estimate) + ": the benchmark " +
                        percent_range(t.appeal_low, t.appeal_high) + " for written appeals.");
    if (t.amount) t.reasons.push_back(worth_sentence("Written appeal", t.appeal_estimate, t.appeal_cost, *t.amount));
    t.recommendation = t.appeal_worth ? "written_appeal" : "not_worth_contesting";
  }
  // the route whose money the documents show: the one recommended, else the
  // first one weighed and found not worth the time
  bool p2p_weighed = t.p2p_possible && !t.p2p_below_floor;
  if (t.recommendation != "not_worth_contesting") t.money_route = t.recommendation;
  else if (p2p_weighed) t.money_route = "p2p";
  else if (in.appeal_open) t.money_route = "written_appeal";
  if (!t.amount) t.reasons.push_back("The case gives no expected amount, so the time was not weighed against it.");
  return t;
}

json triage_json(const Triage& t) {
  json j = {{"applies", t.applies}};
  if (!t.applies) {
    j["reasons"] = t.reasons;
    return j;
  }
  static const std::map<std::string, std::string> kLabels = {
      {"p2p", "request a P2P"}, {"written_appeal", "written appeal directly"}, {"not_worth_contesting", "not worth contesting"}};
  j["recommendation"] = t.recommendation;
  j["recommendation_is"][t.recommendation] = true;
  j["label"] = t.recommendation == "p2p" && t.window == "booked" ? "hold the booked P2P" : kLabels.at(t.recommendation);
  j["fit"] = t.p2p_fit;
  j["window"] = t.window;
  j["window_is"][t.window] = true;
  if (!t.window_date.empty()) j["window_date"] = t.window_date;
  j["reasons"] = t.reasons;
  j["p2p_possible"] = t.p2p_possible;
  j["appeal_estimate"] = {{"percent", percent(t.appeal_estimate)}, {"benchmark_range", percent_range(t.appeal_low, t.appeal_high)}};
  j["p2p_below_floor"] = t.p2p_below_floor;
  json e = {{"percent", percent(t.p2p_estimate)},
            {"value", std::round(t.p2p_estimate * 10000) / 10000},
            {"basis", t.estimate_basis},
            {"benchmark_range", percent_range(t.benchmark_low, t.benchmark_high)},
            {"benchmark_label", t.benchmark_label},
            {"benchmark_source", t.benchmark_source},
            {"has_ledger", t.has_ledger},
            {"decided", t.decided},
            {"overturned", t.overturned},
            {"prior_weight", t.prior_weight},
            {"own_record_calls", t.own_record_calls}};
  e["basis_is"][t.estimate_basis] = true;
  if (!t.category.empty()) {
    e["category"] = t.category;
    e["category_label"] = t.category_label;
  }
  if (!t.history_basis.empty()) e["history_basis"] = t.history_basis;
  if (t.decided > 0) e["own_percent"] = percent(static_cast<double>(t.overturned) / t.decided);
  j["estimate"] = e;
  json m = {{"given", t.amount.has_value()}, {"services", t.services}, {"services_priced", t.amount_services},
            {"p2p_cost", dollars(t.p2p_cost.usd)}, {"appeal_cost", dollars(t.appeal_cost.usd)}};
  if (t.amount && !t.money_route.empty()) {
    bool p2p_route = t.money_route == "p2p";
    double estimate = p2p_route ? t.p2p_estimate : t.appeal_estimate;
    const RouteCost& cost = p2p_route ? t.p2p_cost : t.appeal_cost;
    m["route"] = p2p_route ? "P2P" : "written appeal";
    // the brief shows the P2P estimate whenever a P2P was possible: money
    // about the written appeal beside it must say so
    if (!p2p_route && t.p2p_possible) m["appeal_beside_p2p"] = true;
    m["amount"] = dollars(*t.amount);
    m["expected"] = dollars(*t.amount * estimate);
    m["cost"] = dollars(cost.usd);
    m["estimate"] = percent(estimate);
    m["worth"] = *t.amount * estimate >= cost.usd;
    if (*t.amount > 0) m["break_even"] = percent(cost.usd / *t.amount);
    if (t.amount_services < t.services) m["some_unpriced"] = true;
  }
  j["money"] = m;
  return j;
}

std::string triage_arithmetic(const Triage& t) {
  std::ostringstream out;
  if (!t.applies) {
    out << "triage: does not apply (" << t.reasons.front() << ")\n";
    return out.str();
  }
  out << "triage: " << t.recommendation << "\n";
  for (const std::string& r : t.reasons) out << "  - " << r << "\n";
  out << "  category: " << (t.category.empty() ? "none (no service code in service_categories.json)" : t.category)
      << "\n";
  out << "  benchmark: " << t.benchmark_label << " " << percent_range(t.benchmark_low, t.benchmark_high)
      << ", midpoint " << fixed(t.benchmark_mid, 3) << " (" << t.benchmark_source << ")\n";
  if (!t.has_ledger) out << "  history: no ledger read\n";
  else
    out << "  history: " << t.overturned << " overturned of " << t.decided << " decided P2P calls"
        << (t.history_basis.empty() ? "" : " (" + t.history_basis + ")") << "\n";
  if (t.estimate_basis == "benchmark")
    out << "  estimate (benchmark): p = midpoint = " << fixed(t.p2p_estimate, 3) << "\n";
  else if (t.estimate_basis == "shrunk")
    out << "  estimate (shrunk, beta-binomial, prior weight m = " << fixed(t.prior_weight, 0) << " calls, own record under "
        << t.own_record_calls << " calls): p = (k + m x midpoint) / (n + m) = (" << t.overturned << " + "
        << fixed(t.prior_weight, 0) << " x " << fixed(t.benchmark_mid, 3) << ") / (" << t.decided << " + "
        << fixed(t.prior_weight, 0) << ") = " << fixed(t.p2p_estimate, 3) << "\n";
  else
    out << "  estimate (own record, " << t.decided << " >= " << t.own_record_calls << " calls): p = k / n = "
        << t.overturned << " / " << t.decided << " = " << fixed(t.p2p_estimate, 3) << "\n";
  out << "  P2P floor: " << fixed(t.p2p_floor, 3) << (t.p2p_below_floor ? " (estimate below it)" : "") << "\n";
  out << "  written appeal: benchmark " << percent_range(t.appeal_low, t.appeal_high) << ", p = "
      << fixed(t.appeal_estimate, 3) << "\n";
  auto cost_line = [&](const char* route, const RouteCost& c) {
    out << "  time, " << route << ": " << fixed(c.physician_minutes, 0) << " min x $" << fixed(t.physician_hourly, 0)
        << "/h + " << fixed(c.staff_minutes, 0) << " min x $" << fixed(t.staff_hourly, 0) << "/h = $"
        << fixed(c.usd, 2) << "\n";
  };
  cost_line("P2P", t.p2p_cost);
  cost_line("written appeal", t.appeal_cost);
  if (!t.amount) {
    out << "  break-even: not computed (no services[].expected_amount_usd in the case)\n";
  } else {
    out << "  amount: $" << fixed(*t.amount, 2) << " (" << t.amount_services << " of " << t.services
        << " services priced)\n";
    auto even = [&](const char* route, double p, const RouteCost& c) {
      out << "  break-even, " << route << ": expected = " << fixed(p, 3) << " x $" << fixed(*t.amount, 2) << " = $"
          << fixed(p * *t.amount, 2) << (p * *t.amount >= c.usd ? " >= " : " < ") << "$" << fixed(c.usd, 2)
          << "; worth it from p = " << (*t.amount > 0 ? fixed(c.usd / *t.amount, 3) : std::string("never")) << "\n";
    };
    even("P2P", t.p2p_estimate, t.p2p_cost);
    even("written appeal", t.appeal_estimate, t.appeal_cost);
  }
  out << "  time basis: " << t.cost_basis << "\n";
  return out.str();
}

}  // namespace p2p
