#include "delivery/sender_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>
#include <thread>

#include "core/child_process.h"
#include "pipeline/files.h"

namespace p2p::delivery {

using json = nlohmann::json;

namespace {

constexpr const char* kDrain = "!drain";  // '!' is never in a case id

bool is_web_address(const std::string& s) { return s.starts_with("http://") || s.starts_with("https://"); }

// "2026-11-23T12:00:00Z" -> seconds since 1970; 0 when it is not that.
long long utc_seconds(const std::string& iso) {
  std::tm tm{};
  const char* end = ::strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (!end || *end) return 0;
  return static_cast<long long>(::timegm(&tm));
}

std::string text_at(const json& o, const char* key) {
  return o.is_object() && o.contains(key) && o[key].is_string() ? o[key].get<std::string>() : std::string();
}

Result<json> read_json(const std::string& path) {
  auto text = read_file(path);
  if (!text) return Result<json>::fail({error_at("", "cannot read " + path)});
  json doc = json::parse(*text, nullptr, false);
  if (!doc.is_object()) return Result<json>::fail({error_at("", path + " is not a JSON object")});
  return Result<json>::ok(std::move(doc));
}

void write_all(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    ssize_t n = ::write(fd, s.data() + done, s.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

// The child: a Deliverer fed with case ids, one per line, until end of file.
[[noreturn]] void sender_main(int fd, const DeliveryConfig& config, const std::string& out_dir,
                              const std::function<DeliveryLog()>& make_log) {
  DeliveryLog log = make_log();
  Deliverer deliverer(config, log);
  auto waiting = deliverer.open();
  if (!waiting.is_ok()) {
    for (const Diagnostic& d : waiting.diagnostics()) log({{"event", "error"}, {"message", "outbox: " + d.message}});
    ::_exit(1);
  }
  if (waiting.value()) log({{"event", "outbox"}, {"waiting", waiting.value()}});
  deliverer.start();
  bool drain = false;
  std::string pending;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending.append(buf, static_cast<size_t>(n));
    size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      std::string id = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      if (id == kDrain) {
        drain = true;
        continue;
      }
      auto packet = installed_packet(out_dir, id);
      auto queued = packet.is_ok() ? deliverer.enqueue(packet.value().documents, packet.value().facts)
                                   : Result<std::vector<Queued>>::fail(packet.diagnostics());
      if (!queued.is_ok()) {
        std::string why = queued.diagnostics().empty() ? "" : queued.diagnostics()[0].message;
        log({{"event", "delivery"}, {"case_id", id}, {"outcome", "not queued"}, {"error", why}});
        continue;
      }
      json states = json::object();
      for (const Queued& q : queued.value()) states[q.file] = q.state;
      log({{"event", "delivery_queued"}, {"case_id", id}, {"documents", states}});
    }
  }
  if (drain) {
    // wait for a state, not a time: nothing left, or the EHR failing
    DeliveryStats before = deliverer.stats();
    for (;;) {
      DeliveryStats s = deliverer.stats();
      if (s.pending == 0 || s.attempts_failed > before.attempts_failed) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  deliverer.stop();
  ::_exit(0);
}

}  // namespace

void add_delivery_keys(SettingsReader& r, DeliverySettings& s) {
  r.text("deliver_fhir", s.deliver_fhir)
      .text("deliver_webhook", s.deliver_webhook)
      .path("deliver_token_file", s.deliver_token_file)
      .path("deliver_ca_file", s.deliver_ca_file)
      .path("outbox", s.outbox)
      .whole("retry_initial_ms", s.retry_initial_ms, "milliseconds")
      .whole("retry_max_ms", s.retry_max_ms, "milliseconds")
      .seconds("deliver_timeout", s.deliver_timeout_s)
      .text("fhir_type_code", s.fhir.type_code)
      .text("fhir_type_display", s.fhir.type_display)
      .text("fhir_type_system", s.fhir.type_system)
      .text("fhir_mrn_system", s.fhir.mrn_system)
      .text("fhir_member_system", s.fhir.member_system);
  add_hl7_keys(r, s.deliver_mllp, s.hl7);
}

void add_hl7_keys(SettingsReader& r, std::string& deliver_mllp, Hl7Options& hl7) {
  r.text("deliver_mllp", deliver_mllp)
      .text("hl7_sending_application", hl7.sending_application)
      .text("hl7_sending_facility", hl7.sending_facility)
      .text("hl7_receiving_application", hl7.receiving_application)
      .text("hl7_receiving_facility", hl7.receiving_facility)
      .text("hl7_mrn_authority", hl7.mrn_authority)
      .text("hl7_processing_id", hl7.processing_id);
}

std::string check_one_target(const std::string& fhir, const std::string& webhook, const std::string& mllp) {
  int n = !fhir.empty() + !webhook.empty() + !mllp.empty();
  return n > 1 ? "deliver to one target: deliver_fhir, deliver_webhook or deliver_mllp, not several" : "";
}

Diagnostics check_delivery_settings(const DeliverySettings& s) {
  Diagnostics d;
  auto bad = [&](const std::string& m) { d.push_back(error_at("", m)); };
  if (std::string m = check_one_target(s.deliver_fhir, s.deliver_webhook, s.deliver_mllp); !m.empty()) bad(m);
  for (const std::string* url : {&s.deliver_fhir, &s.deliver_webhook})
    if (!url->empty() && !is_web_address(*url)) bad("\"" + *url + "\" is not an http:// or https:// address");
  if (s.retry_initial_ms < 1 || s.retry_max_ms < s.retry_initial_ms)
    bad("retry_initial_ms must be at least 1 and retry_max_ms at least retry_initial_ms");
  if (!(s.deliver_timeout_s > 0)) bad("deliver_timeout must be more than 0 seconds");
  for (const std::string& m : check_fhir_settings(!s.deliver_fhir.empty(), s.fhir)) bad(m);
  for (const std::string& m : check_hl7_settings(s.deliver_mllp, s.hl7)) bad(m);
  return d;
}

Result<DeliveryConfig> delivery_config(const DeliverySettings& s, const std::string& out_dir,
                                       const std::string& templates_dir) {
  using R = Result<DeliveryConfig>;
  DeliveryConfig c;
  c.target = !s.deliver_fhir.empty() ? Target::fhir : !s.deliver_mllp.empty() ? Target::hl7v2 : Target::webhook;
  c.url = !s.deliver_fhir.empty() ? s.deliver_fhir : !s.deliver_mllp.empty() ? s.deliver_mllp : s.deliver_webhook;
  c.hl7 = s.hl7;
  if (!s.deliver_token_file.empty()) {
    auto text = read_file(s.deliver_token_file);
    if (!text) return R::fail({error_at("", "cannot read the delivery token file " + s.deliver_token_file)});
    c.bearer_token = text->substr(0, text->find_first_of("\r\n"));
  } else if (const char* env = std::getenv("P2PDOC_DELIVER_TOKEN")) {
    c.bearer_token = env;
  }
  c.ca_file = s.deliver_ca_file;
  c.outbox_dir = s.outbox.empty() ? out_dir + "/.outbox" : s.outbox;
  c.retry_initial_ms = s.retry_initial_ms;
  c.retry_max_ms = s.retry_max_ms;
  c.timeout_ms = static_cast<long>(s.deliver_timeout_s * 1000);
  c.fhir = s.fhir;
  auto types = load_document_types(templates_dir + "/knowledge/document_types.json");
  if (!types.is_ok()) return R::fail(types.diagnostics());
  c.fhir.types = types.take();
  return R::ok(std::move(c));
}

Result<InstalledPacket> installed_packet(const std::string& out_dir, const std::string& case_id) {
  using R = Result<InstalledPacket>;
  std::string dir = out_dir + "/" + case_id;
  auto manifest = read_json(dir + "/manifest.json");
  if (!manifest.is_ok()) return R::fail(manifest.diagnostics());
  auto case_doc = read_json(dir + "/case.json");
  if (!case_doc.is_ok()) return R::fail(case_doc.diagnostics());
  const json& m = manifest.value();
  long long generated = utc_seconds(text_at(m, "generated"));
  InstalledPacket p;
  p.facts = record_facts(case_doc.value());
  for (const json& d : m.value("documents", json::array())) {
    if (text_at(d, "format") != "pdf") continue;  // the notice stays out of the chart
    OutgoingDocument o;
    o.case_id = case_id;
    o.kind = text_at(d, "kind");
    o.file = text_at(d, "file");
    o.title = text_at(d, "title").empty() ? o.kind : text_at(d, "title");
    o.content_type = "application/pdf";
    auto bytes = read_file(dir + "/" + o.file);
    if (o.file.empty() || o.file.find('/') != std::string::npos || !bytes)
      return R::fail({error_at("", "cannot read " + dir + "/" + o.file)});
    o.bytes = std::move(*bytes);
    o.sha256 = sha256_hex(o.bytes);
    o.content_sha256 = text_at(d, "content_sha256").empty() ? o.sha256 : text_at(d, "content_sha256");
    o.timestamp = generated;
    p.documents.push_back(std::move(o));
  }
  return R::ok(std::move(p));
}

SenderProcess::~SenderProcess() { finish(false); }

bool SenderProcess::start(const DeliveryConfig& config, const std::string& out_dir,
                          std::function<DeliveryLog()> make_log, std::vector<int> keep_fds, std::string& why) {
  config_ = config;
  out_dir_ = out_dir;
  make_log_ = std::move(make_log);
  keep_fds_ = std::move(keep_fds);
  return spawn(why);
}

bool SenderProcess::spawn(std::string& why) {
  ForkedChild child;
  bool forked = fork_child(ChildChannel::pipe_to_child, keep_fds_, [&](int fd, pid_t parent) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // the outbox survives a kill; an orphan sender would not be stopped
    if (::getppid() != parent) ::_exit(0);
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::signal(sig, SIG_IGN);  // the parent decides when it ends
    ::signal(SIGCHLD, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    sender_main(fd, config_, out_dir_, make_log_);
  }, child, why);
  if (!forked) return false;
  pid_ = child.pid;
  fd_ = child.fd;
  return true;
}

bool SenderProcess::deliver(const std::string& case_id, std::string& why) {
  if (pid_ < 0 && !spawn(why)) return false;
  std::string line = case_id + "\n";
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      why = std::string("the delivery process is gone: ") + std::strerror(errno);
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

void SenderProcess::finish(bool drain) {
  if (fd_ >= 0) {
    if (drain) write_all(fd_, std::string(kDrain) + "\n");
    ::close(fd_);
    fd_ = -1;
  }
  if (pid_ > 0) {
    int status;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }
}

bool SenderProcess::reaped(pid_t pid) {
  if (pid <= 0 || pid != pid_) return false;
  pid_ = -1;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  return true;
}

}  // namespace p2p::delivery
