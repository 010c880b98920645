// The watcher's event loop: one thread, one poll(2) over the signalfd, the
// inotify descriptor and the workers' sockets. It alone claims, dispatches and
// moves files; workers only generate packets (or record filled forms). Order
// of work: files left in working/ by an earlier run, then files found in the
// inbox and its outcomes/ (oldest first), then files announced by inotify or
// found by the periodic rescan.
#include "watch/watch.h"

#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cstdlib>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "ledger/packet_events.h"
#include "pipeline/files.h"
#include "watch/inbox.h"
#include "watch/job.h"
#include "watch/log.h"
#include "watch/names.h"
#include "watch/pool.h"

namespace p2p::watch {

namespace {

using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;
using nlohmann::json;
using nlohmann::ordered_json;

int usable_cpus() {
  cpu_set_t set;
  if (::sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

double millis_between(Clock::time_point a, Clock::time_point b) {
  return std::round(std::chrono::duration<double, std::milli>(b - a).count() * 10) / 10;
}

long long wall_millis_since(const timespec& t) {
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  return (now.tv_sec - t.tv_sec) * 1000LL + (now.tv_nsec - t.tv_nsec) / 1000000;
}

bool same_time(const timespec& a, const timespec& b) { return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec; }

std::string signal_name(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

// A file seen in the inbox, not yet claimed.
struct Candidate {
  bool announced = false;     // close-write or moved-to: its writer is done
  bool observed = false;      // size and mtime below are from a stat
  long long size = 0;
  timespec mtime{};
  Clock::time_point observed_at;  // when that size and mtime were first seen
  Clock::time_point not_before;   // do not look again before this
  bool blocked = false;       // the same name is still in working/
};

enum class Readiness { ready, wait, drop };

// Where a finished input went, as the log says it: "done/x.json", "outcomes/failed/x.pdf".
std::string moved_to(const std::string& name, bool ok, const std::string& final_name) {
  std::string folder = is_form_job(name) ? std::string(kOutcomesFolder) + "/" : std::string();
  return folder + (ok ? "done/" : "failed/") + final_name;
}

// A finished case whose input could not be moved out of working/ (a full
// disk, an I/O error). The move is tried again, with a growing pause, until
// it works: space coming back is enough, no restart needed.
struct ParkedMove {
  bool ok = false;               // to done/ (else to failed/ with `error`)
  ordered_json error;            // the error file's content
  std::string case_id;
  int attempts = 1;
  Clock::time_point next;
};

class Watcher {
 public:
  Watcher(const WatchConfig& c, Resources res) : cfg_(c), res_(std::make_unique<Resources>(std::move(res))) {
    if (cfg_.workers == 0) cfg_.workers = usable_cpus();
    quiet_ = Millis(cfg_.quiet_period_ms);
  }
  ~Watcher();

  int run();

 private:
  bool setup();
  void loop();
  void shutdown();

  // sources of work
  void rescan();
  void recover_working();
  void add_candidate(const std::string& name, bool announced, const InboxEntry* seen);
  Readiness check_ready(const std::string& name, Candidate& c, Clock::time_point now);
  std::string next_job();
  void dispatch();

  // workers
  bool spawn(Worker& w);
  bool open_ledger_and_recover();
  bool start_delivery();
  void deliver(const std::string& case_id);
  void respawn_due();
  void read_worker(Worker& w);
  void reap();
  void enforce_timeouts();
  void finish(const std::string& name, JobResult r, double ms, const std::string& detail = "");
  MoveResult move_out(const std::string& name, const ParkedMove& how);
  void park(const std::string& name, ParkedMove how, const MoveResult& m, ordered_json& line);
  void retry_parked();
  void release(const std::string& name);
  void retry_after_crash(const std::string& name, int sig);

  // signals and events
  void handle_signals();
  void handle_inotify();
  void reload();

  int busy_count() const;
  bool all_idle() const;
  Clock::time_point next_wakeup(Clock::time_point now) const;
  void draw_progress(bool force);

  WatchConfig cfg_;
  std::unique_ptr<Resources> res_;
  Millis quiet_{1000};
  Inbox inbox_;
  Log log_;
  int lock_fd_ = -1, signal_fd_ = -1, inotify_fd_ = -1;
  int outcomes_wd_ = -1;  // inotify's watch on INBOX/outcomes/ (filled forms)
  std::vector<Worker> workers_;
  Serve serve_;
  std::string ledger_location_;            // "" = no ledger
  std::unique_ptr<Ledger> worker_ledger_;  // a worker's own connection, opened in the worker
  delivery::SenderProcess sender_;         // delivery, when configured: forked before the workers

  std::deque<std::string> queued_;                      // claimed, in working/, waiting for a worker
  std::list<std::string> order_;                        // candidates in arrival order
  std::unordered_map<std::string, Candidate> candidates_;
  std::unordered_map<std::string, int> crashes_;        // worker crashes per claimed name
  std::unordered_map<std::string, ParkedMove> parked_;  // finished, input still in working/

  Clock::time_point started_, next_rescan_, last_progress_;
  // when the first waiting candidate may be ready: set by next_job's full
  // pass, so the loop need not walk a large backlog to know when to wake
  Clock::time_point candidate_wake_ = Clock::time_point::max();
  bool stopping_ = false, progress_ = false;
  int exit_code_ = 0;
  long ok_ = 0, invalid_ = 0, errors_ = 0;  // errors_: error, timeout, crash
};

Watcher::~Watcher() {
  for (Worker& w : workers_) close_worker(w);
  for (int fd : {signal_fd_, inotify_fd_, lock_fd_})
    if (fd >= 0) ::close(fd);
}

// ---------------------------------------------------------------- setup

bool Watcher::setup() {
  started_ = Clock::now();
  // outputs 0640, folders 0750 (issue 4); a stricter umask is kept
  mode_t old = ::umask(0);
  ::umask(old | 027);
  ::signal(SIGPIPE, SIG_IGN);
  // a writer opening a file while we hold a read lease (Inbox::writers)
  // would send SIGIO, whose default action ends the process
  ::signal(SIGIO, SIG_IGN);

  std::string why;
  if (!log_.open(cfg_.log, why)) {
    std::fprintf(stderr, "watch: cannot open the log file %s\n", why.c_str());
    return false;
  }
  auto fail = [&](const Diagnostics& ds) {
    for (const Diagnostic& d : ds) log_.line({{"event", "error"}, {"message", d.message}});
    return false;
  };
  auto opened = Inbox::open(cfg_.inbox);
  if (!opened.is_ok()) return fail(opened.diagnostics());
  inbox_ = opened.take();
  auto out = make_folders(cfg_.out);
  if (!out.is_ok()) return fail(out.diagnostics());

  lock_fd_ = inbox_.lock(3);
  if (lock_fd_ < 0)
    return fail({error_at("", "another watcher holds " + cfg_.inbox + "/.p2pdoc-watch.lock (or it cannot be opened)")});

  if (!open_ledger_and_recover()) return false;

  // leftovers of a crash: only our own kinds of names, only of dead processes
  int staging = remove_stale_staging(cfg_.out);
  int temporaries = inbox_.remove_stale_temporaries();

  if (!start_delivery()) return false;

  sigset_t mask;
  sigemptyset(&mask);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGCHLD}) sigaddset(&mask, sig);
  ::sigprocmask(SIG_BLOCK, &mask, nullptr);
  signal_fd_ = ::signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  if (signal_fd_ < 0) return fail({error_at("", std::string("signalfd: ") + std::strerror(errno))});

  // With P2PDOC_TEST_WORKER_FAULTS=1, a file whose name holds "fault-hang"
  // hangs its worker, so the tests can prove the time limit and crash
  // handling now that no valid case is slow (issue 8 bounded the work).
  static const bool test_faults =
      std::getenv("P2PDOC_TEST_WORKER_FAULTS") && std::string(std::getenv("P2PDOC_TEST_WORKER_FAULTS")) == "1";
  serve_ = [this](const json& request) {
    std::string name = request.at("file").get<std::string>();
    if (test_faults && name.find("fault-hang") != std::string::npos)
      for (;;) ::pause();
    if (!ledger_location_.empty() && !worker_ledger_) {
      auto opened = open_ledger(ledger_location_);
      if (!opened.is_ok()) {
        JobResult r;
        r.outcome = Outcome::error;
        r.diagnostics = opened.diagnostics();
        return to_json(r);
      }
      worker_ledger_ = opened.take();
    }
    if (is_form_job(name))
      return to_json(process_form_file(inbox_.working_path(name), *res_, cfg_.out, cfg_.max_bytes, worker_ledger_.get()));
    if (is_fhir_file_name(name))
      return to_json(process_fhir_file(inbox_.working_path(name), *res_, cfg_.out, cfg_.max_bytes, worker_ledger_.get()));
    return to_json(process_case_file(inbox_.working_path(name), *res_, cfg_.out, cfg_.max_bytes, cfg_.strict, worker_ledger_.get(),
                                     ledger_location_));
  };
  workers_.resize(static_cast<size_t>(cfg_.workers));
  for (Worker& w : workers_)
    if (!spawn(w)) return fail({error_at("", "cannot start a worker process")});

  if (!cfg_.once) {
    // watch before the first scan, so a file arriving in between is not missed
    inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    const uint32_t mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
    std::string outcomes = cfg_.inbox + "/" + std::string(kOutcomesFolder);
    if (inotify_fd_ < 0 || ::inotify_add_watch(inotify_fd_, cfg_.inbox.c_str(), mask) < 0)
      return fail({error_at("", "cannot watch " + cfg_.inbox + " (inotify): " + std::strerror(errno))});
    outcomes_wd_ = ::inotify_add_watch(inotify_fd_, outcomes.c_str(), mask);
    if (outcomes_wd_ < 0)
      return fail({error_at("", "cannot watch " + outcomes + " (inotify): " + std::strerror(errno))});
  }

  ordered_json start = {{"event", "start"},
                        {"pid", ::getpid()},
                        {"inbox", cfg_.inbox},
                        {"out", cfg_.out},
                        {"workers", cfg_.workers},
                        {"once", cfg_.once},
                        {"timeout_s", cfg_.timeout_s},
                        {"quiet_period_ms", cfg_.quiet_period_ms}};
  if (staging || temporaries) start["removed_leftovers"] = staging + temporaries;
  log_.line(start);

  recover_working();
  rescan();
  progress_ = cfg_.once && ::isatty(2);
  return true;
}

// The watcher checks the ledger once before any worker starts (a ledger
// that cannot be opened stops it here, with the reason in the log) and
// records the packets an earlier run wrote but did not record (a kill
// between the packet and its event). The connection is closed before the
// fork: each worker opens its own.
bool Watcher::open_ledger_and_recover() {
  if (cfg_.no_ledger) return true;
  ledger_location_ = cfg_.ledger.empty() ? default_ledger_location(cfg_.out) : cfg_.ledger;
  auto opened = open_ledger(ledger_location_);
  if (!opened.is_ok()) {
    for (const Diagnostic& d : opened.diagnostics()) log_.line({{"event", "error"}, {"message", d.message}});
    return false;
  }
  auto recovered = recover_packets(*opened.value(), cfg_.out, "watch");
  if (!recovered.is_ok()) {
    for (const Diagnostic& d : recovered.diagnostics()) log_.line({{"event", "error"}, {"message", d.message}});
    return false;
  }
  if (recovered.value().recorded)
    log_.line({{"event", "ledger_recovered"}, {"packets", recovered.value().recorded},
               {"without_row", recovered.value().without_row}});
  return true;
}

// Delivery runs in a process of its own (delivery/sender_process.h): the
// watcher forks its workers and must stay single-threaded.
bool Watcher::start_delivery() {
  if (!cfg_.delivery.on()) return true;
  auto config = delivery::delivery_config(cfg_.delivery, cfg_.out, res_->templates_dir);
  if (!config.is_ok()) {
    for (const Diagnostic& d : config.diagnostics()) log_.line({{"event", "error"}, {"message", d.message}});
    return false;
  }
  std::string log_path = cfg_.log, why;
  auto make_log = [log_path]() -> delivery::DeliveryLog {
    auto log = std::make_shared<Log>();
    auto lock = std::make_shared<std::mutex>();
    std::string ignored;
    log->open(log_path, ignored);
    return [log, lock](const json& e) {
      std::lock_guard hold(*lock);
      log->line(ordered_json::parse(e.dump()));
    };
  };
  if (!sender_.start(config.value(), cfg_.out, make_log, {lock_fd_}, why)) {
    log_.line({{"event", "error"}, {"message", "cannot start the delivery process: " + why}});
    return false;
  }
  return true;
}

void Watcher::deliver(const std::string& case_id) {
  if (!cfg_.delivery.on() || case_id.empty()) return;
  std::string why;
  if (!sender_.deliver(case_id, why))
    log_.line({{"event", "error"}, {"case_id", case_id}, {"message", "not queued for delivery: " + why}});
}

bool Watcher::spawn(Worker& w) {
  std::string why;
  if (spawn_worker(w, serve_, lock_fd_, why)) return true;
  log_.line({{"event", "error"}, {"message", "cannot start a worker: " + why}});
  w = Worker{};
  w.respawn_at = Clock::now() + std::chrono::seconds(1);
  return false;
}

void Watcher::recover_working() {
  auto found = inbox_.scan_working();
  if (!found.is_ok()) {
    for (const Diagnostic& d : found.diagnostics()) log_.line({{"event", "error"}, {"message", d.message}});
    return;
  }
  for (const InboxEntry& e : found.value()) {
    queued_.push_back(e.name);
    if (int n = inbox_.crashes(e.name)) crashes_[e.name] = n;
  }
  if (!found.value().empty()) log_.line({{"event", "recovered"}, {"files", found.value().size()}});
}

// ---------------------------------------------------------------- candidates

void Watcher::rescan() {
  next_rescan_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(cfg_.rescan_s));
  auto found = inbox_.scan_inbox();
  if (!found.is_ok()) {
    for (const Diagnostic& d : found.diagnostics()) log_.line({{"event", "error"}, {"message", d.message}});
    return;
  }
  std::unordered_map<std::string, const InboxEntry*> seen;
  for (const InboxEntry& e : found.value()) seen[e.name] = &e;
  // forget names that went away; give blocked ones another try
  for (auto it = order_.begin(); it != order_.end();) {
    if (!seen.count(*it)) {
      candidates_.erase(*it);
      it = order_.erase(it);
    } else {
      candidates_[*it].blocked = false;
      ++it;
    }
  }
  for (const InboxEntry& e : found.value()) add_candidate(e.name, false, &e);
}

void Watcher::add_candidate(const std::string& name, bool announced, const InboxEntry* seen) {
  auto [it, fresh] = candidates_.try_emplace(name);
  Candidate& c = it->second;
  if (fresh) {
    order_.push_back(name);
    if (seen) {
      c.observed = true;
      c.size = seen->size;
      c.mtime = seen->mtime;
      c.observed_at = Clock::now();
    }
  }
  if (announced) {
    c.announced = true;
    c.blocked = false;
    c.not_before = Clock::now();
  }
}

// Whether a candidate may be claimed now. Announced files (close-write,
// moved-to) are done by definition; a file found by scanning must have kept
// its size and mtime for the quiet period (or carry an mtime that old). In
// both cases no writer may still hold it open, when the kernel can tell us.
Readiness Watcher::check_ready(const std::string& name, Candidate& c, Clock::time_point now) {
  struct stat st {};
  if (::lstat(inbox_.inbox_path(name).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return Readiness::drop;
  if (!c.announced) {
    bool changed = c.observed && (st.st_size != c.size || !same_time(st.st_mtim, c.mtime));
    if (!c.observed || changed) {
      c.observed = true;
      c.size = st.st_size;
      c.mtime = st.st_mtim;
      c.observed_at = now;
    }
    auto stable = std::chrono::duration_cast<Millis>(now - c.observed_at);
    Millis age(wall_millis_since(st.st_mtim));
    if (stable < quiet_ && (changed || age < quiet_)) {
      Millis wait = quiet_ - stable;
      if (!changed && age >= Millis(0)) wait = std::min(wait, quiet_ - age);
      c.not_before = now + std::max(wait, Millis(1));
      return Readiness::wait;
    }
  }
  if (inbox_.writers(name) == Writers::some) {
    c.announced = false;  // the writer is back: wait for its next close
    c.not_before = now + std::max(quiet_, Millis(100));
    return Readiness::wait;
  }
  return Readiness::ready;
}

// The next claimed file for a worker: a recovered or retried one first, then
// the oldest ready candidate, claimed now. "" when there is none.
std::string Watcher::next_job() {
  if (!queued_.empty()) {
    std::string name = queued_.front();
    queued_.pop_front();
    return name;
  }
  auto now = Clock::now();
  candidate_wake_ = Clock::time_point::max();
  for (auto it = order_.begin(); it != order_.end();) {
    Candidate& c = candidates_[*it];
    if (c.blocked) {
      ++it;
      continue;
    }
    Readiness r = c.not_before > now ? Readiness::wait : check_ready(*it, c, now);
    if (r == Readiness::wait) {
      candidate_wake_ = std::min(candidate_wake_, c.not_before);
      ++it;
      continue;
    }
    std::string name = *it;
    if (r == Readiness::drop) {
      candidates_.erase(name);
      it = order_.erase(it);
      continue;
    }
    switch (inbox_.claim(name)) {
      case Claim::claimed:
        candidates_.erase(name);
        order_.erase(it);
        return name;
      case Claim::busy:  // an earlier file of this name is still in working/
        c.blocked = true;
        ++it;
        break;
      case Claim::gone:
        candidates_.erase(name);
        it = order_.erase(it);
        break;
      case Claim::failed:
        log_.line({{"event", "error"}, {"file", name}, {"message", std::string("cannot claim: ") + std::strerror(errno)}});
        c.not_before = now + std::chrono::seconds(5);
        candidate_wake_ = std::min(candidate_wake_, c.not_before);
        ++it;
        break;
    }
  }
  return "";
}

void Watcher::dispatch() {
  if (stopping_) return;
  for (Worker& w : workers_) {
    if (w.pid < 0 || w.busy() || w.retire) continue;
    std::string name = next_job();
    if (name.empty()) return;
    w.job = name;
    w.started = Clock::now();
    w.timed_out = false;
    if (!send_request(w, {{"file", name}})) {  // the worker died; its reaping respawns it
      w.job.clear();
      queued_.push_front(name);
    }
  }
}

// ---------------------------------------------------------------- workers

void Watcher::read_worker(Worker& w) {
  std::vector<json> answers;
  bool open = read_answers(w, answers);
  for (const json& a : answers) {
    if (!w.busy()) continue;
    std::string name = w.job;
    w.job.clear();
    finish(name, job_result_from_json(a), millis_between(w.started, Clock::now()));
  }
  if (!open) close_worker(w);  // it is exiting; reap() replaces it
  if (w.retire && !w.busy()) close_worker(w);
}

void Watcher::reap() {
  int status = 0;
  pid_t pid;
  while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
    if (sender_.reaped(pid)) {
      log_.line({{"event", "error"}, {"message", "the delivery process ended; the next packet starts another "
                                                  "(what it had queued waits in the outbox)"}});
      continue;
    }
    auto it = std::find_if(workers_.begin(), workers_.end(), [&](const Worker& w) { return w.pid == pid; });
    if (it == workers_.end()) continue;
    Worker& w = *it;
    read_worker(w);  // an answer sent just before the end still counts
    if (w.busy()) {
      std::string name = w.job;
      double ms = millis_between(w.started, Clock::now());
      if (w.timed_out) {
        JobResult r;
        r.outcome = Outcome::timeout;
        char limit[32];
        std::snprintf(limit, sizeof limit, "%g", cfg_.timeout_s);
        r.diagnostics.push_back(error_at("", std::string("generating this case took longer than the ") + limit +
                                                 " s time limit (timeout); the worker was stopped"));
        finish(name, r, ms);
      } else {
        int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
        retry_after_crash(name, sig ? sig : -WEXITSTATUS(status));
      }
    }
    close_worker(w);
    // a worker killed inside write_packet leaves its staging folder behind
    if (WIFSIGNALED(status)) remove_stale_staging(cfg_.out);
    bool died_young = Clock::now() - w.spawned < std::chrono::seconds(1) && !w.retire && !w.timed_out;
    w = Worker{};
    if (!stopping_) {
      w.respawn_at = Clock::now() + (died_young ? std::chrono::seconds(1) : Clock::duration(0));
      respawn_due();
    }
  }
}

void Watcher::respawn_due() {
  if (stopping_) return;
  auto now = Clock::now();
  for (Worker& w : workers_)
    if (w.pid < 0 && w.respawn_at <= now) spawn(w);
}

void Watcher::enforce_timeouts() {
  auto now = Clock::now();
  auto limit = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(cfg_.timeout_s));
  for (Worker& w : workers_)
    if (w.busy() && !w.timed_out && now - w.started >= limit) {
      w.timed_out = true;
      ::kill(w.pid, SIGKILL);  // reap() moves the case to failed/ and starts a new worker
    }
}

// A worker died on `name` (signal, or -exit status). Tried again until
// max_crashes, then failed: a poisonous case must not loop forever.
void Watcher::retry_after_crash(const std::string& name, int sig) {
  int n = ++crashes_[name];
  std::string how = sig > 0 ? signal_name(sig) : "exit status " + std::to_string(-sig);
  if (n < cfg_.max_crashes) {
    inbox_.record_crashes(name, n);
    queued_.push_back(name);
    log_.line({{"file", name}, {"outcome", "crash"}, {"worker_end", how}, {"crashes", n}, {"retry", true}});
    return;
  }
  JobResult r;
  r.outcome = Outcome::crash;
  r.diagnostics.push_back(error_at("", "the worker process ended abnormally on this case " + std::to_string(n) +
                                           " times (last: " + how + "); it is not tried again"));
  finish(name, r, 0, how);
}

// The end of a case: its input goes to done/ or failed/ (never before its
// packet is installed: write_packet returned), and one log line says how.
void Watcher::finish(const std::string& name, JobResult r, double ms, const std::string& detail) {
  if (crashes_.count(name)) {
    // forget the count before the move: a crash in between only resets it
    inbox_.clear_crashes(name);
    crashes_.erase(name);
  }
  ParkedMove how;
  how.ok = r.outcome == Outcome::ok;
  how.case_id = r.case_id;
  if (how.ok) {
    ++ok_;
  } else {
    how.error = {{"file", name},
                 {"case_id", r.case_id.empty() ? json(nullptr) : json(r.case_id)},
                 {"outcome", to_string(r.outcome)},
                 {"failed_at", utc_timestamp()},
                 {"diagnostics", diagnostics_json(r.diagnostics)}};
    if (r.outcome == Outcome::invalid)
      ++invalid_;
    else
      ++errors_;
  }
  if (how.ok) deliver(r.case_id);  // the packet is installed: queue it before the input moves
  MoveResult moved = move_out(name, how);
  ordered_json line = {{"case_id", r.case_id.empty() ? json(nullptr) : json(r.case_id)},
                       {"file", name},
                       {"outcome", to_string(r.outcome)},
                       {"documents", r.documents},
                       {"ms", ms}};
  if (!detail.empty()) line["worker_end"] = detail;
  if (r.already_recorded) line["already_recorded"] = true;
  if (!r.decision.empty()) line["decision"] = r.decision;  // a PAS response: draft or not a denial
  if (moved.moved()) {
    line["moved_to"] = moved_to(name, how.ok, moved.final_name);
  } else if (moved.status == MoveResult::Status::gone) {
    // someone else removed the claimed file: nothing to move, nothing written
    line["input_gone"] = "working/" + name + " was removed by another process; nothing was moved";
  } else {
    park(name, std::move(how), moved, line);
  }
  log_.line(line);
  if (moved.moved() || moved.status == MoveResult::Status::gone) release(name);
  draw_progress(false);
}

MoveResult Watcher::move_out(const std::string& name, const ParkedMove& how) {
  return how.ok ? inbox_.finish_done(name) : inbox_.finish_failed(name, how.error);
}

// Keeps a move that failed for another try, 1 s later, doubling up to 10 s.
void Watcher::park(const std::string& name, ParkedMove how, const MoveResult& m, ordered_json& line) {
  auto pause = std::chrono::seconds(std::min(10, 1 << std::min(how.attempts - 1, 4)));
  how.next = Clock::now() + pause;
  line["move_error"] = m.error;
  line["retry_in_s"] = pause.count();
  parked_[name] = std::move(how);
}

void Watcher::retry_parked() {
  auto now = Clock::now();
  std::vector<std::string> due;
  for (const auto& [name, how] : parked_)
    if (how.next <= now) due.push_back(name);
  for (const std::string& name : due) {
    ParkedMove how = std::move(parked_[name]);
    parked_.erase(name);
    MoveResult moved = move_out(name, how);
    ordered_json line = {{"event", "move"},
                         {"case_id", how.case_id.empty() ? json(nullptr) : json(how.case_id)},
                         {"file", name},
                         {"attempts", how.attempts + 1}};
    if (moved.moved()) {
      line["moved_to"] = moved_to(name, how.ok, moved.final_name);
    } else if (moved.status == MoveResult::Status::gone) {
      line["input_gone"] = "working/" + name + " was removed by another process; nothing was moved";
    } else {
      ++how.attempts;
      park(name, std::move(how), moved, line);
      log_.line(line);
      continue;
    }
    log_.line(line);
    release(name);
  }
}

// The name is free in working/: a later inbox file of that name may be claimed.
void Watcher::release(const std::string& name) {
  if (auto it = candidates_.find(name); it != candidates_.end()) {
    it->second.blocked = false;
    it->second.not_before = Clock::now();
  }
}

// ---------------------------------------------------------------- events

void Watcher::handle_signals() {
  signalfd_siginfo si{};
  while (::read(signal_fd_, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
    int sig = static_cast<int>(si.ssi_signo);
    if (sig == SIGCHLD) {
      reap();
    } else if (sig == SIGHUP) {
      reload();
    } else if (!stopping_) {
      stopping_ = true;
      log_.line({{"event", "stopping"}, {"signal", signal_name(sig)}, {"in_flight", busy_count()}});
    } else {
      // a second request: stop now; the cases in work stay in working/ for the next start
      log_.line({{"event", "abort"}, {"signal", signal_name(sig)}, {"left_in_working", busy_count()}});
      for (Worker& w : workers_)
        if (w.pid > 0) ::kill(w.pid, SIGKILL);
      for (Worker& w : workers_) w.job.clear();
      exit_code_ = 1;
    }
  }
}

void Watcher::handle_inotify() {
  alignas(inotify_event) char buf[64 * 1024];
  for (;;) {
    ssize_t n = ::read(inotify_fd_, buf, sizeof buf);
    if (n <= 0) return;
    for (char* p = buf; p < buf + n;) {
      auto* e = reinterpret_cast<inotify_event*>(p);
      p += sizeof(inotify_event) + e->len;
      if (e->mask & IN_Q_OVERFLOW) {
        log_.line({{"event", "overflow"}, {"message", "inotify queue overflowed; rescanning the inbox"}});
        rescan();
      } else if (e->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
        log_.line({{"event", "error"},
                   {"message", e->wd == outcomes_wd_ ? "the inbox's outcomes folder was removed or moved; stopping"
                                                    : "the inbox folder was removed or moved; stopping"}});
        stopping_ = true;
        exit_code_ = 1;
      } else if (e->len && (e->mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) && !(e->mask & IN_ISDIR)) {
        std::string name(e->name);
        if (e->wd == outcomes_wd_) {
          if (is_form_file_name(name)) add_candidate(std::string(kOutcomesFolder) + "/" + name, true, nullptr);
        } else if (is_case_file_name(name)) {
          add_candidate(name, true, nullptr);
        }
      }
    }
  }
}

// SIGHUP: templates and rules again, and the log file (after logrotate).
// Workers take the new resources by being replaced, each after its current case.
void Watcher::reload() {
  log_.reopen();
  auto fresh = load_resources(cfg_.root, cfg_.site_templates.value_or(""));
  if (fresh.is_ok() && cfg_.pdfa) {
    if (auto d = use_archival_pdf(fresh.value()); !d.empty()) fresh = Result<Resources>::fail(d);
  }
  if (!fresh.is_ok()) {
    std::string what = fresh.diagnostics().empty() ? "" : fresh.diagnostics()[0].message;
    log_.line({{"event", "reload"}, {"ok", false}, {"message", what}});
    return;
  }
  *res_ = fresh.take();
  for (Worker& w : workers_) {
    w.retire = true;
    if (!w.busy()) close_worker(w);
  }
  log_.line({{"event", "reload"}, {"ok", true}});
}

// ---------------------------------------------------------------- loop

int Watcher::busy_count() const {
  return static_cast<int>(std::count_if(workers_.begin(), workers_.end(), [](const Worker& w) { return w.busy(); }));
}

bool Watcher::all_idle() const { return busy_count() == 0 && queued_.empty() && order_.empty(); }

Clock::time_point Watcher::next_wakeup(Clock::time_point now) const {
  Clock::time_point t = next_rescan_;
  auto limit = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(cfg_.timeout_s));
  bool idle_worker = false;
  for (const Worker& w : workers_) {
    if (w.busy()) t = std::min(t, w.started + limit);
    if (w.pid < 0 && !stopping_) t = std::min(t, w.respawn_at);
    if (w.pid > 0 && !w.busy() && !w.retire) idle_worker = true;
  }
  for (const auto& [name, how] : parked_) t = std::min(t, how.next);
  // next_job left no idle worker without a look at every candidate
  if (idle_worker && !stopping_) t = std::min(t, candidate_wake_);
  if (progress_) t = std::min(t, now + Millis(250));
  return std::max(t, now);
}

void Watcher::draw_progress(bool force) {
  if (!progress_) return;
  auto now = Clock::now();
  if (!force && now - last_progress_ < Millis(100)) return;
  last_progress_ = now;
  long done = ok_ + invalid_ + errors_;
  long total = done + busy_count() + static_cast<long>(queued_.size() + order_.size());
  constexpr int kWidth = 30;
  int filled = total ? static_cast<int>(kWidth * done / total) : 0;
  double secs = std::chrono::duration<double>(now - started_).count();
  char tail[160];
  std::snprintf(tail, sizeof tail, "] %ld/%ld  ok %ld  failed %ld  %.1f/s", done, total, ok_, invalid_ + errors_,
                secs > 0 ? done / secs : 0.0);
  std::string bar(1, '[');
  bar.append(static_cast<size_t>(filled), '#').append(static_cast<size_t>(kWidth - filled), '.').append(tail);
  log_.set_progress(std::move(bar));
}

void Watcher::loop() {
  for (;;) {
    if (stopping_ && busy_count() == 0) return;
    if (cfg_.once && !stopping_ && all_idle()) {
      rescan();  // the last look: anything that arrived meanwhile is drained too
      if (all_idle()) return;
    }
    dispatch();

    auto now = Clock::now();
    auto wake = next_wakeup(now);
    int timeout_ms = static_cast<int>(std::min<long long>(
        std::chrono::duration_cast<Millis>(wake - now).count() + 1, 1000));
    std::vector<pollfd> fds;
    fds.push_back({signal_fd_, POLLIN, 0});
    if (inotify_fd_ >= 0) fds.push_back({inotify_fd_, POLLIN, 0});
    size_t first_worker = fds.size();
    std::vector<Worker*> polled;
    for (Worker& w : workers_)
      if (w.fd >= 0) {
        fds.push_back({w.fd, POLLIN, 0});
        polled.push_back(&w);
      }
    int n = ::poll(fds.data(), fds.size(), timeout_ms);
    if (n < 0 && errno != EINTR) {
      log_.line({{"event", "error"}, {"message", std::string("poll: ") + std::strerror(errno)}});
      exit_code_ = 1;
      return;
    }
    for (size_t i = first_worker; n > 0 && i < fds.size(); ++i)
      if (fds[i].revents) read_worker(*polled[i - first_worker]);
    if (n > 0 && fds[0].revents) handle_signals();
    if (exit_code_ == 1 && stopping_ && busy_count() == 0) return;
    if (inotify_fd_ >= 0 && n > 0 && fds[1].revents) handle_inotify();
    enforce_timeouts();
    respawn_due();
    retry_parked();
    if (Clock::now() >= next_rescan_) rescan();
    draw_progress(false);
  }
}

void Watcher::shutdown() {
  for (Worker& w : workers_) close_worker(w);  // idle workers exit on end of file
  auto deadline = Clock::now() + std::chrono::seconds(5);
  for (;;) {
    bool any = false;
    for (Worker& w : workers_) {
      if (w.pid <= 0) continue;
      int status;
      if (::waitpid(w.pid, &status, WNOHANG) == w.pid)
        w.pid = -1;
      else
        any = true;
    }
    if (!any) break;
    if (Clock::now() >= deadline) {
      for (Worker& w : workers_)
        if (w.pid > 0) ::kill(w.pid, SIGKILL);
      deadline = Clock::now() + std::chrono::hours(1);
    }
    std::this_thread::sleep_for(Millis(5));
  }
  // --once: what was queued goes out before the exit, while the EHR answers
  sender_.finish(cfg_.once);
}

int Watcher::run() {
  if (!setup()) {
    shutdown();
    return 1;
  }
  draw_progress(true);
  loop();
  shutdown();
  // --once promises a clean folder: a killed worker's staging folder may have
  // outlived the start-up cleanup if its process was still on its way out
  if (cfg_.once) remove_stale_staging(cfg_.out);
  log_.clear_progress();
  if (!parked_.empty())
    log_.line({{"event", "error"},
               {"message", std::to_string(parked_.size()) +
                               " finished input(s) could not be moved out of working/; the next start takes them up"}});
  double secs = std::chrono::duration<double>(Clock::now() - started_).count();
  long failed = invalid_ + errors_;
  log_.line({{"event", "stop"}, {"ok", ok_}, {"failed", failed}, {"seconds", std::round(secs * 100) / 100}});
  if (cfg_.once) {
    char summary[120];
    std::snprintf(summary, sizeof summary, "watch: %ld ok, %ld failed in %.1f s", ok_, failed, secs);
    log_.say(summary);
    if (exit_code_) return exit_code_;
    return errors_ || !parked_.empty() ? 1 : invalid_ ? 2 : 0;
  }
  return exit_code_;
}

}  // namespace

int watch_inbox(const WatchConfig& c, Resources res) {
  Watcher w(c, std::move(res));
  return w.run();
}

}  // namespace p2p::watch
