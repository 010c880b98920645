#include "delivery/delivery.h"

#include <chrono>
#include <ctime>

#include "delivery/http_client.h"
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

std::vector<OutgoingDocument> pdf_documents(const Packet& p, long long timestamp) {
  std::vector<OutgoingDocument> out;
  for (const GeneratedDocument& d : p.documents) {
    if (d.pages == 0) continue;  // a text document (the notice to the physician)
    out.push_back({p.case_id, d.kind, d.title, d.file_name, "application/pdf", sha256_hex(d.pdf), d.pdf, timestamp});
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

Deliverer::Deliverer(DeliveryConfig config, DeliveryLog log)
    : config_(std::move(config)), log_(std::move(log)), outbox_(config_.outbox_dir) {}

Deliverer::~Deliverer() { stop(); }

Result<size_t> Deliverer::open() {
  auto waiting = outbox_.open();
  if (!waiting.is_ok()) return Result<size_t>::fail(waiting.diagnostics());
  failed_ = outbox_.failed_count();
  std::lock_guard lock(mutex_);
  long long now = steady_ms();
  for (const std::string& id : waiting.value()) due_[id] = {now, seq_++};
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

Result<std::vector<Queued>> Deliverer::enqueue(const std::vector<OutgoingDocument>& docs, const PatientIds& patient) {
  using R = Result<std::vector<Queued>>;
  std::vector<Queued> result;
  for (const OutgoingDocument& d : docs) {
    OutboxEntry e;
    e.key = idempotency_key(d);
    e.id = Outbox::id_for(e.key);
    e.case_id = d.case_id;
    e.file = d.file;
    e.created = static_cast<long long>(std::time(nullptr));
    if (config_.target == Target::fhir) {
      e.target = "fhir";
      e.url = fhir_endpoint(config_.url);
      e.content_type = "application/fhir+json";
      e.body = document_reference(d, patient, config_.fhir).dump();
    } else {
      e.target = "webhook";
      e.url = config_.url;
      e.content_type = "application/json";
      e.body = webhook_payload(d).dump();
    }
    std::unique_lock lock(mutex_);
    // The same bytes of the same document: one delivery, however often the
    // case is posted.
    if (outbox_.was_sent(e.id)) {
      result.push_back({d.file, e.key, "already delivered"});
      continue;
    }
    if (due_.count(e.id)) {
      result.push_back({d.file, e.key, "already queued"});
      continue;
    }
    auto written = outbox_.put(e);
    if (!written.is_ok()) return R::fail(written.diagnostics());
    due_[e.id] = {steady_ms(), seq_++};
    result.push_back({d.file, e.key, "queued"});
  }
  wake_.notify_all();
  return R::ok(std::move(result));
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

// One attempt at one entry; reschedules, completes or gives it up.
void Deliverer::attempt(const std::string& id) {
  auto forget = [&] {
    std::lock_guard lock(mutex_);
    due_.erase(id);
  };
  auto loaded = outbox_.load(id);
  if (!loaded.is_ok()) {
    outbox_.quarantine(id);
    forget();
    ++failed_;
    log_({{"event", "delivery"}, {"outcome", "unreadable"}, {"entry", id}});
    return;
  }
  OutboxEntry e = loaded.take();
  thread_local HttpClient client;
  HttpRequest req;
  req.method = "POST";
  req.url = e.url;
  req.body = e.body;
  req.timeout_ms = config_.timeout_ms;
  req.max_response_bytes = 1 << 20;
  req.ca_file = config_.ca_file;
  req.headers = {{"Content-Type", e.content_type},
                 {"Accept", e.target == "fhir" ? "application/fhir+json" : "application/json"},
                 {"Idempotency-Key", e.key}};
  // FHIR conditional create: a server that already holds this identifier
  // answers 200 without storing a second copy.
  if (e.target == "fhir") req.headers.push_back({"If-None-Exist", "identifier=" + config_.fhir.key_system + "|" + e.key});
  if (!config_.bearer_token.empty()) req.headers.push_back({"Authorization", "Bearer " + config_.bearer_token});

  auto started = std::chrono::steady_clock::now();
  HttpResponse res = client.send(req, &stopping_);
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  json event = {{"event", "delivery"}, {"target", e.target}, {"case_id", e.case_id}, {"file", e.file},
                {"attempt", e.attempts + 1}, {"status", res.status}, {"ms", static_cast<long long>(ms)}};

  if (res.ok()) {
    auto done = outbox_.complete(e);
    if (!done.is_ok()) {
      // Accepted but not recorded: keep it queued; a repeat carries the same key.
      event["outcome"] = "accepted, not recorded";
      event["error"] = done.diagnostics().empty() ? "" : done.diagnostics()[0].message;
      std::lock_guard lock(mutex_);
      due_[id] = {steady_ms() + config_.retry_initial_ms, seq_++};
      log_(event);
      return;
    }
    forget();
    ++delivered_;
    event["outcome"] = "delivered";
    log_(event);
    return;
  }
  if (stopping_ && res.status == 0) return;  // cancelled by stop(): stays queued for the next run
  ++attempts_failed_;
  e.attempts += 1;
  e.last_error = res.status ? "HTTP " + std::to_string(res.status) : res.error;
  if (!res.error.empty()) event["error"] = res.error;
  if (!is_retryable(res.status)) {
    outbox_.give_up(e, res.body.substr(0, 2000));
    forget();
    ++failed_;
    event["outcome"] = "failed";
    log_(event);
    return;
  }
  long long delay = retry_delay_ms(e.attempts, config_.retry_initial_ms, config_.retry_max_ms);
  if (res.retry_after_s >= 0)  // the server's own estimate, within our bounds
    delay = std::min(std::max(delay, static_cast<long long>(res.retry_after_s) * 1000), config_.retry_max_ms);
  outbox_.put(e);  // attempts and last error, for a person reading the outbox
  {
    std::lock_guard lock(mutex_);
    due_[id] = {steady_ms() + delay, seq_++};
  }
  event["outcome"] = "retry";
  event["retry_in_ms"] = delay;
  log_(event);
}

}  // namespace p2p::delivery
