#include "watch/inbox.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <sstream>
#include <thread>

#include "pipeline/files.h"
#include "watch/names.h"

namespace p2p::watch {

namespace {

std::string os_error() { return std::strerror(errno); }

// 1 when the name is taken, 0 when free, -1 when we cannot tell (errno says why).
int taken(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) return 1;
  return errno == ENOENT ? 0 : -1;
}

// Seconds since 1970 at which the system booted (/proc/stat "btime").
long long boot_time() {
  static long long btime = [] {
    auto text = read_file("/proc/stat");
    if (!text) return 0LL;
    auto at = text->find("\nbtime ");
    return at == std::string::npos ? 0LL : std::atoll(text->c_str() + at + 7);
  }();
  return btime;
}

// Whether the process that made a leftover (created around `made`, seconds
// since 1970) may still be writing it. Gone: no such pid, a zombie (a killed
// worker that is not yet reaped has closed everything), or a pid reused by a
// process that started after the leftover was made.
bool owner_alive(long pid, long long made) {
  if (pid <= 0) return true;  // not ours to judge
  auto stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return !(::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH);
  auto paren = stat->rfind(')');
  if (paren == std::string::npos || paren + 2 >= stat->size()) return true;
  char state = (*stat)[paren + 2];
  if (state == 'Z' || state == 'X') return false;
  // proc(5): the fields after ')' start at 3 (state); 9 is flags, 22 starttime
  // (clock ticks after boot). PF_EXITING (0x4): past closing its files, on the
  // way to being a zombie: it writes nothing more.
  std::istringstream rest(stat->substr(paren + 2));
  std::string field;
  unsigned long flags = 0;
  for (int i = 3; i <= 22 && (rest >> field); ++i)
    if (i == 9) flags = std::strtoul(field.c_str(), nullptr, 10);
  if (flags & 0x4) return false;
  long long ticks = std::atoll(field.c_str());
  long long started = boot_time() + ticks / std::max(1L, ::sysconf(_SC_CLK_TCK));
  return boot_time() == 0 || started <= made + 2;
}

long long made_at(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return 0;
  return std::min(st.st_mtim.tv_sec, st.st_ctim.tv_sec);
}

template <typename Accept>
Result<std::vector<InboxEntry>> scan(const std::string& dir, Accept accept, const std::string& prefix,
                                     std::vector<InboxEntry> found = {}) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return Result<std::vector<InboxEntry>>::fail({error_at("", "cannot read " + dir + ": " + os_error())});
  int dfd = ::dirfd(d);
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (!accept(name)) continue;
    if (e->d_type != DT_REG && e->d_type != DT_UNKNOWN) continue;  // folders, symlinks, fifos: never claimed
    struct stat st {};
    if (::fstatat(dfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) continue;
    found.push_back({prefix + name, static_cast<long long>(st.st_size), st.st_mtim});
  }
  ::closedir(d);
  std::sort(found.begin(), found.end(), [](const InboxEntry& a, const InboxEntry& b) {
    if (a.mtime.tv_sec != b.mtime.tv_sec) return a.mtime.tv_sec < b.mtime.tv_sec;
    if (a.mtime.tv_nsec != b.mtime.tv_nsec) return a.mtime.tv_nsec < b.mtime.tv_nsec;
    return a.name < b.name;
  });
  return Result<std::vector<InboxEntry>>::ok(std::move(found));
}

// Removes the entries of `dir` whose name `owner` maps to a pid that is gone.
template <typename Owner>
int remove_entries(const std::string& dir, Owner owner, bool folders) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return 0;
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    auto pid = owner(std::string_view(e->d_name));
    if (pid && !owner_alive(*pid, made_at(dir + "/" + e->d_name))) names.emplace_back(e->d_name);
  }
  ::closedir(d);
  for (const std::string& n : names) {
    if (folders)
      remove_tree(dir + "/" + n);
    else
      ::unlink((dir + "/" + n).c_str());
  }
  return static_cast<int>(names.size());
}

}  // namespace

bool rename_no_replace(const std::string& from, const std::string& to) {
  // glibc 2.36 has no renameat2 wrapper: call it directly
  return ::syscall(SYS_renameat2, AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0;
}

Result<bool> make_folders(const std::string& path) {
  std::string sofar;
  size_t pos = 0;
  while (pos != std::string::npos) {
    size_t next = path.find('/', pos + 1);
    sofar = path.substr(0, next);
    pos = next;
    if (sofar.empty() || sofar == "/") continue;
    if (::mkdir(sofar.c_str(), 0750) != 0 && errno != EEXIST)
      return Result<bool>::fail({error_at("", "cannot create the folder " + sofar + ": " + os_error())});
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return Result<bool>::fail({error_at("", path + " is not a folder")});
  return Result<bool>::ok(true);
}

Result<Inbox> Inbox::open(const std::string& dir) {
  std::string outcomes(1, '/');
  outcomes.append(kOutcomesFolder);  // (not "/" + string: GCC 12 warns falsely, -Wrestrict)
  for (std::string sub : {"", "/working", "/done", "/failed"})
    for (const std::string& folder : {dir + sub, dir + outcomes + sub}) {
      auto made = make_folders(folder);
      if (!made.is_ok()) return Result<Inbox>::fail(made.diagnostics());
    }
  Inbox in;
  in.dir_ = dir;
  return Result<Inbox>::ok(std::move(in));
}

std::string Inbox::folder_of(const std::string& name) const {
  return is_form_job(name) ? dir_ + "/" + std::string(kOutcomesFolder) : dir_;
}

std::string Inbox::leaf_of(const std::string& name) {
  return is_form_job(name) ? name.substr(kOutcomesFolder.size() + 1) : name;
}

std::string Inbox::inbox_path(const std::string& name) const { return folder_of(name) + "/" + leaf_of(name); }

std::string Inbox::working_path(const std::string& name) const {
  return folder_of(name) + "/working/" + leaf_of(name);
}

namespace {

// The cases in `sub` of INBOX and the forms in `sub` of INBOX/outcomes, oldest first.
Result<std::vector<InboxEntry>> scan_both(const std::string& dir, const std::string& sub) {
  auto cases = scan(dir + sub, is_case_file_name, "");
  if (!cases.is_ok()) return cases;
  const std::string prefix = std::string(kOutcomesFolder) + "/";
  return scan(dir + "/" + prefix + sub, is_form_file_name, prefix, cases.take());
}

}  // namespace

Result<std::vector<InboxEntry>> Inbox::scan_inbox() const { return scan_both(dir_, ""); }
Result<std::vector<InboxEntry>> Inbox::scan_working() const { return scan_both(dir_, "/working"); }

Claim Inbox::claim(const std::string& name) const {
  if (rename_no_replace(inbox_path(name), working_path(name))) return Claim::claimed;
  if (errno == EEXIST) return Claim::busy;
  if (errno == ENOENT) return Claim::gone;
  return Claim::failed;
}

namespace {

MoveResult move_failed(const std::string& what) {
  MoveResult m;
  m.status = errno == ENOENT ? MoveResult::Status::gone : MoveResult::Status::failed;
  m.error = what + ": " + os_error();
  return m;
}

MoveResult moved_as(const std::string& final_name) {
  MoveResult m;
  m.status = MoveResult::Status::moved;
  m.final_name = final_name;
  return m;
}

}  // namespace

MoveResult Inbox::finish_done(const std::string& name) const {
  for (int n = 0; n < 1000000; ++n) {
    std::string final_name = numbered_name(leaf_of(name), n);
    if (rename_no_replace(working_path(name), folder_of(name) + "/done/" + final_name)) return moved_as(final_name);
    if (errno != EEXIST) return move_failed("cannot move " + name + " to done/");
  }
  MoveResult m;
  m.error = "no free name for " + name + " in done/";
  return m;
}

MoveResult Inbox::finish_failed(const std::string& name, const nlohmann::ordered_json& error) const {
  std::string failed = folder_of(name) + "/failed/";
  std::string text = error.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  for (int n = 0; n < 1000000; ++n) {
    std::string final_name = numbered_name(leaf_of(name), n);
    std::string error_name = error_file_name(final_name);
    // both names must be free: an input may itself be called "x.error.json"
    int a = taken(failed + final_name), b = a == 0 ? taken(failed + error_name) : a;
    if (a < 0 || b < 0) return move_failed("cannot look into failed/");
    if (a || b) continue;
    auto written = write_file_atomic(failed + error_name, text);
    if (!written.is_ok()) {
      MoveResult m;  // ENOSPC and the like: write_file_atomic left nothing behind
      m.error = written.diagnostics().empty() ? "cannot write the error file" : written.diagnostics()[0].message;
      return m;
    }
    if (rename_no_replace(working_path(name), failed + final_name)) return moved_as(final_name);
    int why = errno;
    ::unlink((failed + error_name).c_str());  // never an error file without its input
    if (why == EEXIST) continue;              // someone took the name meanwhile
    errno = why;
    return move_failed("cannot move " + name + " to failed/");
  }
  MoveResult m;
  m.error = "no free name for " + name + " in failed/";
  return m;
}

namespace {

// working/.x.json.crashes beside working/x.json (outcomes/working/.x.pdf.crashes for a form)
std::string crash_marker_path(const std::string& working_path) {
  auto slash = working_path.rfind('/');
  return working_path.substr(0, slash + 1) + crash_marker_name(working_path.substr(slash + 1));
}

}  // namespace

int Inbox::crashes(const std::string& name) const {
  auto text = read_file(crash_marker_path(working_path(name)));
  if (!text) return 0;
  return std::atoi(text->c_str());
}

void Inbox::record_crashes(const std::string& name, int n) const {
  write_file_atomic(crash_marker_path(working_path(name)), std::to_string(n) + "\n");
}

void Inbox::clear_crashes(const std::string& name) const { ::unlink(crash_marker_path(working_path(name)).c_str()); }

Writers Inbox::writers(const std::string& name) const {
  int fd = ::open(inbox_path(name).c_str(), O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return Writers::unknown;
  // fcntl(2): "F_RDLCK ... fails with EAGAIN if the file is open for writing".
  // Needs the file's owner or CAP_LEASE; otherwise we cannot tell.
  Writers w = Writers::unknown;
  if (::fcntl(fd, F_SETLEASE, F_RDLCK) == 0) {
    w = Writers::none;
    ::fcntl(fd, F_SETLEASE, F_UNLCK);
  } else if (errno == EAGAIN) {
    w = Writers::some;
  }
  ::close(fd);
  return w;
}

int Inbox::remove_stale_temporaries() const {
  int n = 0;
  for (const std::string& folder : {dir_, dir_ + "/" + std::string(kOutcomesFolder)})
    n += remove_entries(folder + "/working", temporary_owner, false) +
         remove_entries(folder + "/failed", temporary_owner, false);
  return n;
}

int Inbox::lock(double wait_s) const {
  std::string path = dir_ + "/.p2pdoc-watch.lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) return -1;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(wait_s);
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK || std::chrono::steady_clock::now() >= deadline) {
      ::close(fd);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) == 0 && ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    // the pid is for people; the lock works without it
  }
  return fd;
}

int remove_stale_staging(const std::string& out_dir) {
  return remove_entries(out_dir, staging_owner, true);
}

}  // namespace p2p::watch
