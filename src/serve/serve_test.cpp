// Serve: routing and path safety, tokens, the bind rule, metrics text, the
// config file, and the API's answers through Service::handle (no socket; the
// end-to-end tests in tests/serve/ drive the real binary over HTTP).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <thread>

#include "pdf/pdf_export.h"
#include "pipeline/files.h"
#include "serve/auth.h"
#include "serve/body_type.h"
#include "serve/gate.h"
#include "serve/metrics.h"
#include "serve/router.h"
#include "serve/serve.h"
#include "serve/service.h"

using namespace p2p;
using namespace p2p::serve;
using nlohmann::json;
namespace fs = std::filesystem;

TEST_CASE("routes: each path and method") {
  struct Row {
    const char* method;
    const char* path;
    RouteId id;
    int status;
    const char* label;
  };
  const Row rows[] = {
      {"GET", "/healthz", RouteId::healthz, 0, "/healthz"},
      {"HEAD", "/healthz", RouteId::healthz, 0, "/healthz"},
      {"GET", "/metrics", RouteId::metrics, 0, "/metrics"},
      {"POST", "/v1/packets", RouteId::create_packet, 0, "/v1/packets"},
      {"POST", "/v1/validate", RouteId::validate, 0, "/v1/validate"},
      {"GET", "/v1/packets/C-1", RouteId::get_packet, 0, "/v1/packets/{case_id}"},
      {"GET", "/v1/packets/C-1/brief.pdf", RouteId::get_document, 0, "/v1/packets/{case_id}/{document}"},
      {"GET", "/v1/packets", RouteId::none, 405, "/v1/packets"},
      {"DELETE", "/v1/packets/C-1/brief.pdf", RouteId::none, 405, "/v1/packets/{case_id}/{document}"},
      {"POST", "/healthz", RouteId::none, 405, "/healthz"},
      {"GET", "/v1/packets/", RouteId::none, 404, "unmatched"},
      {"GET", "/v1/packets//brief.pdf", RouteId::none, 404, "unmatched"},
      {"GET", "/v1/packets/a/b/c", RouteId::none, 404, "unmatched"},
      {"GET", "/v2/packets", RouteId::none, 404, "unmatched"},
      {"GET", "", RouteId::none, 404, "unmatched"},
      {"GET", "healthz", RouteId::none, 404, "unmatched"},
      {"GET", "/healthz/", RouteId::none, 404, "unmatched"},
  };
  for (const Row& r : rows) {
    CAPTURE(r.method);
    CAPTURE(r.path);
    RouteMatch m = match_route(r.method, r.path);
    CHECK(m.id == r.id);
    CHECK(m.status == r.status);
    CHECK(m.label == r.label);
  }
  RouteMatch doc = match_route("GET", "/v1/packets/C-1/brief.pdf");
  CHECK(doc.params == std::vector<std::string>{"C-1", "brief.pdf"});
  CHECK(match_route("GET", "/v1/packets").allow == "POST");
  CHECK(match_route("PUT", "/v1/packets/C-1").allow == "GET, HEAD");
}

TEST_CASE("path safety: a segment can never leave the output folder") {
  for (const char* ok : {"C-1", "RSP-2026-00417", "brief.pdf", "a_b.c", "x..y", "manifest.json"}) CHECK(is_safe_segment(ok));
  for (const char* bad : {"", ".", "..", ".hidden", "a/b", "/etc", "..\\x", "a b", "a%2Fb", "C:\\x", "~root", "a\nb"})
    CHECK_FALSE(is_safe_segment(bad));
  CHECK_FALSE(is_safe_segment(std::string("a\0b", 3)));
  CHECK(is_safe_segment(std::string(128, 'a')));
  CHECK_FALSE(is_safe_segment(std::string(129, 'a')));
}

TEST_CASE("tokens: constant-time comparison over digests") {
  CHECK(constant_time_equal("abc", "abc"));
  CHECK_FALSE(constant_time_equal("abc", "abd"));
  CHECK_FALSE(constant_time_equal("abc", "abcd"));
  CHECK(constant_time_equal("", ""));

  TokenSet set;
  CHECK(set.empty());
  CHECK_FALSE(set.add("short"));
  CHECK_FALSE(set.add("has a space in it, long enough"));
  CHECK(set.add("0123456789abcdef-first"));
  CHECK(set.add("0123456789abcdef-second"));
  CHECK(set.accepts("0123456789abcdef-first"));
  CHECK(set.accepts("0123456789abcdef-second"));
  CHECK_FALSE(set.accepts("0123456789abcdef-firs"));
  CHECK_FALSE(set.accepts("0123456789abcdef-first "));
  CHECK_FALSE(set.accepts(""));
}

TEST_CASE("tokens: file and environment") {
  std::string file = (fs::temp_directory_path() / ("p2p-tokens-" + std::to_string(getpid()))).string();
  std::ofstream(file) << "# the integration engine\n  token-from-file-0001  \n\n# another\ntoken-from-file-0002\n";
  auto set = TokenSet::load(file, "token-from-env-000001, token-from-env-000002");
  REQUIRE(set.is_ok());
  CHECK(set.value().size() == 4);
  CHECK(set.value().accepts("token-from-file-0001"));
  CHECK(set.value().accepts("token-from-env-000002"));
  std::ofstream(file) << "ok-token-long-enough\nshort\n";
  auto bad = TokenSet::load(file, "");
  REQUIRE_FALSE(bad.is_ok());
  CHECK(bad.diagnostics()[0].message.find(":2: a token needs at least 16 characters") != std::string::npos);
  CHECK_FALSE(TokenSet::load(file + ".missing", "").is_ok());
  fs::remove(file);
}

TEST_CASE("bearer header") {
  CHECK(bearer_token("Bearer abc") == "abc");
  CHECK(bearer_token("bearer   abc  ") == "abc");
  CHECK(bearer_token("Basic abc") == "");
  CHECK(bearer_token("Bearer") == "");
  CHECK(bearer_token("") == "");
  CHECK(bearer_token("Bearerabc") == "");
}

TEST_CASE("listen address and the loopback rule") {
  auto a = parse_listen("127.0.0.1:8080");
  REQUIRE(a.is_ok());
  CHECK(a.value().host == "127.0.0.1");
  CHECK(a.value().port == 8080);
  auto v6 = parse_listen("[::1]:0");
  REQUIRE(v6.is_ok());
  CHECK(v6.value().host == "::1");
  CHECK(v6.value().port == 0);
  for (const char* bad : {"127.0.0.1", ":80", "127.0.0.1:", "127.0.0.1:http", "127.0.0.1:70000", "::1:80", "[::1]80"})
    CHECK_FALSE(parse_listen(bad).is_ok());
  for (const char* loop : {"127.0.0.1", "127.8.9.10", "::1", "localhost", "::ffff:127.0.0.1"}) CHECK(is_loopback(loop));
  for (const char* open : {"0.0.0.0", "::", "10.0.0.5", "192.168.1.1", "example.org", "128.0.0.1", "::ffff:10.0.0.1"})
    CHECK_FALSE(is_loopback(open));
  CHECK(format_address("::1", 80) == "[::1]:80");
  CHECK(format_address("127.0.0.1", 80) == "127.0.0.1:80");
}

TEST_CASE("metrics: a sampled metric added again is read from its new owner, once") {
  Metrics m;
  m.add_sampled("p2pdoc_generation_running", "gauge", "Packets being generated now.", [] { return 7.0; });
  m.add_sampled("p2pdoc_generation_running", "gauge", "Packets being generated now.", [] { return 2.0; });
  std::string text = m.render();
  CHECK(text.find("p2pdoc_generation_running 2") != std::string::npos);
  CHECK(text.find("p2pdoc_generation_running 7") == std::string::npos);
  size_t first = text.find("# TYPE p2pdoc_generation_running");
  CHECK(first != std::string::npos);
  CHECK(text.find("# TYPE p2pdoc_generation_running", first + 1) == std::string::npos);
}

TEST_CASE("metrics: Prometheus text with cumulative buckets") {
  Metrics m;
  m.observe_request("POST", "/v1/packets", 201, 0.012);
  m.observe_request("POST", "/v1/packets", 201, 0.040);
  m.observe_request("POST", "/v1/packets", 422, 0.002);
  m.declare_counter("p2pdoc_documents_generated_total", "Documents generated.");
  m.add("p2pdoc_documents_generated_total", 12);
  m.add_sampled("p2pdoc_deliveries_pending", "gauge", "Waiting.", [] { return 3.0; });
  std::string text = m.render();
  auto has = [&](const std::string& line) {
    CAPTURE(line);
    CHECK(text.find(line + "\n") != std::string::npos);
  };
  has("# TYPE p2pdoc_http_requests_total counter");
  has("p2pdoc_http_requests_total{method=\"POST\",route=\"/v1/packets\",status=\"201\"} 2");
  has("p2pdoc_http_requests_total{method=\"POST\",route=\"/v1/packets\",status=\"422\"} 1");
  has("# TYPE p2pdoc_http_request_duration_seconds histogram");
  has("p2pdoc_http_request_duration_seconds_bucket{method=\"POST\",route=\"/v1/packets\",le=\"0.005\"} 1");
  has("p2pdoc_http_request_duration_seconds_bucket{method=\"POST\",route=\"/v1/packets\",le=\"0.025\"} 2");
  has("p2pdoc_http_request_duration_seconds_bucket{method=\"POST\",route=\"/v1/packets\",le=\"0.05\"} 3");
  has("p2pdoc_http_request_duration_seconds_bucket{method=\"POST\",route=\"/v1/packets\",le=\"+Inf\"} 3");
  has("p2pdoc_http_request_duration_seconds_count{method=\"POST\",route=\"/v1/packets\"} 3");
  has("p2pdoc_http_request_duration_seconds_sum{method=\"POST\",route=\"/v1/packets\"} 0.054");
  has("# TYPE p2pdoc_documents_generated_total counter");
  has("p2pdoc_documents_generated_total 12");
  has("# TYPE p2pdoc_deliveries_pending gauge");
  has("p2pdoc_deliveries_pending 3");
  CHECK(prometheus_label("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");
}

TEST_CASE("config file: keys, flags spelled with '-', errors by line") {
  auto c = parse_serve_config("# service\nlisten = 127.0.0.1:0\nout = /tmp/x\nmax-body = 2048\nthreads=4\n"
                              "deliver_webhook = http://127.0.0.1:9/hook\npubmed_base = http://127.0.0.1:5/eutils\n",
                              ServeConfig{}, "serve.conf");
  REQUIRE(c.is_ok());
  CHECK(c.value().listen == "127.0.0.1:0");
  CHECK(c.value().max_body == 2048);
  CHECK(c.value().threads == 4);
  CHECK(c.value().pubmed);  // a pubmed_* key turns the look-ups on
  CHECK(c.value().pubmed_config.base_url == "http://127.0.0.1:5/eutils");
  CHECK(check_serve_config(c.value()).empty());

  auto bad = parse_serve_config("listen = x\nfrobnicate = 1\nthreads = many\nno equals sign\n", ServeConfig{}, "s.conf");
  REQUIRE_FALSE(bad.is_ok());
  REQUIRE(bad.diagnostics().size() == 3);
  CHECK(bad.diagnostics()[0].message == "s.conf line 2: unknown key \"frobnicate\"");
  CHECK(bad.diagnostics()[1].message == "s.conf line 3: threads \"many\" is not a whole number");
  CHECK(bad.diagnostics()[2].message == "s.conf line 4: expected \"key = value\"");

  ServeConfig both;
  both.out = "/tmp/x";
  both.deliver_fhir = "http://a";
  both.deliver_webhook = "http://b";
  both.threads = 0;
  both.tls_cert = "c.pem";
  both.fhir.mrn_system = "urn:oid:1.2.3.4";
  CHECK(check_serve_config(both).size() == 3);
  // FHIR delivery without the MRN's identifier system is refused at start-up
  ServeConfig no_system;
  no_system.out = "/tmp/x";
  no_system.deliver_fhir = "http://a";
  auto refused = check_serve_config(no_system);
  REQUIRE(refused.size() == 1);
  CHECK(refused[0].message.find("fhir_mrn_system") != std::string::npos);
  ServeConfig no_out;
  CHECK(check_serve_config(no_out).size() == 1);
}

TEST_CASE("gate: bounded slots, first come first served, bounded queue, bounded wait") {
  using namespace std::chrono_literals;
  Gate gate(1, 3);
  REQUIRE(gate.enter(0ms) == Gate::Entry::entered);
  CHECK(gate.enter(20ms) == Gate::Entry::timed_out);  // the slot stays taken
  CHECK(gate.waiting() == 0);                          // the one that gave up left the queue

  std::vector<int> order;
  std::mutex order_mutex;
  std::vector<std::thread> waiters;
  for (int i = 0; i < 3; ++i) {
    waiters.emplace_back([&, i] {
      GateSlot slot(gate, 5000ms);
      REQUIRE(slot.entry() == Gate::Entry::entered);
      std::lock_guard lock(order_mutex);
      order.push_back(i);
    });
    while (gate.waiting() < i + 1) std::this_thread::sleep_for(1ms);  // queued in this order
  }
  CHECK(gate.enter(0ms) == Gate::Entry::queue_full);  // three already wait
  gate.leave();
  for (auto& t : waiters) t.join();
  CHECK(order == std::vector<int>{0, 1, 2});
  CHECK(gate.running() == 0);
  CHECK(gate.waiting() == 0);
}

TEST_CASE("gate: a waiter that gives up in the middle of the queue leaves the others their turn") {
  using namespace std::chrono_literals;
  Gate gate(1, 3);
  REQUIRE(gate.enter(0ms) == Gate::Entry::entered);
  std::vector<int> order;
  std::mutex order_mutex;
  std::vector<std::thread> waiters;
  for (int i = 0; i < 3; ++i) {
    waiters.emplace_back([&, i] {
      GateSlot slot(gate, i == 1 ? 30ms : 5000ms);  // the middle one gives up
      if (slot.entry() != Gate::Entry::entered) return;
      std::lock_guard lock(order_mutex);
      order.push_back(i);
    });
    while (gate.waiting() < i + 1) std::this_thread::sleep_for(1ms);
  }
  while (gate.waiting() > 2) std::this_thread::sleep_for(1ms);  // the middle one has left
  gate.leave();
  for (auto& t : waiters) t.join();
  CHECK(order == std::vector<int>{0, 2});
  CHECK(gate.running() == 0);
  CHECK(gate.waiting() == 0);
}

namespace {

struct Fixture {
  Fixture() {
    auto r = load_resources(P2P_SOURCE_ROOT);
    REQUIRE(r.is_ok());
    res = r.take();
    out = (fs::temp_directory_path() / ("p2p-service-" + std::to_string(getpid()))).string();
    fs::remove_all(out);
    fs::create_directories(out);
  }
  ~Fixture() { fs::remove_all(out); }
  Service make(TokenSet tokens = {}) {
    ServiceParts p;
    p.resources = &res;
    p.out_dir = out;
    p.tokens = std::move(tokens);
    p.metrics = &metrics;
    return Service(std::move(p));
  }
  Resources res;
  std::string out;
  Metrics metrics;
};

std::string sample(const char* name) { return *read_file(std::string(P2P_SOURCE_ROOT) + "/samples/" + name); }

}  // namespace

TEST_CASE("service: create, fetch, validate, and every client error") {
  Fixture f;
  Service s = f.make();
  std::string body = sample("uhc-lumbar-mri.json");

  Reply created = s.handle({"POST", "/v1/packets", "", body});
  REQUIRE(created.status == 201);
  json m = json::parse(created.body);
  CHECK(m["case_id"] == "RSP-2026-00417");
  CHECK(m["url"] == "/v1/packets/RSP-2026-00417");
  REQUIRE(m["documents"].size() == 6);
  CHECK(m["documents"][0]["url"] == "/v1/packets/RSP-2026-00417/brief.pdf");
  CHECK(created.case_id == "RSP-2026-00417");

  Reply pdf = s.handle({"GET", "/v1/packets/RSP-2026-00417/brief.pdf", "", ""});
  CHECK(pdf.status == 200);
  CHECK(pdf.content_type == "application/pdf");
  CHECK(sha256_hex(pdf.body) == m["documents"][0]["sha256"]);
  CHECK(s.handle({"GET", "/v1/packets/RSP-2026-00417/notice.txt", "", ""}).content_type == "text/plain; charset=utf-8");
  CHECK(s.handle({"GET", "/v1/packets/RSP-2026-00417", "", ""}).status == 200);
  CHECK(s.handle({"GET", "/v1/packets/RSP-2026-00417/nothing.pdf", "", ""}).status == 404);
  CHECK(s.handle({"GET", "/v1/packets/NO-SUCH-CASE/brief.pdf", "", ""}).status == 404);
  CHECK(s.handle({"GET", "/v1/packets/../brief.pdf", "", ""}).status == 400);
  CHECK(s.handle({"GET", "/v1/packets/RSP-2026-00417/..", "", ""}).status == 400);
  CHECK(s.handle({"GET", "/v1/packets/.outbox/x", "", ""}).status == 400);
  CHECK(s.handle({"GET", "/v1/packets/../../etc/passwd", "", ""}).status == 404);

  Reply valid = s.handle({"POST", "/v1/validate", "", body});
  CHECK(valid.status == 200);
  CHECK(json::parse(valid.body)["valid"] == true);

  Reply malformed = s.handle({"POST", "/v1/packets", "", "{\n  \"case_id\": \"x\",\n  oops\n}"});
  CHECK(malformed.status == 400);
  CHECK(json::parse(malformed.body)["errors"][0]["message"].get<std::string>().find("line 3, column") != std::string::npos);

  json invalid = json::parse(body);
  invalid["denial"]["date"] = "2026-13-01";
  invalid.erase("patient");
  Reply refused = s.handle({"POST", "/v1/packets", "", invalid.dump()});
  CHECK(refused.status == 422);
  json errs = json::parse(refused.body)["errors"];
  bool date = false, patient = false;
  for (const json& e : errs) {
    date = date || e["path"] == "/denial/date";
    patient = patient || e["path"] == "/patient";
  }
  CHECK(date);
  CHECK(patient);
  CHECK(refused.case_id == "RSP-2026-00417");
  CHECK(s.handle({"POST", "/v1/validate", "", invalid.dump()}).status == 422);

  CHECK(s.handle({"GET", "/nope", "", ""}).status == 404);
  Reply wrong = s.handle({"DELETE", "/v1/packets", "", ""});
  CHECK(wrong.status == 405);
  CHECK(wrong.headers[0] == std::pair<std::string, std::string>{"Allow", "POST"});
  CHECK(s.handle({"GET", "/healthz", "", ""}).status == 200);
  Reply metrics = s.handle({"GET", "/metrics", "", ""});
  CHECK(metrics.status == 200);
  CHECK(metrics.body.find("p2pdoc_packets_generated_total 1") != std::string::npos);
}

TEST_CASE("service: with tokens, everything but /healthz needs one") {
  Fixture f;
  TokenSet tokens;
  tokens.add("service-test-token-0001");
  Service s = f.make(std::move(tokens));
  CHECK(s.handle({"GET", "/healthz", "", ""}).status == 200);
  Reply no = s.handle({"GET", "/metrics", "", ""});
  CHECK(no.status == 401);
  CHECK(no.headers[0].first == "WWW-Authenticate");
  CHECK(s.handle({"GET", "/metrics", "Bearer wrong-token-but-long", ""}).status == 401);
  CHECK(s.handle({"GET", "/metrics", "Basic service-test-token-0001", ""}).status == 401);
  CHECK(s.handle({"GET", "/metrics", "Bearer service-test-token-0001", ""}).status == 200);
  CHECK(s.handle({"GET", "/nope", "", ""}).status == 401);
  CHECK(s.handle({"GET", "/nope", "Bearer service-test-token-0001", ""}).status == 404);
}

// Issue 8: with OUT/ETCLINK -> /etc, GET /v1/packets/ETCLINK/passwd returned
// /etc/passwd (only the last component was checked).
TEST_CASE("service: no path component is followed through a symbolic link") {
  Fixture f;
  Service s = f.make();
  fs::create_symlink("/etc", fs::path(f.out) / "ETCLINK");
  CHECK(s.handle({"GET", "/v1/packets/ETCLINK/passwd", "", ""}).status == 404);
  CHECK(s.handle({"GET", "/v1/packets/ETCLINK", "", ""}).status == 404);
  fs::create_directories(fs::path(f.out) / "CASE-1");
  fs::create_symlink("/etc/passwd", fs::path(f.out) / "CASE-1" / "brief.pdf");
  CHECK(s.handle({"GET", "/v1/packets/CASE-1/brief.pdf", "", ""}).status == 404);
  std::ofstream(fs::path(f.out) / "CASE-1" / "notice.txt") << "text";
  Reply plain = s.handle({"GET", "/v1/packets/CASE-1/notice.txt", "", ""});
  CHECK(plain.status == 200);
  CHECK(plain.body == "text");
}

TEST_CASE("service: a 500 names its request id in the body and the log") {
  Fixture f;
  Service s = f.make();
  std::string id = s.new_request_id();
  CHECK(id != s.new_request_id());
  Reply r = s.internal_error("/v1/packets", "CASE-1", id, "the worker was killed by signal 11 (SIGSEGV)");
  CHECK(r.status == 500);
  json body = json::parse(r.body);
  CHECK(body["request_id"] == id);
  CHECK(body["errors"][0]["message"].get<std::string>().find(id) != std::string::npos);
}

TEST_CASE("body type: what can be a case is read as JSON whatever its label; the rest is 415 with what to send") {
  // curl -d and --data-binary label the case application/x-www-form-urlencoded (issue 13)
  for (const char* ok : {"", "application/json", "application/json; charset=utf-8", "Application/JSON",
                         "application/fhir+json", "application/fhir+json; fhirVersion=4.0", "text/json",
                         "text/plain; charset=UTF-8", "application/x-www-form-urlencoded",
                         "application/octet-stream", " application/json ", "application/json;charset=\"utf-8\""}) {
    CAPTURE(ok);
    CHECK(refuse_body_type(ok).empty());
  }
  for (const char* no : {"multipart/form-data; boundary=XyZ", "multipart/mixed", "image/png", "application/pdf",
                         "application/xml", "text/xml", "text/html", "application/zip", "application/fhir+xml",
                         "application/json; charset=utf-16", "text/plain; charset=latin1"}) {
    CAPTURE(no);
    std::string why = refuse_body_type(no);
    CHECK(why.find("application/json") != std::string::npos);  // says what to send
  }
  CHECK(refuse_body_type("multipart/form-data; boundary=x").starts_with("multipart bodies are not accepted"));
}

namespace {

double metric(Service& s, const std::string& name) {
  std::string text = s.handle({"GET", "/metrics", "", ""}).body;
  auto at = text.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + name.size() + 2));
}

std::string header(const Reply& r, const std::string& name) {
  for (const auto& h : r.headers)
    if (h.first == name) return h.second;
  return "";
}

}  // namespace

TEST_CASE("service: a retried post gets the packet already written (200), nothing regenerated") {
  Fixture f;
  Service s = f.make();
  std::string body = sample("uhc-lumbar-mri.json");
  Reply first = s.handle({"POST", "/v1/packets", "", body});
  REQUIRE(first.status == 201);
  std::string manifest = *read_file(f.out + "/RSP-2026-00417/manifest.json");
  CHECK(header(first, "Idempotent-Replayed").empty());

  // the same case re-serialised (other key order and spacing) is the same case
  Reply again = s.handle({"POST", "/v1/packets", "", json::parse(body).dump(4)});
  CHECK(again.status == 200);
  CHECK(again.body == first.body);
  CHECK(header(again, "Idempotent-Replayed") == "true");
  CHECK(*read_file(f.out + "/RSP-2026-00417/manifest.json") == manifest);
  CHECK_FALSE(fs::exists(f.out + "/RSP-2026-00417.prev"));  // nothing was swapped out
  CHECK(metric(s, "p2pdoc_packets_generated_total") == 1);
  CHECK(metric(s, "p2pdoc_packets_replayed_total") == 1);

  // ?regenerate=1 makes it again, as before
  Request regen{"POST", "/v1/packets", "", body};
  regen.query = {{"regenerate", "1"}};
  CHECK(s.handle(regen).status == 201);
  CHECK(fs::exists(f.out + "/RSP-2026-00417.prev"));
  CHECK(metric(s, "p2pdoc_packets_generated_total") == 2);
  regen.query = {{"regenerate", "yes"}};
  CHECK(s.handle(regen).status == 400);

  // another body for the case replaces the packet
  json changed = json::parse(body);
  changed["denial"]["reference_number"] = "A2611-88214";
  CHECK(s.handle({"POST", "/v1/packets", "", changed.dump()}).status == 201);
  CHECK(metric(s, "p2pdoc_packets_generated_total") == 3);
  // the record beside the packet is out of GET's reach
  CHECK(s.handle({"GET", "/v1/packets/RSP-2026-00417/.request.json", "", ""}).status == 400);
}

TEST_CASE("service: Idempotency-Key, the same key and body replays, another body is 422, across a restart") {
  Fixture f;
  std::string body = sample("uhc-lumbar-mri.json");
  json other = json::parse(sample("aetna-acdf.json"));
  {
    Service s = f.make();
    Request keyed{"POST", "/v1/packets", "", body};
    keyed.idempotency_keys = {"\"8e03978e-40d5-43e8-bc93-6894a57f9324\""};
    REQUIRE(s.handle(keyed).status == 201);
    // a retried regeneration is answered, not redone
    keyed.query = {{"regenerate", "1"}};
    CHECK(s.handle(keyed).status == 200);
    CHECK(metric(s, "p2pdoc_packets_generated_total") == 1);
    Request reused{"POST", "/v1/packets", "", other.dump()};
    reused.idempotency_keys = {"\"8e03978e-40d5-43e8-bc93-6894a57f9324\""};
    Reply refused = s.handle(reused);
    CHECK(refused.status == 422);
    CHECK(refused.body.find("Idempotency-Key") != std::string::npos);
    Request twice{"POST", "/v1/packets", "", body};
    twice.idempotency_keys = {"a", "b"};
    CHECK(s.handle(twice).status == 400);
  }
  Service restarted = f.make();  // the keys are read back from the packets
  Request reused{"POST", "/v1/packets", "", other.dump()};
  reused.idempotency_keys = {"8e03978e-40d5-43e8-bc93-6894a57f9324"};
  CHECK(restarted.handle(reused).status == 422);
  Request retried{"POST", "/v1/packets", "", body};
  retried.idempotency_keys = {"8e03978e-40d5-43e8-bc93-6894a57f9324"};
  CHECK(restarted.handle(retried).status == 200);
  CHECK(metric(restarted, "p2pdoc_packets_generated_total") == 1);  // the first service's, the same Metrics
}

TEST_CASE("service: eight posts of one case at once make one packet; the others get it") {
  Fixture f;
  Service s = f.make();
  std::string body = sample("uhc-lumbar-mri.json");
  std::vector<int> status(8);
  std::vector<std::string> answers(8);
  std::vector<std::thread> posts;
  for (size_t i = 0; i < 8; ++i)
    posts.emplace_back([&, i] {
      Reply r = s.handle({"POST", "/v1/packets", "", body});
      status[i] = r.status;
      answers[i] = r.body;
    });
  for (auto& t : posts) t.join();
  CHECK(std::count(status.begin(), status.end(), 201) == 1);
  CHECK(std::count(status.begin(), status.end(), 200) == 7);
  for (const std::string& a : answers) CHECK(a == answers[0]);
  CHECK(metric(s, "p2pdoc_packets_generated_total") == 1);
  CHECK(metric(s, "p2pdoc_packets_replayed_total") == 7);
  CHECK_FALSE(fs::exists(f.out + "/RSP-2026-00417.prev"));
}

TEST_CASE("service: posts of one case id with different bodies are each generated; one of them is the packet") {
  Fixture f;
  Service s = f.make();
  json base = json::parse(sample("uhc-lumbar-mri.json"));
  std::vector<int> status(4);
  std::vector<std::thread> posts;
  for (size_t i = 0; i < 4; ++i)
    posts.emplace_back([&, i] {
      json body = base;
      body["denial"]["reference_number"] = "A2611-8821" + std::to_string(i);
      status[i] = s.handle({"POST", "/v1/packets", "", body.dump()}).status;
    });
  for (auto& t : posts) t.join();
  CHECK(std::count(status.begin(), status.end(), 201) == 4);
  CHECK(metric(s, "p2pdoc_packets_generated_total") == 4);
  // the packet on disk is whole and one of the four: its record names its body
  auto record = read_request_record(f.out + "/RSP-2026-00417");
  REQUIRE(record.has_value());
  bool one_of_them = false;
  for (size_t i = 0; i < 4; ++i) {
    json body = base;
    body["denial"]["reference_number"] = "A2611-8821" + std::to_string(i);
    one_of_them = one_of_them || record->fingerprint == case_fingerprint(body);
  }
  CHECK(one_of_them);
  json manifest = json::parse(*read_file(f.out + "/RSP-2026-00417/manifest.json"));
  for (const json& d : manifest["documents"])
    CHECK(sha256_hex(*read_file(f.out + "/RSP-2026-00417/" + d["file"].get<std::string>())) == d["sha256"]);
}
