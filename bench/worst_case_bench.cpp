// Benchmark: the worst case for generation time. Builds, in memory, the
// largest case the case format allows (every list at its maximum length,
// every free-text string at its maximum length) plus the sample case with
// its criteria table grown to 200, 2,000 and 3,500 rows, and reports the
// median wall and CPU time of the brief alone and of the whole packet.
// Nothing is written to disk.
//   usage: worst_case_bench [RUNS=5] [--brief-only] [--dump DIR] [VARIANT...]
//   (variants: worst c200 c2000 c3500). --brief-only skips the packet (for a
//   profiler); --dump writes each variant's documents to DIR as
//   <variant>-<file> so that two builds' outputs can be compared byte for byte.
// The limits below are the case format's documented maximums
// (docs/case-format.md); change them here when the format changes.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "pdf/pdf_export.h"
#include "pipeline/files.h"
#include "pipeline/pipeline.h"

namespace {

constexpr int kMaxCriteria = 50;        // /policy/criteria
constexpr int kMaxTreatments = 20;      // /clinical/prior_treatments
constexpr int kMaxDiagnoses = 12;       // /diagnoses
constexpr int kMaxServices = 20;        // /services
constexpr int kMaxOtherList = 20;       // /clinical/findings, /citations
constexpr size_t kMaxFreeText = 2000;   // denial reason, summary, criteria text and evidence, ...
constexpr size_t kMaxOtherText = 200;   // names, codes, sources, ... (tried when 2,000 is refused)
constexpr size_t kMaxFileBytes = 1 << 20;  // the case file
// The letterhead must fit at the top of every page (docs/architecture.md,
// "The one-page rule"): the longest practice name and address lines it takes
// beside each other.
constexpr size_t kMaxPracticeName = 200;
constexpr size_t kMaxAddressLine = 100;
constexpr int kMaxAddressLines = 3;

const char* kSample = "/samples/uhc-lumbar-mri.json";

using json = nlohmann::json;
using namespace p2p;

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

// Ordinary prose of exactly `n` bytes: words of 2 to 11 letters.
std::string filler(size_t n) {
  static const char* words[] = {"documented", "therapy", "weeks", "of", "radicular", "pain", "with",
                                "objective", "deficit", "and", "imaging", "criteria"};
  std::string s;
  for (size_t i = 0; s.size() < n; ++i) s += std::string(words[i % 12]) + " ";
  s.resize(n);
  s.back() = '.';
  return s;
}

// `list` grown to `n` entries by cycling its own entries; ids stay unique
// and only the first entry may be primary.
void grow(json& list, int n) {
  json seed = list;
  list = json::array();
  for (int i = 0; i < n; ++i) {
    json e = seed[i % seed.size()];
    if (e.is_object()) {
      if (e.contains("id")) e["id"] = std::to_string(i + 1);
      if (e.contains("primary")) e["primary"] = i == 0;
    }
    list.push_back(std::move(e));
  }
}

void each_string(json& j, const std::string& path, const std::function<void(json&, const std::string&)>& f) {
  if (j.is_string()) f(j, path);
  else if (j.is_object())
    for (auto& [k, v] : j.items()) each_string(v, path + "/" + k, f);
  else if (j.is_array())
    for (size_t i = 0; i < j.size(); ++i) each_string(j[i], path + "/" + std::to_string(i), f);
}

bool under(const std::string& path, const std::string& prefix) {
  return path.compare(0, prefix.size(), prefix) == 0 && (path.size() == prefix.size() || path[prefix.size()] == '/');
}

// "/policy/criteria/17/id" -> "/policy/criteria/N/id"
std::string shape_of(const std::string& path) {
  std::string shape;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i + 1);
    if (j == std::string::npos) j = path.size();
    std::string part = path.substr(i, j - i);  // "/17"
    bool number = part.size() > 1 && part.find_first_not_of("0123456789", 1) == std::string::npos;
    shape += number ? "/N" : part;
    i = j;
  }
  return shape;
}

// The worst valid case: every list at its maximum, then every string at its
// maximum unless validation refuses that (dates, codes, enumerations, ids
// keep their sample value).
Result<Case> worst_case(const json& sample, const Resources& res, const Env& env) {
  json doc = sample;
  grow(doc["policy"]["criteria"], kMaxCriteria);
  grow(doc["clinical"]["prior_treatments"], kMaxTreatments);
  grow(doc["diagnoses"], kMaxDiagnoses);
  grow(doc["services"], kMaxServices);
  grow(doc["clinical"]["findings"], kMaxOtherList);
  grow(doc["citations"], kMaxOtherList);
  grow(doc["practice"]["address"], kMaxAddressLines);
  std::map<std::string, std::string> original;
  each_string(doc, "", [&](json& s, const std::string& path) {
    size_t n = kMaxFreeText;
    if (path == "/practice/name") n = kMaxPracticeName;
    else if (under(path, "/practice")) n = under(path, "/practice/address") ? kMaxAddressLine : 0;
    if (n == 0 || path == "/format" || path == "/case_id") return;
    original[path] = s.get<std::string>();
    s = filler(n);
  });
  std::set<std::string> refused;  // fields validation would not take at full length
  auto report = [&] {
    std::string list;
    for (const std::string& f : refused) list += " " + f;
    std::printf("(kept at the sample's value, the format refuses them longer:%s)\n", list.c_str());
  };
  // per field: 2,000 characters, else 200, else the sample's value; errors
  // about the whole file (its size) are dealt with below
  for (int round = 0; round < 8; ++round) {
    int restored = 0;
    for (const Diagnostic& d : validate_case(doc, env.today)) {
      if (d.severity != Severity::error || d.path.empty()) continue;
      for (auto it = original.begin(); it != original.end();) {
        if (under(it->first, d.path) || under(d.path, it->first)) {
          json& value = doc[json::json_pointer(it->first)];
          ++restored;
          if (value.get<std::string>().size() > kMaxOtherText) {  // try the shorter limit first
            value = filler(kMaxOtherText);
            ++it;
            continue;
          }
          value = it->second;
          refused.insert(shape_of(it->first));
          it = original.erase(it);
        } else {
          ++it;
        }
      }
    }
    if (restored == 0) break;
  }
  // the file itself is capped: shorten long texts, last path first, until it fits
  for (auto it = original.rbegin(); it != original.rend() && doc.dump().size() > kMaxFileBytes; ++it) {
    json& value = doc[json::json_pointer(it->first)];
    if (value.get<std::string>().size() > kMaxOtherText) value = filler(kMaxOtherText);
  }
  report();
  return load_case_checked(doc.dump(), res, env);
}

// The sample case with its criteria table grown to `n` rows, past any
// validation limit: what the layout must survive even if validation lets
// more through.
Case criteria_case(const json& sample, int n, const Resources& res, const Env& env) {
  Case c = load_case_checked(sample.dump(), res, env).take();
  grow(c.doc["policy"]["criteria"], n);
  return c;
}

struct Timing {
  double wall_ms = 0, cpu_ms = 0;
  int pages = 0, items_cut = 0;
  bool ok = true;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

Timing time_generate(const Case& c, const Resources& res, const Env& env, int runs, const std::string& dump = "",
                     const std::string& prefix = "") {
  std::vector<double> wall, cpu;
  Timing t;
  for (int i = 0; i < runs; ++i) {
    double c0 = cpu_seconds();
    auto w0 = std::chrono::steady_clock::now();
    auto p = generate_packet(c, res, env);
    wall.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - w0).count());
    cpu.push_back((cpu_seconds() - c0) * 1000);
    if (!p.is_ok()) {
      for (const Diagnostic& d : p.diagnostics()) std::fprintf(stderr, "  %s\n", d.to_string().c_str());
      t.ok = false;
      return t;
    }
    t.pages = 0;
    for (const GeneratedDocument& d : p.value().documents) t.pages += d.pages;
    t.items_cut = p.value().documents.front().items_cut;
    if (!dump.empty() && i == 0)
      for (const GeneratedDocument& d : p.value().documents)
        (void)write_file_atomic(dump + "/" + prefix + d.file_name, d.pdf);
  }
  t.wall_ms = median(wall);
  t.cpu_ms = median(cpu);
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
  std::vector<std::string> variants;
  bool brief_only = false;
  std::string dump;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--brief-only") brief_only = true;
    else if (a == "--dump" && i + 1 < argc) dump = argv[++i];
    else variants.push_back(a);
  }
  if (variants.empty()) variants = {"worst", "c200", "c2000", "c3500"};
  std::string root = P2P_SOURCE_ROOT;
  auto loaded = load_resources(root);
  if (!loaded.is_ok()) {
    std::fprintf(stderr, "cannot load resources from %s\n", root.c_str());
    return 1;
  }
  Resources packet = loaded.take();
  Resources brief = packet;
  std::erase_if(brief.documents, [](const DocumentKind& d) { return d.kind != "brief"; });
  Env env = Env::at(1795435200);
  json sample = json::parse(*read_file(root + kSample));

  std::printf("median of %d runs; wall ms / CPU ms\n", runs);
  std::printf("%-8s %22s %22s %7s %9s\n", "case", "brief", "packet", "pages", "brief cut");
  for (const std::string& v : variants) {
    Case c;
    if (v == "worst") {
      auto w = worst_case(sample, packet, env);
      if (!w.is_ok()) {
        std::fprintf(stderr, "the worst case does not validate:\n");
        for (const Diagnostic& d : w.diagnostics()) std::fprintf(stderr, "  %s\n", d.to_string().c_str());
        return 1;
      }
      c = w.take();
      std::printf("(worst case: %zu bytes of JSON)\n", c.doc.dump().size());
    } else if (v.size() > 1 && v[0] == 'c') {
      c = criteria_case(sample, std::atoi(v.c_str() + 1), packet, env);
    } else {
      std::fprintf(stderr, "unknown variant %s\n", v.c_str());
      return 1;
    }
    Timing b = time_generate(c, brief, env, runs, dump, v + "-brief-");
    Timing p = brief_only ? b : time_generate(c, packet, env, runs, dump, v + "-packet-");
    if (!b.ok || !p.ok) {
      std::fprintf(stderr, "%s: generation failed\n", v.c_str());
      return 1;
    }
    std::printf("%-8s %10.1f / %9.1f %10.1f / %9.1f %7d %9d\n", v.c_str(), b.wall_ms, b.cpu_ms, p.wall_ms, p.cpu_ms,
                p.pages, b.items_cut);
    std::fflush(stdout);
  }
  return 0;
}
