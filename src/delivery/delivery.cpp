#include "delivery/delivery.h"

#include <chrono>
#include <ctime>

#include "delivery/mllp_client.h"
#include "pipeline/files.h"

namespace p2p::delivery {

using json = nlohmann::json;

namespace {

long long steady_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

std::string fhir_endpoint(const std::string& base) {
  std::string url = base;
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url + "/DocumentReference";
}

}  // namespace

const char* target_name(Target t) {
  switch (t) {
    case Target::fhir: return "fhir";
    case Target::webhook: return "webhook";
    case Target::hl7v2: return "hl7v2";
    case Target::none: break;
  }
  return "off";
}

std::vector<OutgoingDocument> pdf_documents(const Packet& p, long long timestamp) {
  std::vector<OutgoingDocument> out;
  for (const GeneratedDocument& d : p.documents) {
    if (d.pages == 0) continue;  // a text document (the notice to the physician)
    std::string bytes_digest = sha256_hex(d.pdf);
    // A packet without the content digest (none the pipeline makes) falls back
    // to the bytes: at worst a version too many, never a change lost.
    std::string identity = d.content_sha256.empty() ? bytes_digest : d.content_sha256;
    out.push_back({p.case_id, d.kind, d.title, d.file_name, "application/pdf", bytes_digest, identity, d.pdf, timestamp});
  }
  return out;
}

PatientIds patient_ids(const json& case_doc) {
  PatientIds ids;
  auto patient = case_doc.find("patient");
  if (patient == case_doc.end() || !patient->is_object()) return ids;
  auto text = [&](const char* key) {
    auto it = patient->find(key);
    return it != patient->end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  ids.mrn = text("mrn");
  ids.member_id = text("member_id");
  return ids;
}

RecordFacts record_facts(const json& case_doc) {
  RecordFacts f;
  f.patient = patient_ids(case_doc);
  auto text = [&](const char* object, const char* key) {
    auto o = case_doc.find(object);
    if (o == case_doc.end() || !o->is_object()) return std::string();
    auto it = o->find(key);
    return it != o->end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  f.physician_name = text("physician", "name");
  f.physician_npi = text("physician", "npi");
  f.practice_name = text("practice", "name");
  f.practice_npi = text("practice", "npi");
  f.encounter_id = text("encounter", "id");
  f.encounter_start = text("encounter", "start");
  f.encounter_end = text("encounter", "end");
  f.patient_name = text("patient", "name");
  f.birth_date = text("patient", "dob");
  f.sex = text("patient", "sex");
  f.letters_signed = case_doc.contains("letters_signed") && case_doc["letters_signed"].is_string();
  return f;
}

Deliverer::Deliverer(DeliveryConfig config, DeliveryLog log)
    : config_(std::move(config)), log_(std::move(log)), outbox_(config_.outbox_dir) {}

Deliverer::~Deliverer() { stop(); }

Result<size_t> Deliverer::open() {
  auto waiting = outbox_.open();
  if (!waiting.is_ok()) return Result<size_t>::fail(waiting.diagnostics());
  failed_ = outbox_.failed_count();
  std::lock_guard lock(mutex_);
  long long now = steady_ms();
  for (const std::string& id : waiting.value()) {
    due_[id] = {now, seq_++};
    // an earlier run may have sent it and died before recording the answer
    unsure_.insert(id);
  }
  return Result<size_t>::ok(waiting.value().size());
}

void Deliverer::start() {
  if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
}

void Deliverer::stop() {
  stopping_ = true;
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Result<std::vector<Queued>> Deliverer::enqueue(const std::vector<OutgoingDocument>& docs, const RecordFacts& facts,
                                               Durability durability) {
  using R = Result<std::vector<Queued>>;
  if (config_.target == Target::fhir && !docs.empty()) {
    Diagnostics why = check_record_facts(facts, config_.fhir);
    if (!why.empty()) return R::fail(why);
  }
  if (config_.target == Target::hl7v2 && !docs.empty()) {
    Diagnostics why = check_hl7_facts(facts);
    if (!why.empty()) return R::fail(why);
  }
  // 1. what each document is (under the lock), 2. the newest versions,
  // durable before any entry: a crash in between leaves a version that the
  // next enqueue of the same content finds unsent and queues, 3. the
  // entries, 4. due for the sender. Two flushes for the packet, each shared
  // with concurrent writers (pipeline/files.h), where one fsync per file made ten.
  std::vector<Queued> result;
  std::vector<Planned> planned;
  for (const OutgoingDocument& d : docs) {
    auto q = plan_one(d, facts, planned);
    if (!q.is_ok()) return R::fail(q.diagnostics());
    result.push_back(q.take());
  }
  if (planned.empty()) return R::ok(std::move(result));
  for (const Planned& p : planned) {
    auto noted = outbox_.set_latest(p.entry.case_id, p.entry.file, p.version, Durability::by_caller);
    if (!noted.is_ok()) return R::fail(noted.diagnostics());
  }
  if (auto flushed = outbox_.flush(); !flushed.is_ok()) return R::fail(flushed.diagnostics());
  for (const Planned& p : planned) {
    auto written = outbox_.put(p.entry, Durability::by_caller);
    if (!written.is_ok()) return R::fail(written.diagnostics());
  }
  if (durability == Durability::flushed) {
    if (auto flushed = outbox_.flush(); !flushed.is_ok()) return R::fail(flushed.diagnostics());
  }
  {
    std::lock_guard lock(mutex_);
    for (const Planned& p : planned) due_[p.entry.id] = {steady_ms(), seq_++};
  }
  wake_.notify_all();
  return R::ok(std::move(result));
}

// Which version of the document this is, compared with the newest one the
// outbox knows, and whether anything needs to go out: when it does, its
// entry and newest version are appended to `planned`.
Result<Queued> Deliverer::plan_one(const OutgoingDocument& shown, const RecordFacts& facts,
                                   std::vector<Planned>& planned) {
  using R = Result<Queued>;
  // A draft and its signed version show the same; the status tells them apart.
  std::string status = doc_status(shown.kind, facts, config_.fhir);
  OutgoingDocument d = shown;
  d.content_sha256 = delivery_identity(shown.content_sha256, status);
  std::lock_guard lock(mutex_);
  auto latest = outbox_.latest(d.case_id, d.file);
  bool unchanged = latest && latest->content_sha256 == d.content_sha256;
  auto known = [&](const std::string& key) {
    std::string id = Outbox::id_for(key);
    return outbox_.was_sent(id) || due_.count(id) > 0;
  };
  Version v{idempotency_key(d), ""};
  if (unchanged)
    v = {latest->key, latest->replaces};
  else if (latest)  // a newest version that never reached the EHR (refused for good) is passed over
    v.replaces = known(latest->key) ? latest->key : latest->replaces;
  // A, then B, then A again: A's key is taken by a version the chart no longer shows
  if (latest && !unchanged && known(v.key)) v.key = returning_key(v.key, v.replaces);
  std::string id = Outbox::id_for(v.key);
  if (outbox_.was_sent(id)) return R::ok({d.file, v.key, "already delivered", ""});
  if (due_.count(id)) return R::ok({d.file, v.key, "already queued", ""});

  OutboxEntry e;
  e.key = v.key;
  e.id = id;
  e.case_id = d.case_id;
  e.file = d.file;
  e.replaces = v.replaces;
  e.created = static_cast<long long>(std::time(nullptr));
  if (config_.target == Target::fhir) {
    e.target = "fhir";
    e.url = fhir_endpoint(config_.url);
    e.content_type = "application/fhir+json";
    e.body = document_reference(shown, v, facts, config_.fhir).dump();
  } else if (config_.target == Target::hl7v2) {
    e.target = "hl7v2";
    e.url = config_.url;
    e.content_type = "x-application/hl7-v2+er7";
    e.body = mdm_t02(shown, v, facts, config_.hl7, config_.fhir);
  } else {
    e.target = "webhook";
    e.url = config_.url;
    e.content_type = "application/json";
    e.body = webhook_payload(shown, v, status).dump();
  }
  planned.push_back({std::move(e), {v.key, d.content_sha256, v.replaces}});
  return R::ok({d.file, v.key, "queued", v.replaces});
}

DeliveryStats Deliverer::stats() const {
  DeliveryStats s;
  {
    std::lock_guard lock(mutex_);
    s.pending = due_.size();
  }
  s.failed = failed_;
  s.delivered = delivered_;
  s.attempts_failed = attempts_failed_;
  return s;
}

void Deliverer::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    // the entry due first; ties in the order they were queued
    auto next = due_.end();
    for (auto it = due_.begin(); it != due_.end(); ++it)
      if (next == due_.end() || it->second.at_ms < next->second.at_ms ||
          (it->second.at_ms == next->second.at_ms && it->second.seq < next->second.seq))
        next = it;
    if (next == due_.end()) {
      wake_.wait(lock);
      continue;
    }
    long long wait = next->second.at_ms - steady_ms();
    if (wait > 0) {
      wake_.wait_for(lock, std::chrono::milliseconds(wait));
      continue;  // something may have been queued meanwhile
    }
    std::string id = next->first;
    // Still in due_ while being sent, so enqueue() sees it as queued.
    lock.unlock();
    attempt(id);
    lock.lock();
  }
}

namespace {

HttpClient& sender_client() {
  thread_local HttpClient client;  // the sender thread's, kept for connection reuse
  return client;
}

}  // namespace

HttpRequest Deliverer::request_for(const OutboxEntry& e, const std::string& method, const std::string& url) const {
  HttpRequest req;
  req.method = method;
  req.url = url;
  req.timeout_ms = config_.timeout_ms;
  req.max_response_bytes = 1 << 20;
  req.ca_file = config_.ca_file;
  req.headers = {{"Accept", e.target == "fhir" ? "application/fhir+json" : "application/json"}};
  if (!config_.bearer_token.empty()) req.headers.push_back({"Authorization", "Bearer " + config_.bearer_token});
  return req;
}

// A version goes out only after the one it replaces, so the EHR never
// receives the older one last.
bool Deliverer::waits_for_predecessor(const OutboxEntry& e) {
  if (e.replaces.empty()) return false;
  std::lock_guard lock(mutex_);
  auto before = due_.find(Outbox::id_for(e.replaces));
  if (before == due_.end()) return false;
  due_[e.id] = {before->second.at_ms + 1, seq_++};
  return true;
}

void Deliverer::record_sent(const OutboxEntry& e, const std::string& server_id, json& event) {
  auto done = outbox_.complete(e, server_id);
  std::lock_guard lock(mutex_);
  if (!done.is_ok()) {
    // Accepted but not recorded: keep it queued; the next attempt searches first.
    event["outcome"] = "accepted, not recorded";
    event["error"] = done.diagnostics().empty() ? "" : done.diagnostics()[0].message;
    due_[e.id] = {steady_ms() + config_.retry_initial_ms, seq_++};
    unsure_.insert(e.id);
    return;
  }
  due_.erase(e.id);
  unsure_.erase(e.id);
  ++delivered_;
}

Deliverer::Search Deliverer::search_before_create(OutboxEntry& e, json& event) {
  HttpRequest req = request_for(e, "GET", identifier_search_url(e.url, config_.fhir.key_system, e.key));
  HttpResponse res = sender_client().send(req, &stopping_);
  if (res.ok()) {
    SearchFinding found = read_search_bundle(res.body);
    if (found.kind == SearchFinding::Kind::found) {
      event["status"] = res.status;
      event["outcome"] = "already in the EHR";
      record_sent(e, found.id, event);
      log_(event);
      return Search::found;
    }
    if (found.kind == SearchFinding::Kind::none) {
      std::lock_guard lock(mutex_);
      unsure_.erase(e.id);
    } else {
      event["search"] = "not a Bundle";  // If-None-Exist is then the only guard
    }
    return Search::send;
  }
  if (stopping_ && res.status == 0) return Search::retry;  // cancelled: stays queued
  if (is_retryable(res.status)) {
    event["status"] = res.status;
    after_failure(e, http_failure(res), event);
    return Search::retry;
  }
  // the EHR does not offer this search: If-None-Exist is then the only guard
  event["search"] = "HTTP " + std::to_string(res.status);
  return Search::send;
}

// One attempt at one entry; reschedules, completes or gives it up.
void Deliverer::attempt(const std::string& id) {
  auto loaded = outbox_.load(id);
  if (!loaded.is_ok()) {
    outbox_.quarantine(id);
    {
      std::lock_guard lock(mutex_);
      due_.erase(id);
      unsure_.erase(id);
    }
    ++failed_;
    log_({{"event", "delivery"}, {"outcome", "unreadable"}, {"entry", id}});
    return;
  }
  OutboxEntry e = loaded.take();
  if (waits_for_predecessor(e)) return;
  bool fhir = e.target == "fhir";
  auto started = std::chrono::steady_clock::now();
  json event = {{"event", "delivery"}, {"target", e.target}, {"case_id", e.case_id}, {"file", e.file},
                {"attempt", e.attempts + 1}};
  if (!e.replaces.empty()) event["replaces"] = true;
  if (e.target == "hl7v2") {
    attempt_mllp(e, event);
    return;
  }
  auto finish_event = [&](int status) {
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    event["status"] = status;
    event["ms"] = static_cast<long long>(ms);
  };

  bool unsure;
  {
    std::lock_guard lock(mutex_);
    unsure = unsure_.count(id) > 0;
  }
  if (fhir && (unsure || e.attempts > 0)) {
    Search s = search_before_create(e, event);
    if (s != Search::send) return;
  }

  HttpRequest req = request_for(e, "POST", e.url);
  req.body = e.body;
  if (fhir && !e.replaces.empty()) req.body = with_replaced_reference(e.body, outbox_.server_id(Outbox::id_for(e.replaces)));
  req.headers.push_back({"Content-Type", e.content_type});
  req.headers.push_back({"Idempotency-Key", e.key});
  // FHIR conditional create: a server that already holds this identifier
  // answers 200 without storing a second copy.
  if (fhir) req.headers.push_back({"If-None-Exist", "identifier=" + config_.fhir.key_system + "|" + e.key});

  HttpResponse res = sender_client().send(req, &stopping_);
  finish_event(res.status);
  if (res.ok()) {
    event["outcome"] = "delivered";
    record_sent(e, fhir ? created_id(res.location, res.body) : "", event);
    log_(event);
    return;
  }
  if (stopping_ && res.status == 0) return;  // cancelled by stop(): stays queued for the next run
  after_failure(e, http_failure(res), event);
}

// HL7 v2 over MLLP: no search first (MLLP has none); the engine drops a
// repeat by MSH-10, which a resend shares with the first attempt.
void Deliverer::attempt_mllp(OutboxEntry& e, json& event) {
  auto started = std::chrono::steady_clock::now();
  long connect_ms = std::min(config_.timeout_ms, 3000L);
  MllpReply reply = mllp_exchange(e.url, e.body, connect_ms, config_.timeout_ms, &stopping_);
  event["ms"] = static_cast<long long>(
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
  if (!reply.answered) {
    if (stopping_) return;  // cancelled by stop(): stays queued for the next run
    after_failure(e, {true, reply.error, "", -1}, event);
    return;
  }
  Ack ack = read_ack(reply.message, message_control_id(e.key));
  event["ack"] = ack.code;  // MSA-1 only: the ACK's text may quote the patient
  switch (ack.kind) {
    case Ack::Kind::accepted:
      event["outcome"] = "delivered";
      record_sent(e, "", event);
      log_(event);
      return;
    case Ack::Kind::refused:
      after_failure(e, {false, "ACK " + ack.code, reply.message.substr(0, 2000), -1}, event);
      return;
    case Ack::Kind::retry:
      after_failure(e, {true, "ACK " + ack.code, "", -1}, event);
      return;
    case Ack::Kind::unreadable:
      after_failure(e, {true, ack.code.empty() ? "an answer without MSA" : "an ACK for another message", "", -1}, event);
      return;
  }
}

Deliverer::Failure Deliverer::http_failure(const HttpResponse& res) {
  return {is_retryable(res.status), res.status ? "HTTP " + std::to_string(res.status) : res.error,
          res.body.substr(0, 2000), res.retry_after_s};
}

// A failed attempt: given up for a refusal that retrying cannot change, else
// scheduled again with backoff.
void Deliverer::after_failure(OutboxEntry& e, const Failure& f, json& event) {
  ++attempts_failed_;
  e.attempts += 1;
  e.last_error = f.error;
  if (!f.error.empty() && !f.error.starts_with("HTTP ")) event["error"] = f.error;
  if (!f.retryable) {
    outbox_.give_up(e, f.excerpt);
    {
      std::lock_guard lock(mutex_);
      due_.erase(e.id);
      unsure_.erase(e.id);
    }
    ++failed_;
    event["outcome"] = "failed";
    log_(event);
    return;
  }
  long long delay = retry_delay_ms(e.attempts, config_.retry_initial_ms, config_.retry_max_ms);
  if (f.retry_after_s >= 0)  // the server's own estimate, within our bounds
    delay = std::min(std::max(delay, static_cast<long long>(f.retry_after_s) * 1000), config_.retry_max_ms);
  outbox_.put(e);  // attempts and last error, for a person reading the outbox
  {
    std::lock_guard lock(mutex_);
    due_[e.id] = {steady_ms() + delay, seq_++};
  }
  event["outcome"] = "retry";
  event["retry_in_ms"] = delay;
  log_(event);
}

}  // namespace p2p::delivery
