#include "serve/workers.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <optional>
#include <thread>

#include <nlohmann/json.hpp>


extern char** environ;

namespace p2p::serve {

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr int kWorkerFd = 3;                   // the worker's end of the socketpair
constexpr uint32_t kMaxFrame = 512u << 20;     // a packet is about 150 KB; anything near this is a bug
constexpr std::chrono::seconds kStartLimit{60};  // loading fonts and templates
constexpr int kOutOfMemory = 3;                  // a worker's exit status when an allocation failed

// ---- frames ----
// A frame is a 4-byte big-endian length, then the CBOR message's own 4-byte
// length and the message, then the attachments: the packet's PDFs, raw and
// back to back, each document's "size" in the message saying how long it
// is. PDFs used to travel inside the CBOR as byte strings, which nlohmann
// reads back one byte at a time into a growing vector: a tenth of the
// service's CPU under load (docs/performance.md, "The service: the worker's
// answer, and mimalloc").

bool write_all(int fd, const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

void put_u32(unsigned char* at, uint32_t n) {
  at[0] = static_cast<unsigned char>(n >> 24), at[1] = static_cast<unsigned char>(n >> 16);
  at[2] = static_cast<unsigned char>(n >> 8), at[3] = static_cast<unsigned char>(n);
}

uint32_t get_u32(const unsigned char* at) {
  return (uint32_t{at[0]} << 24) | (uint32_t{at[1]} << 16) | (uint32_t{at[2]} << 8) | at[3];
}

bool write_frame(int fd, const json& message, const std::vector<std::string_view>& attachments = {}) {
  std::vector<uint8_t> body = json::to_cbor(message);
  size_t total = 4 + body.size();
  for (std::string_view a : attachments) total += a.size();
  if (total > kMaxFrame) return false;
  unsigned char head[8];
  put_u32(head, static_cast<uint32_t>(total));
  put_u32(head + 4, static_cast<uint32_t>(body.size()));
  if (!write_all(fd, head, 8) || !write_all(fd, body.data(), body.size())) return false;
  for (std::string_view a : attachments)
    if (!write_all(fd, a.data(), a.size())) return false;
  return true;
}

enum class ReadEnd { ok, closed, timed_out };

// Reads exactly n bytes, waiting until `deadline` when one is given.
ReadEnd read_exact(int fd, char* p, size_t n, std::optional<Clock::time_point> deadline) {
  while (n > 0) {
    if (deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - Clock::now()).count();
      if (left <= 0) return ReadEnd::timed_out;
      pollfd pfd{fd, POLLIN, 0};
      int r = ::poll(&pfd, 1, static_cast<int>(std::min<long long>(left, 60000)));
      if (r < 0 && errno != EINTR) return ReadEnd::closed;
      if (r <= 0) continue;
    }
    ssize_t got = ::read(fd, p, n);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return ReadEnd::closed;
    p += got;
    n -= static_cast<size_t>(got);
  }
  return ReadEnd::ok;
}

// One frame read: the message, and the attachments after it as they came.
struct Frame {
  json message;
  std::string body;              // the whole frame after its length
  std::string_view attachments;  // the part of `body` after the message
};

ReadEnd read_frame(int fd, Frame& f, std::optional<Clock::time_point> deadline = std::nullopt) {
  unsigned char head[4];
  if (ReadEnd e = read_exact(fd, reinterpret_cast<char*>(head), 4, deadline); e != ReadEnd::ok) return e;
  uint32_t n = get_u32(head);
  if (n > kMaxFrame || n < 4) return ReadEnd::closed;
  f.body.assign(n, '\0');
  if (ReadEnd e = read_exact(fd, f.body.data(), n, deadline); e != ReadEnd::ok) return e;
  uint32_t message_size = get_u32(reinterpret_cast<const unsigned char*>(f.body.data()));
  if (message_size > n - 4) return ReadEnd::closed;
  f.message = json::from_cbor(f.body.begin() + 4, f.body.begin() + 4 + message_size, true, false);
  f.attachments = std::string_view(f.body).substr(4 + message_size);
  return f.message.is_discarded() ? ReadEnd::closed : ReadEnd::ok;
}

// ---- what travels ----

json diagnostics_to_json(const Diagnostics& ds) {
  json out = json::array();
  for (const Diagnostic& d : ds)
    out.push_back({{"error", d.severity == Severity::error}, {"path", d.path}, {"message", d.message}});
  return out;
}

Diagnostics diagnostics_from_json(const json& j) {
  Diagnostics out;
  if (!j.is_array()) return out;
  for (const json& d : j) {
    Diagnostic x;
    x.severity = d.value("error", true) ? Severity::error : Severity::warning;
    x.path = d.value("path", "");
    x.message = d.value("message", "");
    out.push_back(std::move(x));
  }
  return out;
}

json case_to_json(const Case& c, long long timestamp, const TriageHistory* history) {
  json j = {{"doc", c.doc},
          {"id", c.id},
          {"urgent", c.urgent},
          {"payer_id", c.payer_id},
          {"plan_type", c.plan_type},
          {"state", c.state},
          {"denial_type", c.denial_type},
          {"denial_date", {c.denial_date.year, c.denial_date.month, c.denial_date.day}},
          {"timestamp", timestamp}};
  if (history) j["history"] = {{"decided", history->decided}, {"overturned", history->overturned}, {"basis", history->basis}};
  return j;
}

std::optional<TriageHistory> history_from_json(const json& request) {
  if (!request.contains("history")) return std::nullopt;
  const json& h = request["history"];
  return TriageHistory{h.at("decided").get<int>(), h.at("overturned").get<int>(), h.at("basis").get<std::string>()};
}

Case case_from_json(json& j) {
  Case c;
  c.doc = std::move(j["doc"]);
  c.id = j.at("id").get<std::string>();
  c.urgent = j.at("urgent").get<bool>();
  c.payer_id = j.at("payer_id").get<std::string>();
  c.plan_type = j.at("plan_type").get<std::string>();
  c.state = j.at("state").get<std::string>();
  c.denial_type = j.at("denial_type").get<std::string>();
  const json& d = j.at("denial_date");
  c.denial_date = Date{d.at(0).get<int>(), d.at(1).get<int>(), d.at(2).get<int>()};
  return c;
}

// The packet as a message, and its PDFs, in document order, as attachments.
json packet_to_json(const Result<Packet>& r, std::vector<std::string_view>& attachments) {
  if (!r.is_ok()) return {{"ok", false}, {"errors", diagnostics_to_json(r.diagnostics())}};
  const Packet& p = r.value();
  json docs = json::array();
  for (const GeneratedDocument& d : p.documents) {
    attachments.push_back(d.pdf);
    docs.push_back({{"kind", d.kind},
                    {"file", d.file_name},
                    {"title", d.title},
                    {"template", {{"kind", d.template_choice.kind},
                                  {"chosen", d.template_choice.chosen},
                                  {"folder", d.template_choice.folder},
                                  {"candidates", d.template_choice.candidates}}},
                    {"size", d.pdf.size()},
                    {"pages", d.pages},
                    {"body_size", d.body_size},
                    {"items_cut", d.items_cut},
                    {"content_sha256", d.content_sha256}});
  }
  return {{"ok", true}, {"case_id", p.case_id}, {"documents", docs}, {"warnings", diagnostics_to_json(p.warnings)},
          {"case_json", p.case_json}, {"triage", p.triage}};
}

Result<Packet> packet_from_json(const json& j, std::string_view attachments) {
  if (!j.value("ok", false)) return Result<Packet>::fail(diagnostics_from_json(j.value("errors", json::array())));
  Packet p;
  p.case_id = j.at("case_id").get<std::string>();
  for (const json& d : j.at("documents")) {
    GeneratedDocument g;
    g.kind = d.at("kind").get<std::string>();
    g.file_name = d.at("file").get<std::string>();
    g.title = d.at("title").get<std::string>();
    const json& t = d.at("template");
    g.template_choice.kind = t.at("kind").get<std::string>();
    g.template_choice.chosen = t.at("chosen").get<std::string>();
    g.template_choice.folder = t.at("folder").get<std::string>();
    g.template_choice.candidates = t.at("candidates").get<std::vector<std::string>>();
    size_t size = d.at("size").get<size_t>();
    if (size > attachments.size()) throw std::out_of_range("a document is longer than the frame");
    g.pdf.assign(attachments.substr(0, size));
    attachments.remove_prefix(size);
    g.pages = d.at("pages").get<int>();
    g.body_size = d.at("body_size").get<double>();
    g.items_cut = d.at("items_cut").get<int>();
    g.content_sha256 = d.at("content_sha256").get<std::string>();
    p.documents.push_back(std::move(g));
  }
  p.warnings = diagnostics_from_json(j.value("warnings", json::array()));
  p.case_json = j.value("case_json", "");
  p.triage = j.value("triage", json());
  return Result<Packet>::ok(std::move(p));
}

std::string describe_exit(int status) {
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    const char* name = sigabbrev_np(sig);
    return "the worker was killed by signal " + std::to_string(sig) + (name ? std::string(" (SIG") + name + ")" : "");
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == kOutOfMemory) return "the worker ran out of memory (worker_memory)";
  if (WIFEXITED(status)) return "the worker exited with status " + std::to_string(WEXITSTATUS(status));
  return "the worker stopped";
}

bool address_sanitized() {
#if defined(__SANITIZE_ADDRESS__)
  return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  return true;
#else
  return false;
#endif
#else
  return false;
#endif
}

// ---- test faults ----
// With P2PDOC_TEST_WORKER_FAULTS=1 in the service's environment, a case whose
// id names a fault makes the worker fail that way, so the end-to-end tests
// can prove containment without a real pipeline bug. Off by default.
void inject_fault(const std::string& case_id) {
  if (case_id == "fault-abort") std::abort();
  if (case_id == "fault-hang")
    for (;;) ::pause();
  if (case_id == "fault-memory") {
    // without the address-space cap (AddressSanitizer) the hog would take
    // the machine's memory: fail the way the cap would make it fail
    if (address_sanitized()) throw std::bad_alloc();
    std::vector<std::vector<char>> hog;
    for (;;) hog.emplace_back(size_t{64} << 20, 'x');
  }
}

}  // namespace

// ---- the parent's side ----

WorkerPool::WorkerPool(std::string program, std::string root, std::string site_templates, int size,
                       WorkerLimits limits, bool pdfa)
    : program_(std::move(program)), root_(std::move(root)), site_templates_(std::move(site_templates)), size_(size),
      pdfa_(pdfa), limits_(limits) {}

WorkerPool::~WorkerPool() {
  std::lock_guard lock(mutex_);
  for (Child& c : idle_) discard(c);
  idle_.clear();
}

Result<bool> WorkerPool::start() {
  for (int i = 0; i < size_; ++i) {
    auto child = spawn();
    if (!child.is_ok()) return Result<bool>::fail(child.diagnostics());
    std::lock_guard lock(mutex_);
    idle_.push_back(child.value());
  }
  return Result<bool>::ok(true);
}

long long WorkerPool::replaced() const {
  std::lock_guard lock(mutex_);
  return replaced_;
}

Result<WorkerPool::Child> WorkerPool::spawn() {
  using R = Result<Child>;
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    return R::fail({error_at("", std::string("cannot create a worker socket: ") + std::strerror(errno))});
  if (sv[1] == kWorkerFd) {  // dup2 onto itself would keep close-on-exec
    int moved = ::fcntl(sv[1], F_DUPFD_CLOEXEC, kWorkerFd + 1);
    ::close(sv[1]);
    sv[1] = moved;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, sv[1], kWorkerFd);
  // httplib accepts connections without close-on-exec: a worker holding a
  // client's socket would keep that connection open after we close it
  posix_spawn_file_actions_addclosefrom_np(&fa, kWorkerFd + 1);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int s : {SIGINT, SIGTERM, SIGPIPE, SIGHUP}) sigaddset(&defaults, s);
  posix_spawnattr_setsigmask(&attr, &none);  // the service blocks SIGINT/SIGTERM in every thread
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::string memory_mb = std::to_string(limits_.memory_bytes >> 20);
  std::vector<std::string> args = {"p2pdoc", "serve-worker", "--root", root_, "--site-templates", site_templates_,
                                   "--memory-mb", memory_mb};
  if (pdfa_) args.push_back("--pdfa");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  int err = ::posix_spawn(&pid, program_.c_str(), &fa, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  ::close(sv[1]);
  if (err != 0) {
    ::close(sv[0]);
    return R::fail({error_at("", "cannot start a generation worker (" + program_ + "): " + std::strerror(err))});
  }
  Child c{pid, sv[0]};
  Frame frame;
  const json& ready = frame.message;
  ReadEnd end = ReadEnd::closed;
  try {
    end = read_frame(c.fd, frame, Clock::now() + kStartLimit);
  } catch (const std::exception&) {
  }
  if (end != ReadEnd::ok || !ready.value("ready", false)) {
    std::string why = ready.is_object() ? ready.value("error", "") : "";
    discard(c);
    return R::fail({error_at("", "a generation worker did not start" + (why.empty() ? "" : ": " + why))});
  }
  return R::ok(c);
}

void WorkerPool::discard(Child& c) {
  if (c.fd >= 0) ::close(c.fd);
  if (c.pid > 0) {
    ::kill(c.pid, SIGKILL);
    while (::waitpid(c.pid, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  c = Child{};
}

WorkerOutcome WorkerPool::generate(const Case& c, long long timestamp, const TriageHistory* history) {
  WorkerOutcome out;
  json request = case_to_json(c, timestamp, history);
  Child w;
  // A worker that died while idle (killed by an operator, say) fails the
  // write; the request then gets a fresh one instead of a 500.
  for (int attempt = 0; attempt < 2 && w.pid < 0; ++attempt) {
    {
      std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        w = idle_.back();
        idle_.pop_back();
      }
    }
    if (w.pid < 0) {
      auto fresh = spawn();
      if (!fresh.is_ok()) {
        out.detail = fresh.diagnostics().front().message;
        return out;
      }
      w = fresh.value();
    }
    if (!write_frame(w.fd, request)) discard(w);
  }
  if (w.pid < 0) {
    out.detail = "cannot send the case to a generation worker";
    return out;
  }

  Frame answer;
  ReadEnd end = ReadEnd::closed;
  try {
    end = read_frame(w.fd, answer, Clock::now() + limits_.time);
  } catch (const std::exception&) {
  }
  if (end == ReadEnd::ok) {
    try {
      out.packet = packet_from_json(answer.message, answer.attachments);
      out.kind = out.packet.is_ok() ? WorkerOutcome::Kind::generated : WorkerOutcome::Kind::failed;
      std::lock_guard lock(mutex_);
      idle_.push_back(w);
      return out;
    } catch (const std::exception& e) {
      out.detail = std::string("the worker's answer is malformed: ") + e.what();
    }
  }
  if (end == ReadEnd::timed_out) {
    out.kind = WorkerOutcome::Kind::timed_out;
    out.detail = "generation ran past the limit of " + std::to_string(limits_.time.count()) + " ms; worker killed";
    ::kill(w.pid, SIGKILL);
  }
  int status = 0;
  ::close(w.fd);
  if (end == ReadEnd::closed) {
    // it closed the socket because it died; give it a moment, then make sure
    for (int i = 0; i < 100 && ::waitpid(w.pid, &status, WNOHANG) == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (::kill(w.pid, 0) == 0) ::kill(w.pid, SIGKILL);
  }
  while (::waitpid(w.pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (end == ReadEnd::closed && out.detail.empty()) out.detail = describe_exit(status);
  {
    std::lock_guard lock(mutex_);
    ++replaced_;
  }
  if (auto fresh = spawn(); fresh.is_ok()) {
    std::lock_guard lock(mutex_);
    idle_.push_back(fresh.value());
  }
  return out;
}

// ---- the worker's side ----

int run_generation_worker(const Resources& res, size_t memory_bytes) {
  ::signal(SIGINT, SIG_IGN);  // Ctrl-C reaches the whole process group; the service decides
  bool faults = std::getenv("P2PDOC_TEST_WORKER_FAULTS") && std::string(std::getenv("P2PDOC_TEST_WORKER_FAULTS")) == "1";
  // AddressSanitizer reserves terabytes of shadow memory: no cap under it
  if (memory_bytes > 0 && !address_sanitized()) {
    rlimit cap{memory_bytes, memory_bytes};
    if (::setrlimit(RLIMIT_AS, &cap) != 0) {
      write_frame(kWorkerFd, {{"ready", false}, {"error", "cannot set the memory limit"}});
      return 1;
    }
  }
  if (!write_frame(kWorkerFd, {{"ready", true}})) return 1;
  for (;;) {
    Frame frame;
    if (read_frame(kWorkerFd, frame) != ReadEnd::ok) return 0;  // the service closed the socket
    json& request = frame.message;
    try {
      std::optional<TriageHistory> history = history_from_json(request);
      Case c = case_from_json(request);
      if (faults) inject_fault(c.id);
      Result<Packet> packet =
          generate_packet(c, res, Env::at(request.at("timestamp").get<long long>()), history ? &*history : nullptr);
      std::vector<std::string_view> pdfs;
      json answer = packet_to_json(packet, pdfs);
      if (!write_frame(kWorkerFd, answer, pdfs)) return 1;
    } catch (const std::bad_alloc&) {
      return kOutOfMemory;  // over the memory limit: the service sees the exit and replaces us
    } catch (const std::exception& e) {
      if (!write_frame(kWorkerFd, {{"ok", false}, {"errors", json::array({{{"error", true}, {"path", ""},
                                                                            {"message", e.what()}}})}}))
        return 1;
    }
  }
}

}  // namespace p2p::serve
