// Files: the pipeline's only door to the file system. Reading whole files,
// writing whole files atomically (a temporary name in the same folder, fsync,
// rename), staged folders made durable by one group-committed flush and
// installed by rename, and the SHA-256 of bytes (OpenSSL) for manifests.
// Functions are thread-safe; two writers of one path: the last rename wins.
#pragma once

#include <optional>
#include <string>

#include "core/diagnostic.h"

namespace p2p {

std::optional<std::string> read_file(const std::string& path);
bool file_exists(const std::string& path);

// When a file written by write_file_atomic is durable: before the call
// returns (fsync, then rename), once the caller's flush_file_system
// returns (several files written together share one flush), or whenever the
// kernel writes it back, for a copy that can be made again at will and that
// nothing records (`render`'s print copies). A reader sees the old file or
// the new one whole in every case.
enum class Durability { flushed, by_caller, remade_at_will };

// Creates missing parent folders. Fails with the path and the OS's reason.
Result<bool> write_file_atomic(const std::string& path, const std::string& bytes,
                               Durability durability = Durability::flushed);

// Writes a whole new file inside a private staging folder: no temporary name
// and no flush, since nobody reads the folder before it is installed. The
// caller makes the folder durable with flush_file_system before installing it.
Result<bool> write_file_staged(const std::string& path, const std::string& bytes);

// Makes everything written so far on the file system holding `path` durable
// (syncfs: data, inodes and directory entries, one journal commit and one
// cache flush). Group commit: callers that arrive while a flush runs share
// the next one, so concurrent writers pay one flush between them, never one
// each. A writeback error on that file system is reported.
Result<bool> flush_file_system(const std::string& path);

std::string sha256_hex(const std::string& bytes);

// Puts the folder `staged` at `target` in one step (the caller has flushed
// its contents: flush_file_system), then makes the rename durable. When `target` exists the
// two are exchanged atomically (renameat2 RENAME_EXCHANGE), so a reader sees
// the old folder or the new one, never neither, never a mix; the old one is
// then moved to `previous` (an older `previous` is removed first).
// With Durability::by_caller the parent folder is not flushed here: the
// caller's next flush_file_system makes the rename durable with its own files.
Result<bool> install_directory(const std::string& staged, const std::string& target, const std::string& previous,
                               Durability durability = Durability::flushed);

// Recursively removes a folder we own (a staging folder, an old .prev).
void remove_tree(const std::string& path);

}  // namespace p2p
