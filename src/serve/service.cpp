#include "serve/service.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <cctype>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <functional>
#include <random>

#include "case/case.h"
#include "intake/pas_intake.h"
#include "ledger/packet_events.h"
#include "ledger/queue.h"
#include "outcome/record.h"
#include "pipeline/files.h"

namespace p2p::serve {

using json = nlohmann::json;

namespace {

Reply json_reply(int status, const json& body) {
  Reply r;
  r.status = status;
  r.body = body.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
  return r;
}

std::string safe_case_id(const json& doc) {
  if (!doc.is_object()) return "";
  auto it = doc.find("case_id");
  if (it == doc.end() || !it->is_string()) return "";
  const std::string& id = it->get_ref<const std::string&>();
  return is_safe_segment(id) ? id : "";
}

std::string content_type_of(const std::string& file) {
  auto ends = [&](const char* ext) { return file.size() > std::strlen(ext) && file.ends_with(ext); };
  if (ends(".pdf")) return "application/pdf";
  if (ends(".txt")) return "text/plain; charset=utf-8";
  if (ends(".json")) return "application/json";
  return "application/octet-stream";
}

// The bytes of OUT/<dir>/<file>, each component opened without following a
// symbolic link (O_NOFOLLOW), so a link someone put in the output folder
// (OUT/x -> /etc) can never serve a file from elsewhere. Only a regular file.
std::optional<std::string> read_beneath(const std::string& out_dir, const std::string& dir, const std::string& file) {
  int base = ::open(out_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (base < 0) return std::nullopt;
  int folder = ::openat(base, dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  ::close(base);
  if (folder < 0) return std::nullopt;
  int fd = ::openat(folder, file.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  ::close(folder);
  if (fd < 0) return std::nullopt;
  struct stat st {};
  std::optional<std::string> bytes;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    std::string data(static_cast<size_t>(st.st_size), '\0');
    size_t got = 0;
    while (got < data.size()) {
      ssize_t n = ::read(fd, data.data() + got, data.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    data.resize(got);
    bytes = std::move(data);
  }
  ::close(fd);
  return bytes;
}

std::string packet_url(const std::string& case_id) { return "/v1/packets/" + case_id; }

// The manifest as the API shows it: each document with its URL.
json with_urls(json manifest, const std::string& case_id) {
  manifest["url"] = packet_url(case_id);
  if (manifest.contains("documents") && manifest["documents"].is_array())
    for (json& d : manifest["documents"])
      if (d.is_object() && d.contains("file") && d["file"].is_string())
        d["url"] = packet_url(case_id) + "/" + d["file"].get<std::string>();
  return manifest;
}

}  // namespace

json diagnostics_json(const Diagnostics& ds) {
  json errors = json::array(), warnings = json::array();
  for (const Diagnostic& d : ds)
    (d.severity == Severity::error ? errors : warnings).push_back({{"path", d.path}, {"message", d.message}});
  return {{"errors", errors}, {"warnings", warnings}};
}

Service::Service(ServiceParts parts)
    : p_(std::move(parts)), gate_(p_.workers, p_.max_queue), flights_(p_.out_dir) {
  // the prefix tells this process's ids from an earlier run's in the log
  std::random_device random;
  char prefix[9];
  std::snprintf(prefix, sizeof prefix, "%08x", static_cast<unsigned>(random()));
  id_prefix_ = prefix;
  if (p_.metrics) {
    p_.metrics->declare_counter("p2pdoc_requests_shed_total",
                                "Packet requests turned away with 503 (queue full or waited too long).");
    Gate* g = &gate_;
    p_.metrics->add_sampled("p2pdoc_generation_running", "gauge", "Packets being generated now.",
                            [g] { return static_cast<double>(g->running()); });
    p_.metrics->add_sampled("p2pdoc_generation_waiting", "gauge", "Packet requests waiting for a worker.",
                            [g] { return static_cast<double>(g->waiting()); });
    p_.metrics->declare_counter("p2pdoc_packets_generated_total", "Packets generated and written.");
    p_.metrics->declare_counter("p2pdoc_packets_replayed_total",
                                "Posts answered 200 with the packet already written for the same case (retries).");
    p_.metrics->declare_counter("p2pdoc_documents_generated_total", "Documents generated and written.");
    p_.metrics->declare_counter("p2pdoc_cases_invalid_total", "Cases refused as invalid (422) or malformed (400).");
    p_.metrics->declare_counter("p2pdoc_failures_total", "Requests that failed on our side (500).");
    p_.metrics->declare_counter("p2pdoc_workers_replaced_total",
                                "Generation workers that crashed or ran past the time limit (each failed one request).");
  }
}

std::string Service::message_for_status(int status) const {
  switch (status) {
    case 400: return "the request is malformed";
    case 401: return "a valid bearer token is required (Authorization: Bearer <token>)";
    case 404: return "not found";
    case 405: return "method not allowed";
    case 408: return "the request took too long to arrive";
    case 411: return "a Content-Length header is required (chunked bodies are not accepted)";
    case 413: return "the body is larger than the limit of " + std::to_string(p_.max_body) + " bytes";
    case 414: return "the URI is too long";
    case 415: return "this body encoding or content type is not accepted: send the case JSON as is";
    case 431: return "too many request headers, or headers too large (at most 100 headers, 32 KiB)";
    case 503: return "the service is busy; retry later";
    default: return status >= 500 ? "internal error; the service log has the details" : "request refused";
  }
}

Reply Service::error_reply(int status, const std::string& message) const {
  return json_reply(status, {{"errors", json::array({{{"path", ""}, {"message", message}}})}});
}

std::string Service::route_label(const std::string& method, const std::string& path) {
  return match_route(method, path).label;
}

std::string Service::new_request_id() {
  char counter[17];
  std::snprintf(counter, sizeof counter, "%06llx", next_id_.fetch_add(1) + 1);
  return id_prefix_ + "-" + counter;
}

void Service::record(const std::string& method, const std::string& route, int status, double seconds,
                     const std::string& case_id, const std::string& request_id) {
  if (p_.metrics) {
    p_.metrics->observe_request(method, route, status, seconds);
    if (status >= 500) p_.metrics->add("p2pdoc_failures_total");
  }
  if (p_.log) {
    json line = {{"event", "request"}, {"method", method}, {"route", route}, {"status", status},
                 {"ms", std::round(seconds * 10000) / 10}};
    if (!case_id.empty()) line["case_id"] = case_id;
    if (!request_id.empty()) line["request_id"] = request_id;
    p_.log->write(line);
  }
}

Reply Service::internal_error(const std::string& route, const std::string& case_id, const std::string& request_id,
                              const std::string& what) {
  if (p_.log) {
    json line = {{"event", "internal_error"}, {"route", route}, {"detail", what}};
    if (!case_id.empty()) line["case_id"] = case_id;
    if (!request_id.empty()) line["request_id"] = request_id;
    p_.log->write(line);
  }
  std::string message = message_for_status(500);
  if (!request_id.empty()) message += " (request id " + request_id + ")";
  Reply r = error_reply(500, message);
  if (!request_id.empty()) {
    json body = json::parse(r.body);
    body["request_id"] = request_id;
    r.body = body.dump(2) + "\n";
  }
  r.route = route;
  r.case_id = case_id;
  return r;
}

std::mutex& Service::case_lock(const std::string& case_id) {
  return case_locks_[std::hash<std::string>{}(case_id) % case_locks_.size()];
}

Reply Service::handle(const Request& req) {
  RouteMatch m = match_route(req.method, req.path);
  Reply r;
  if (m.id != RouteId::healthz && !p_.tokens.empty() && !p_.tokens.accepts(bearer_token(req.authorization))) {
    r = error_reply(401, message_for_status(401));
    r.headers.push_back({"WWW-Authenticate", "Bearer realm=\"p2pdoc\""});
  } else if (m.status == 404) {
    std::string path = req.path.size() > 200 ? req.path.substr(0, 200) + "..." : req.path;
    r = error_reply(404, "no such route: " + req.method + " " + path);
  } else if (m.status == 405) {
    r = error_reply(405, req.method + " is not allowed here; allowed: " + m.allow);
    r.headers.push_back({"Allow", m.allow});
  } else {
    switch (m.id) {
      case RouteId::healthz: r = healthz(); break;
      case RouteId::metrics:
        r.body = p_.metrics ? p_.metrics->render() : "";
        r.content_type = "text/plain; version=0.0.4; charset=utf-8";
        break;
      case RouteId::create_packet: r = create_packet(req); break;
      case RouteId::validate: r = validate(req); break;
      case RouteId::get_packet: r = get_packet(m.params[0]); break;
      case RouteId::get_document: r = get_document(m.params[0], m.params[1]); break;
      case RouteId::queue: r = queue(); break;
      case RouteId::case_events: r = record_event(req, m.params[0]); break;
      case RouteId::none: r = error_reply(404, "not found"); break;
    }
  }
  r.route = m.label;
  return r;
}

Reply Service::healthz() const {
  json body = {{"status", "ok"}};
  if (p_.deliverer) {
    auto s = p_.deliverer->stats();
    body["deliveries_pending"] = s.pending;
    body["deliveries_failed"] = s.failed;
  }
  return json_reply(200, body);
}

std::optional<Reply> Service::load_body(const Request& req, const Env& env, Result<Case>& loaded,
                                        std::string* fingerprint) {
  auto parsed = parse_case_json(req.body);
  if (!parsed.is_ok()) {
    if (p_.metrics) p_.metrics->add("p2pdoc_cases_invalid_total");
    return json_reply(400, diagnostics_json(parsed.diagnostics()));
  }
  std::string case_id = safe_case_id(parsed.value());
  if (fingerprint) *fingerprint = case_fingerprint(parsed.value());
  loaded = load_parsed_case_checked(parsed.take(), *p_.resources, env);
  if (p_.strict) loaded = refuse_warnings(std::move(loaded));
  if (!loaded.is_ok()) {
    if (p_.metrics) p_.metrics->add("p2pdoc_cases_invalid_total");
    Reply r = json_reply(422, diagnostics_json(loaded.diagnostics()));
    r.case_id = case_id;
    return r;
  }
  return std::nullopt;
}

Reply Service::validate(const Request& req) {
  Env env = Env::from_process();
  env.citations = p_.citations;
  Result<Case> loaded;
  if (auto refused = load_body(req, env, loaded)) return *refused;
  json body = {{"valid", true},
               {"case_id", loaded.value().id},
               {"warnings", diagnostics_json(loaded.diagnostics())["warnings"]}};
  Reply r = json_reply(200, body);
  r.case_id = loaded.value().id;
  return r;
}

namespace {

// "application/fhir+json; fhirVersion=4.0" -> true (the media type alone, any case).
bool is_fhir_json(const std::string& content_type) {
  std::string media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && media.back() == ' ') media.pop_back();
  for (char& c : media) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return media == "application/fhir+json";
}

}  // namespace

// A payer's PAS response (docs/fhir.md, "Through the service"): a denial
// becomes a draft folder and its manifest (201); approved, pended and error
// responses are answered 200 with their decision and no packet. Both are
// recorded in the ledger when the service keeps one.
Reply Service::create_draft(const Request& req) {
  const std::string route = "/v1/packets";
  Env env = Env::from_process();
  auto parsed = parse_bounded_json(req.body, fhir::kMaxPasBytes);
  if (!parsed.is_ok()) {
    if (p_.metrics) p_.metrics->add("p2pdoc_cases_invalid_total");
    return json_reply(400, diagnostics_json(parsed.diagnostics()));
  }
  Result<intake::PasIntake> taken = Result<intake::PasIntake>::fail({});
  {
    GateSlot slot(gate_, p_.queue_timeout);  // the sheet is a PDF: it waits its turn like a packet
    if (slot.entry() != Gate::Entry::entered) {
      if (p_.metrics) p_.metrics->add("p2pdoc_requests_shed_total");
      Reply busy = error_reply(503, message_for_status(503));
      busy.headers.push_back({"Retry-After", "1"});
      return busy;
    }
    taken = intake::take_fhir_document(req.body, *p_.resources, env);
  }
  if (!taken.is_ok()) {
    if (p_.metrics) p_.metrics->add("p2pdoc_cases_invalid_total");
    return json_reply(422, diagnostics_json(taken.diagnostics()));
  }
  const intake::PasIntake& in = taken.value();
  std::string id = is_safe_segment(in.case_id) ? in.case_id : "";
  auto describe = [](const Diagnostics& ds) {
    std::string s;
    for (const Diagnostic& d : ds) s += (s.empty() ? "" : "; ") + d.to_string();
    return s;
  };
  json notes = diagnostics_json(in.imported.notes)["warnings"];

  if (!in.is_draft()) {
    json body = {{"decision", std::string(fhir::decision_name(in.imported.decision))},
                 {"summary", in.imported.summary},
                 {"packet", nullptr},
                 {"message", "not a denial: no draft and no packet are made"},
                 {"warnings", notes}};
    if (!id.empty()) body["case_id"] = id;
    if (!in.imported.errors.empty()) body["errors"] = in.imported.errors;
    if (p_.ledger && !id.empty()) {
      auto stored = intake::record_intake(*p_.ledger, in, "serve", env);
      if (!stored.is_ok()) return internal_error(route, id, req.id, "the ledger failed: " + describe(stored.diagnostics()));
      body["recorded"] = "pa_response_received";
    }
    Reply r = json_reply(200, body);
    r.case_id = id;
    return r;
  }
  if (id.empty())
    return json_reply(422, diagnostics_json({error_at("/case_id", "the response gives no reference to name the case "
                                                                  "by (preAuthRef, a review number or an identifier)")}));
  json manifest;
  {
    std::lock_guard lock(case_lock(id));
    auto dir = intake::write_draft(in, p_.out_dir, env);
    if (!dir.is_ok()) {
      bool taken_by_packet = !dir.diagnostics().empty() && dir.diagnostics()[0].path == "/case_id";
      if (!taken_by_packet) return internal_error(route, id, req.id, "writing the draft failed: " + describe(dir.diagnostics()));
      Reply r = json_reply(409, diagnostics_json(dir.diagnostics()));
      r.case_id = id;
      return r;
    }
    manifest = intake::draft_manifest(in, env);
    if (p_.ledger) {  // the draft first, the event after
      auto stored = intake::record_intake(*p_.ledger, in, "serve", env);
      if (!stored.is_ok())
        return internal_error(route, id, req.id, "the draft is written but the ledger failed: " + describe(stored.diagnostics()));
    }
  }
  json body = with_urls(std::move(manifest), id);
  Reply r = json_reply(201, body);
  r.headers.push_back({"Location", packet_url(id)});
  r.case_id = id;
  return r;
}

Reply Service::replayed(const std::string& case_id, const std::string& manifest_text) {
  json manifest = json::parse(manifest_text, nullptr, false);
  if (!manifest.is_object())
    return internal_error("/v1/packets", case_id, "", "manifest.json of the stored packet is not JSON");
  if (p_.metrics) p_.metrics->add("p2pdoc_packets_replayed_total");
  Reply r = json_reply(200, with_urls(std::move(manifest), case_id));
  r.headers.push_back({"Location", packet_url(case_id)});
  r.headers.push_back({"Idempotent-Replayed", "true"});
  r.case_id = case_id;
  return r;
}

Reply Service::create_packet(const Request& req) {
  if (is_fhir_json(req.content_type)) return create_draft(req);
  auto key = idempotency_key_of(req.idempotency_keys);
  if (!key.is_ok()) return json_reply(400, diagnostics_json(key.diagnostics()));
  auto regenerate = regenerate_asked(req.query);
  if (!regenerate.is_ok()) return json_reply(400, diagnostics_json(regenerate.diagnostics()));
  Env env = Env::from_process();
  env.citations = p_.citations;
  Result<Case> loaded;
  std::string fingerprint;
  if (auto refused = load_body(req, env, loaded, &fingerprint)) return *refused;
  Diagnostics warnings = loaded.diagnostics();
  Case c = loaded.take();
  const std::string route = "/v1/packets";
  auto describe = [](const Diagnostics& ds) {
    std::string s;
    for (const Diagnostic& d : ds) s += (s.empty() ? "" : "; ") + d.to_string();
    return s;
  };

  // one generation per case body: a retry waits for the first and gets its packet
  RequestRecord record{fingerprint, key.value()};
  Flights::Ticket ticket = flights_.enter(c.id, fingerprint, record.idempotency_key, regenerate.value(),
                                          p_.queue_timeout);
  auto refuse = [&](int status, const std::string& message) {
    Reply r = error_reply(status, message);
    r.case_id = c.id;
    return r;
  };
  switch (ticket.turn) {
    case Flights::Turn::replay: return replayed(c.id, ticket.manifest);
    case Flights::Turn::key_busy:
      return refuse(409, "a request with this Idempotency-Key is still being processed; retry when it is answered");
    case Flights::Turn::key_reused:
      return refuse(422, "this Idempotency-Key was already used with a different case body; "
                         "send a new key for a new request");
    case Flights::Turn::timed_out: {
      if (p_.metrics) p_.metrics->add("p2pdoc_requests_shed_total");
      Reply busy = refuse(503, message_for_status(503));
      busy.headers.push_back({"Retry-After", "1"});
      return busy;
    }
    case Flights::Turn::generate: break;
  }
  bool written = false;
  struct Leave {
    Flights& f;
    const std::string& id;
    const RequestRecord& rec;
    bool& done;
    ~Leave() { f.leave(id, rec, done); }
  } leave{flights_, c.id, record, written};

  Result<Packet> packet = Result<Packet>::fail({});
  // the practice's record for the triage; a ledger that cannot be read
  // fails the request as recording into it would
  std::optional<TriageHistory> history;
  if (p_.ledger) {
    auto h = triage_history(*p_.ledger, c, *p_.resources, p_.ledger_location);
    if (!h.is_ok()) return internal_error(route, c.id, req.id, "reading the ledger for the triage failed: " + describe(h.diagnostics()));
    history = h.take();
  }
  {
    GateSlot slot(gate_, p_.queue_timeout);
    if (slot.entry() != Gate::Entry::entered) {
      if (p_.metrics) p_.metrics->add("p2pdoc_requests_shed_total");
      Reply busy = error_reply(503, message_for_status(503));
      busy.headers.push_back({"Retry-After", "1"});
      busy.case_id = c.id;
      return busy;
    }
    if (p_.pool) {
      WorkerOutcome done = p_.pool->generate(c, env.timestamp, history ? &*history : nullptr);
      bool lost = done.kind == WorkerOutcome::Kind::crashed || done.kind == WorkerOutcome::Kind::timed_out;
      if (lost) {
        if (p_.metrics) p_.metrics->add("p2pdoc_workers_replaced_total");
        return internal_error(route, c.id, req.id, done.detail);
      }
      packet = std::move(done.packet);
    } else {
      packet = generate_packet(c, *p_.resources, env, history ? &*history : nullptr);
    }
  }
  if (!packet.is_ok())
    return internal_error(route, c.id, req.id, "generation failed: " + describe(packet.diagnostics()));
  Packet& p = packet.value();
  p.warnings = warnings;

  std::vector<delivery::Queued> queued;
  json manifest;
  {
    // two posts of one case must not swap the folder under each other
    std::lock_guard lock(case_lock(c.id));
    // the swap is flushed with the retry record below
    auto dir = write_packet(p, p_.out_dir, env, Durability::by_caller);
    if (!dir.is_ok()) return internal_error(route, c.id, req.id, "writing failed: " + describe(dir.diagnostics()));
    written = true;
    manifest = std::move(dir.value().manifest);
    if (p_.ledger) {  // packet first, event after
      Diagnostics d = record_packet(*p_.ledger, c, *p_.resources, manifest, "serve", env);
      if (!d.empty())
        return internal_error(route, c.id, req.id, "the packet is written but the ledger failed: " + describe(d));
    }
    if (p_.deliverer) {
      auto q = p_.deliverer->enqueue(delivery::pdf_documents(p, env.timestamp), delivery::record_facts(c.doc),
                                     Durability::by_caller);
      if (!q.is_ok()) return internal_error(route, c.id, req.id, "queueing the delivery failed: " + describe(q.diagnostics()));
      queued = q.take();
    }
    // The retry record last, and one flush for it, the packet's swap and the outbox entries: a
    // retry is answered from disk only when the packet, its ledger event and
    // its deliveries are all recorded. A crash before this leaves a packet
    // without a record, and the retry generates again (the ledger and the
    // outbox take the same content once).
    auto recorded = write_file_atomic(dir.value().dir + "/" + kRequestRecordFile, request_record_json(record),
                                      Durability::by_caller);
    if (recorded.is_ok()) recorded = flush_file_system(dir.value().dir);
    if (!recorded.is_ok())
      return internal_error(route, c.id, req.id, "writing the retry record failed: " + describe(recorded.diagnostics()));
  }
  if (p_.metrics) {
    p_.metrics->add("p2pdoc_packets_generated_total");
    p_.metrics->add("p2pdoc_documents_generated_total", static_cast<double>(p.documents.size()));
  }

  json body = with_urls(std::move(manifest), c.id);
  if (p_.deliverer) body["delivery"] = delivery_json(queued);
  Reply r = json_reply(201, body);
  r.headers.push_back({"Location", packet_url(c.id)});
  r.case_id = c.id;
  return r;
}

json Service::delivery_json(const std::vector<delivery::Queued>& queued) const {
  json docs = json::array();
  for (const auto& q : queued) docs.push_back({{"file", q.file}, {"idempotency_key", q.key}, {"state", q.state}});
  return {{"target", delivery::target_name(p_.deliverer->config().target)},
          {"documents", docs}};
}

Reply Service::queue() {
  if (!p_.ledger) return error_reply(404, "this service keeps no ledger (no_ledger)");
  long long now = Env::from_process().timestamp;
  auto states = p_.ledger->open_progress(now);
  if (!states.is_ok()) {
    std::string why;
    for (const Diagnostic& d : states.diagnostics()) why += (why.empty() ? "" : "; ") + d.message;
    return internal_error("/v1/queue", "", "", "reading the ledger failed: " + why);
  }
  // the same bytes as json_reply(200, queue_json(...)), without the JSON tree
  Reply r;
  r.status = 200;
  r.body = queue_json_text(build_queue(states.take(), now), now) + "\n";
  return r;
}

// A call's outcome from the EHR: the same rules as a filled form
// (outcome/outcome.h), named by JSON pointer. The call is recognised by its
// own identity (call_key: its start and disposition), the same key a filled
// form or the case file gives it, so the same call posted twice, or posted and
// also entered on the form, counts once. A client's "source_key" is accepted
// for compatibility and ignored, with a warning.
Reply Service::record_event(const Request& req, const std::string& case_id) {
  const std::string route = "/v1/cases/{case_id}/events";
  if (!is_safe_segment(case_id) || case_id.size() > 64)
    return error_reply(400, "not a case id (letters, digits, '.', '_', '-'; not starting with '.')");
  auto parsed = parse_case_json(req.body);
  if (!parsed.is_ok()) return json_reply(400, diagnostics_json(parsed.diagnostics()));
  const json& body = parsed.value();
  auto refuse = [&](Diagnostics d) {
    Reply r = json_reply(422, diagnostics_json(d));
    r.case_id = case_id;
    return r;
  };
  if (!body.is_object()) return refuse({error_at("", "expected an object: {\"kind\": \"call_held\", \"call\": {...}}")});
  Diagnostics shape;
  const json kind = body.value("kind", json());
  if (kind != "call_held")
    shape.push_back(error_at("/kind", kind.is_null() ? "is required (\"call_held\")"
                                                     : kind.dump() + " is not taken here: only \"call_held\" (the "
                                                                     "other steps: p2pdoc event)"));
  if (!body.contains("call")) shape.push_back(error_at("/call", "is required: the call in the shape of a case's call"));
  const json key = body.value("source_key", json(""));
  if (!key.is_string() || key.get<std::string>().size() > 200)
    shape.push_back(error_at("/source_key", "must be a string of at most 200 characters"));
  else if (!key.get<std::string>().empty())
    shape.push_back(warning_at("/source_key", "ignored: a call is recognised by its start time and disposition, "
                                              "however it is recorded (docs/ledger.md)"));
  for (const auto& item : body.items())
    if (item.key() != "kind" && item.key() != "call" && item.key() != "source_key")
      shape.push_back(warning_at("/" + item.key(), "unknown key, ignored"));
  if (has_errors(shape)) return refuse(shape);
  if (!p_.ledger) return error_reply(404, "this service keeps no ledger (no_ledger): nothing to record into");
  bool packet_here = file_exists(p_.out_dir + "/" + case_id + "/case.json");
  if (!packet_here) {
    auto known = p_.ledger->find_case(case_id);
    if (known.is_ok() && !known.value()) {
      Reply r = error_reply(404, "no packet and no ledger entry for this case id");
      r.case_id = case_id;
      return r;
    }
  }

  CallDraft draft = call_from_json(body["call"], "/call");
  RecordRequest rr;
  rr.out_dir = p_.out_dir;
  rr.case_id = case_id;
  rr.recorded_by = "serve";
  Env env = Env::from_process();
  // the regenerated packet is rendered like any other: in a worker process,
  // under its time and memory limits; its PDFs are delivered like any other
  if (p_.pool)
    rr.render = [&](const Case& c) -> Result<Packet> {
      WorkerOutcome rendered = p_.pool->generate(c, env.timestamp);
      if (rendered.kind == WorkerOutcome::Kind::crashed || rendered.kind == WorkerOutcome::Kind::timed_out) {
        if (p_.metrics) p_.metrics->add("p2pdoc_workers_replaced_total");
        return Result<Packet>::fail({error_at("", rendered.detail)});
      }
      return std::move(rendered.packet);
    };
  std::vector<delivery::Queued> queued;
  if (p_.deliverer)
    rr.written = [&](const Case& c, const Packet& p) -> Diagnostics {
      auto q = p_.deliverer->enqueue(delivery::pdf_documents(p, env.timestamp), delivery::record_facts(c.doc));
      if (!q.is_ok()) return q.diagnostics();
      queued = q.take();
      return {};
    };
  RecordResult done;
  {
    GateSlot slot(gate_, p_.queue_timeout);
    if (slot.entry() != Gate::Entry::entered) {
      Reply busy = error_reply(503, message_for_status(503));
      busy.headers.push_back({"Retry-After", "1"});
      busy.case_id = case_id;
      return busy;
    }
    std::lock_guard lock(case_lock(case_id));
    done = record_call(draft, rr, p_.ledger, *p_.resources, env);
  }
  Diagnostics all = shape;
  all.insert(all.end(), done.outcome.diagnostics().begin(), done.outcome.diagnostics().end());
  if (!done.outcome.is_ok()) {
    if (!done.our_fault) return refuse(all);
    std::string why;
    for (const Diagnostic& d : all) why += (why.empty() ? "" : "; ") + d.message;
    return internal_error(route, case_id, req.id, "recording failed: " + why);
  }
  const RecordedCall& rc = done.outcome.value();
  json out = {{"case_id", case_id},
              {"kind", "call_held"},
              {"already_recorded", rc.already_recorded},
              {"call", rc.call},
              {"warnings", diagnostics_json(all)["warnings"]}};
  if (!rc.packet_dir.empty()) out["packet"] = packet_url(case_id);
  if (p_.deliverer && !rc.packet_dir.empty()) out["delivery"] = delivery_json(queued);
  Reply r = json_reply(rc.already_recorded ? 200 : 201, out);
  r.case_id = case_id;
  return r;
}

Reply Service::get_packet(const std::string& case_id) {
  if (!is_safe_segment(case_id))
    return error_reply(400, "not a case id (letters, digits, '.', '_', '-'; not starting with '.')");
  auto text = read_beneath(p_.out_dir, case_id, "manifest.json");
  if (!text) {
    Reply r = error_reply(404, "no packet for this case id");
    r.case_id = case_id;
    return r;
  }
  json manifest = json::parse(*text, nullptr, false);
  if (manifest.is_discarded()) return internal_error("/v1/packets/{case_id}", case_id, "", "manifest.json is not JSON");
  Reply r = json_reply(200, with_urls(manifest, case_id));
  r.case_id = case_id;
  return r;
}

Reply Service::get_document(const std::string& case_id, const std::string& file) {
  if (!is_safe_segment(case_id) || !is_safe_segment(file))
    return error_reply(400, "not a case id and document name (letters, digits, '.', '_', '-'; not starting with '.')");
  auto bytes = read_beneath(p_.out_dir, case_id, file);
  if (!bytes) {
    Reply r = error_reply(404, "no such document");
    r.case_id = case_id;
    return r;
  }
  Reply r;
  r.status = 200;
  r.content_type = content_type_of(file);
  r.body = std::move(*bytes);
  r.headers.push_back({"Content-Disposition", "inline; filename=\"" + file + "\""});
  r.case_id = case_id;
  return r;
}

}  // namespace p2p::serve
