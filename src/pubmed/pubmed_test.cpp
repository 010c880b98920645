// PubMed: esummary answers read into citations, the rate limiter's
// arithmetic, the cache, and the pipeline's completion of a case's citations
// through a fake CitationLookup (no network in this file).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "pipeline/files.h"
#include "pipeline/pipeline.h"
#include "pubmed/esummary.h"
#include "pubmed/pubmed.h"
#include "pubmed/rate_limit.h"

using namespace p2p;
using namespace p2p::pubmed;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// The shape NCBI serves (esummary version 0.3, retmode=json), trimmed.
const char* kSport = R"({
  "header": {"type": "esummary", "version": "0.3"},
  "result": {
    "uids": ["17119140"],
    "17119140": {
      "uid": "17119140", "pubdate": "2006 Nov 22", "epubdate": "", "source": "JAMA",
      "authors": [
        {"name": "Weinstein JN", "authtype": "Author", "clusterid": ""},
        {"name": "Lurie JD", "authtype": "Author", "clusterid": ""},
        {"name": "Tosteson TD", "authtype": "Author", "clusterid": ""},
        {"name": "Skinner JS", "authtype": "Author", "clusterid": ""},
        {"name": "Hanscom B", "authtype": "Author", "clusterid": ""},
        {"name": "Tosteson AN", "authtype": "Author", "clusterid": ""},
        {"name": "Herkowitz H", "authtype": "Author", "clusterid": ""}
      ],
      "lastauthor": "Herkowitz H",
      "title": "Surgical vs nonoperative treatment for lumbar disk herniation: the Spine Patient Outcomes Research Trial (SPORT): a randomized trial.",
      "volume": "296", "issue": "20", "pages": "2441-50",
      "fulljournalname": "JAMA", "sortpubdate": "2006/11/22 00:00"
    }
  }
})";

}  // namespace

TEST_CASE("esummary URL") {
  CHECK(esummary_url("https://eutils.ncbi.nlm.nih.gov/entrez/eutils/", "17119140", "p2pdoc", "", "") ==
        "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/esummary.fcgi?db=pubmed&id=17119140&retmode=json&tool=p2pdoc");
  CHECK(esummary_url("http://127.0.0.1:5000", "1", "p2pdoc", "a@b.org", "k 1") ==
        "http://127.0.0.1:5000/esummary.fcgi?db=pubmed&id=1&retmode=json&tool=p2pdoc&email=a%40b.org&api_key=k%201");
}

TEST_CASE("esummary: title, journal, year, Vancouver reference") {
  auto record = esummary_record(kSport, "17119140");
  REQUIRE(record.is_ok());
  auto c = citation_from_record(record.value());
  REQUIRE(c.is_ok());
  CHECK(c.value().title ==
        "Surgical vs nonoperative treatment for lumbar disk herniation: the Spine Patient Outcomes Research Trial "
        "(SPORT): a randomized trial");
  CHECK(c.value().source == "JAMA");
  CHECK(c.value().year == 2006);
  CHECK(c.value().reference ==
        "Weinstein JN, Lurie JD, Tosteson TD, Skinner JS, Hanscom B, Tosteson AN, et al. Surgical vs nonoperative "
        "treatment for lumbar disk herniation: the Spine Patient Outcomes Research Trial (SPORT): a randomized "
        "trial. JAMA. 2006;296(20):2441-50.");
}

TEST_CASE("esummary: markup in titles, few authors, year from sortpubdate") {
  json r = {{"uid", "1"},
            {"title", "<i>In vivo</i> effects of A&amp;B on CD4<sup>+</sup> cells?"},
            {"source", "N Engl J Med"},
            {"pubdate", ""},
            {"sortpubdate", "1999/03/01 00:00"},
            {"authors", json::array({{{"name", "Smith A"}}, {{"name", "SPORT Investigators"}}})}};
  auto c = citation_from_record(r);
  REQUIRE(c.is_ok());
  CHECK(c.value().title == "In vivo effects of A&B on CD4+ cells?");
  CHECK(c.value().year == 1999);
  CHECK(c.value().reference ==
        "Smith A, SPORT Investigators. In vivo effects of A&B on CD4+ cells? N Engl J Med. 1999.");
  CHECK(plain_text("a &lt; b &gt; c &quot;d&quot; &#39;e&apos; &unknown;") == "a < b > c \"d\" 'e' &unknown;");
}

TEST_CASE("esummary: the failure modes are errors, never exceptions") {
  CHECK_FALSE(esummary_record("<html>Service unavailable</html>", "1").is_ok());
  CHECK_FALSE(esummary_record("{\"result\": ", "1").is_ok());
  CHECK_FALSE(esummary_record(R"({"error": "API rate limit exceeded"})", "1").is_ok());
  CHECK_FALSE(esummary_record(R"({"result": {"uids": []}})", "1").is_ok());
  CHECK_FALSE(esummary_record(R"({"result": {"uids": ["1"], "1": {"uid": "1", "error": "cannot get document summary"}}})", "1").is_ok());
  CHECK_FALSE(esummary_record(R"([1, 2])", "1").is_ok());
  CHECK_FALSE(citation_from_record(json{{"uid", "1"}}).is_ok());
  CHECK_FALSE(citation_from_record(json::array()).is_ok());
  auto e = esummary_record(R"({"result": {"uids": []}})", "42");
  CHECK(e.diagnostics()[0].message == "PubMed has no record for PMID 42");
}

TEST_CASE("rate limiter: one slot per 1/rate seconds, shared, bounded wait") {
  using namespace std::chrono;
  RateLimiter limiter(3);
  auto t0 = RateLimiter::Clock::time_point{} + hours(1);
  auto w1 = limiter.reserve(t0, milliseconds(500));
  auto w2 = limiter.reserve(t0, milliseconds(500));
  auto w3 = limiter.reserve(t0, milliseconds(500));  // would wait 667 ms: refused, nothing reserved
  REQUIRE(w1);
  REQUIRE(w2);
  CHECK(*w1 == RateLimiter::Clock::duration::zero());
  CHECK(duration_cast<milliseconds>(*w2).count() == 333);
  CHECK_FALSE(w3);
  auto w4 = limiter.reserve(t0 + milliseconds(400), milliseconds(500));
  REQUIRE(w4);
  CHECK(duration_cast<milliseconds>(*w4).count() == 266);
  // after a quiet second the next request goes at once
  CHECK(*limiter.reserve(t0 + seconds(2), milliseconds(0)) == RateLimiter::Clock::duration::zero());
}

TEST_CASE("PubMedLookup: disk cache answers without the network, failures are remembered") {
  std::string dir = (fs::temp_directory_path() / ("p2p-pubmed-" + std::to_string(getpid()))).string();
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto record = esummary_record(kSport, "17119140");
  std::ofstream(dir + "/17119140.json") << record.value().dump();
  PubMedConfig c;
  c.base_url = "http://127.0.0.1:9";  // discard port: nothing listens
  c.cache_dir = dir;
  c.timeout_ms = 2000;
  PubMedLookup lookup(c);
  auto hit = lookup.look_up("17119140");
  REQUIRE(hit.is_ok());
  CHECK(hit.value().source == "JAMA");
  CHECK(lookup.look_up("17119140").is_ok());
  CHECK(lookup.stats().cache_hits == 2);
  CHECK(lookup.stats().fetched == 0);

  auto miss = lookup.look_up("123");
  CHECK_FALSE(miss.is_ok());
  auto started = std::chrono::steady_clock::now();
  auto again = lookup.look_up("123");  // remembered: no second attempt
  CHECK_FALSE(again.is_ok());
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(50));
  CHECK(lookup.stats().failures == 1);
  CHECK_FALSE(lookup.look_up("12a").is_ok());
  fs::remove_all(dir);
}

namespace {

// The pipeline's side of the door: canned answers, counted.
class FakeLookup final : public CitationLookup {
 public:
  Result<CitationRecord> look_up(const std::string& pmid) const override {
    ++calls;
    if (pmid == "17119140")
      return Result<CitationRecord>::ok({"Surgical vs nonoperative treatment for lumbar disk herniation", "JAMA", 2006,
                                         "Weinstein JN, et al. Surgical vs nonoperative treatment. JAMA. 2006."});
    return Result<CitationRecord>::fail({error_at("", "no answer within 5000 ms")});
  }
  mutable int calls = 0;
};

std::string sample_with_citations(const json& citations) {
  json doc = json::parse(*read_file(std::string(P2P_SOURCE_ROOT) + "/samples/uhc-lumbar-mri.json"));
  doc["citations"] = citations;
  return doc.dump();
}

bool has_warning(const Diagnostics& ds, const std::string& path, const std::string& part) {
  for (const Diagnostic& d : ds)
    if (d.severity == Severity::warning && d.path == path && d.message.find(part) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("load_case_checked: a bare PMID is completed before validation, the reference after") {
  auto res = load_resources(P2P_SOURCE_ROOT);
  REQUIRE(res.is_ok());
  Env env = Env::at(1795435200);
  std::string text = sample_with_citations(json::array({{{"kind", "study"}, {"pmid", "17119140"}}, "sport-ldh-rct-jama-2006"}));

  // without the door the format's rules stand: title and source are required
  auto plain = load_case_checked(text, res.value(), env);
  CHECK_FALSE(plain.is_ok());

  FakeLookup fake;
  env.citations = &fake;
  auto done = load_case_checked(text, res.value(), env);
  REQUIRE(done.is_ok());
  const json& cit = done.value().doc["citations"][0];
  CHECK(cit["title"] == "Surgical vs nonoperative treatment for lumbar disk herniation");
  CHECK(cit["source"] == "JAMA");
  CHECK(cit["year"] == 2006);
  CHECK(cit["reference"] == "Weinstein JN, et al. Surgical vs nonoperative treatment. JAMA. 2006.");
  CHECK(has_warning(done.diagnostics(), "/citations/0", "title, source, year completed from PubMed"));
  CHECK(fake.calls == 1);  // library keys are not looked up
  // no "unknown key" warning for the reference: it was added after validation
  for (const Diagnostic& d : done.diagnostics()) CHECK(d.path.find("reference") == std::string::npos);
}

TEST_CASE("load_case_checked: PubMed down never fails the case") {
  auto res = load_resources(P2P_SOURCE_ROOT);
  REQUIRE(res.is_ok());
  Env env = Env::at(1795435200);
  FakeLookup fake;
  env.citations = &fake;
  std::string text = sample_with_citations(
      json::array({{{"kind", "study"}, {"pmid", "99"}},
                   {{"kind", "study"}, {"pmid", "98"}, {"source", "Spine"}, {"title", "Given title"}, {"year", 2001}}}));
  auto done = load_case_checked(text, res.value(), env);
  REQUIRE(done.is_ok());
  const json& cits = done.value().doc["citations"];
  CHECK(cits[0]["source"] == "PubMed");
  CHECK(cits[0]["title"] == "[PMID 99: title not retrieved, check before sending]");
  CHECK(cits[1]["title"] == "Given title");  // what the case gives, untouched
  CHECK_FALSE(cits[1].contains("reference"));
  CHECK(has_warning(done.diagnostics(), "/citations/0/pmid", "could not be looked up in PubMed (no answer within 5000 ms)"));
  CHECK(has_warning(done.diagnostics(), "/citations/1/pmid", "could not be looked up"));
}

TEST_CASE("load_case_checked: a year that disagrees with PubMed is flagged, malformed citations are left to validation") {
  auto res = load_resources(P2P_SOURCE_ROOT);
  REQUIRE(res.is_ok());
  Env env = Env::at(1795435200);
  FakeLookup fake;
  env.citations = &fake;
  std::string text = sample_with_citations(json::array(
      {{{"kind", "study"}, {"pmid", "17119140"}, {"source", "JAMA"}, {"title", "SPORT"}, {"year", 2005}},
       {{"kind", "study"}, {"pmid", "not-a-pmid"}}}));
  auto done = load_case_checked(text, res.value(), env);
  CHECK_FALSE(done.is_ok());  // the second citation: bad pmid, no title, no source
  CHECK(has_warning(done.diagnostics(), "/citations/0/year", "PubMed gives 2006"));
  CHECK(fake.calls == 1);
}

// Issue 8: completing citations rewrote the case through json::parse and
// dump(), which dropped everything after a NUL byte and kept the last of two
// equal keys, so load_case never saw what it must refuse.
TEST_CASE("regression: completing citations keeps what load_case refuses") {
  using namespace std::string_literals;
  auto res = load_resources(P2P_SOURCE_ROOT);
  REQUIRE(res.is_ok());
  Env env = Env::at(1795435200);
  FakeLookup fake;
  env.citations = &fake;
  std::string text = sample_with_citations(json::array({{{"kind", "study"}, {"pmid", "17119140"}}}));
  std::string with_nul = text + "\0{\"tail\": 1}"s;
  auto nul = load_case_checked(with_nul, res.value(), env);
  CHECK_FALSE(nul.is_ok());
  REQUIRE_FALSE(nul.diagnostics().empty());
  CHECK(nul.diagnostics().back().message.find("NUL byte") != std::string::npos);

  std::string twice = text;
  twice.insert(twice.find("\"case_id\""), "\"case_id\": \"OTHER\", ");
  auto dup = load_case_checked(twice, res.value(), env);
  CHECK_FALSE(dup.is_ok());
  REQUIRE_FALSE(dup.diagnostics().empty());
  CHECK(dup.diagnostics().back().message.find("appears twice") != std::string::npos);
}
