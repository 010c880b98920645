#include "pipeline/files.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

// The low-level SHA-256 functions, deprecated in OpenSSL 3 in favour of EVP
// but kept through 3.x: EVP's first digest fetches a provider and reads the
// system's openssl.cnf, about 6 million instructions per process (callgrind),
// two milliseconds of every one-shot `p2pdoc render` for the same 32 bytes.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

namespace p2p {

namespace fs = std::filesystem;

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool file_exists(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

namespace {

// Creates `path` (never an existing file) and writes all of `bytes`, closing
// it; with `flush`, fsyncs before the close. 0 on success, else the OS's
// error number, with the half-written file removed.
int write_new_file(const std::string& path, const std::string& bytes, bool flush) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) return errno;
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int why = n == 0 ? EIO : errno;  // a write of nothing: the device took no more
      ::close(fd);
      ::unlink(path.c_str());
      return why;
    }
    done += static_cast<size_t>(n);
  }
  if ((flush && ::fsync(fd) != 0) || ::close(fd) != 0) {
    int why = errno;
    ::unlink(path.c_str());
    return why;
  }
  return 0;
}

// Makes the folder `path` will be written in; "" or why it cannot.
std::string make_parent(const std::string& path) {
  std::error_code ec;
  fs::path target(path);
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
  return ec ? ec.message() : "";
}

Result<bool> cannot_write(const std::string& path, const std::string& why) {
  return Result<bool>::fail({error_at("", "cannot write " + path + ": " + why)});
}

}  // namespace

Result<bool> write_file_atomic(const std::string& path, const std::string& bytes, Durability durability) {
  if (std::string why = make_parent(path); !why.empty()) return cannot_write(path, why);
  // unique per process and call, in the same folder so rename() is atomic
  static std::atomic<unsigned> counter{0};
  std::string tmp = path + ".tmp-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
  if (int why = write_new_file(tmp, bytes, durability == Durability::flushed); why != 0)
    return cannot_write(path, std::strerror(why));
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    return cannot_write(path, why);
  }
  return Result<bool>::ok(true);
}

Result<bool> write_file_staged(const std::string& path, const std::string& bytes) {
  // the folder is made by the first file written into it: the others skip
  // asking whether it exists
  int why = write_new_file(path, bytes, false);
  if (why == ENOENT) {
    if (std::string no_folder = make_parent(path); !no_folder.empty()) return cannot_write(path, no_folder);
    why = write_new_file(path, bytes, false);
  }
  if (why != 0) return cannot_write(path, std::strerror(why));
  return Result<bool>::ok(true);
}

namespace {

// One syncfs at a time per process; a caller waits for a flush that began
// after its writes (`requested` counts callers, `covered` what the last
// finished flush was sure to include).
struct FlushGroup {
  std::mutex mutex;
  std::condition_variable done;
  unsigned long long requested = 0, covered = 0;
  bool running = false;
};

int syncfs_of(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  int rc = ::syncfs(fd) == 0 ? 0 : errno;
  ::close(fd);
  return rc;
}

// One group per file system: a syncfs covers only its own.
FlushGroup& flush_group_of(dev_t device) {
  static std::mutex mutex;
  static std::map<dev_t, FlushGroup> groups;  // nodes never move: references stay valid
  std::lock_guard lock(mutex);
  return groups[device];
}

}  // namespace

Result<bool> flush_file_system(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return Result<bool>::fail({error_at("", "cannot flush the file system of " + path + ": " + std::strerror(errno))});
  FlushGroup& group = flush_group_of(st.st_dev);
  std::unique_lock lock(group.mutex);
  unsigned long long mine = ++group.requested;
  // a flush already running may have started before our writes ended: wait
  // for it, then either someone's later flush covered us or we lead the next
  while (group.covered < mine) {
    if (group.running) {
      group.done.wait(lock);
      continue;
    }
    group.running = true;
    unsigned long long target = group.requested;  // every caller so far has finished writing
    lock.unlock();
    int rc = syncfs_of(path);
    lock.lock();
    group.running = false;
    if (rc == 0) group.covered = std::max(group.covered, target);
    group.done.notify_all();
    if (rc != 0)
      return Result<bool>::fail({error_at("", "cannot flush the file system of " + path + ": " + std::strerror(rc))});
  }
  return Result<bool>::ok(true);
}

namespace {

void fsync_dir(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

void remove_tree(const std::string& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
}

Result<bool> install_directory(const std::string& staged, const std::string& target, const std::string& previous,
                               Durability durability) {
  auto fail = [&](const std::string& what) {
    return Result<bool>::fail({error_at("", "cannot install " + target + ": " + what)});
  };
  std::string parent = fs::path(target).parent_path().string();
  if (::rename(staged.c_str(), target.c_str()) == 0) {  // no old packet: a plain rename
    if (durability == Durability::flushed) fsync_dir(parent);
    return Result<bool>::ok(true);
  }
  if (errno != EEXIST && errno != ENOTEMPTY) return fail(std::strerror(errno));
  // glibc 2.36 has no wrapper for renameat2: call it directly
  if (::syscall(SYS_renameat2, AT_FDCWD, staged.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) != 0)
    return fail(std::strerror(errno));
  // `staged` now holds the old packet: keep it as the previous one
  remove_tree(previous);
  if (::rename(staged.c_str(), previous.c_str()) != 0) return fail(std::strerror(errno));
  if (durability == Durability::flushed) fsync_dir(parent);
  return Result<bool>::ok(true);
}

std::string sha256_hex(const std::string& bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, bytes.data(), bytes.size());
  SHA256_Final(digest, &ctx);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(2 * SHA256_DIGEST_LENGTH);
  for (unsigned char b : digest) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

}  // namespace p2p
