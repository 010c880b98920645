// TemplateFiles (template_files.h): kept in memory until something under the
// folders changes; an edit, a new file, a removed file, a new folder and a
// renamed folder are each seen by the next read.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "pipeline/files.h"
#include "pipeline/template_files.h"

namespace fs = std::filesystem;
using p2p::TemplateFiles;

namespace {

struct Folder {
  fs::path path = fs::temp_directory_path() / ("p2p-tplfiles-" + std::to_string(::getpid()));
  Folder() {
    fs::remove_all(path);
    fs::create_directories(path / "brief");
  }
  ~Folder() { fs::remove_all(path); }
  std::string at(const std::string& rel) const { return (path / rel).string(); }
  void put(const std::string& rel, const std::string& text) const { std::ofstream(at(rel), std::ios::binary) << text; }
};

}  // namespace

TEST_CASE("TemplateFiles: a second read costs no disk read; every kind of change is seen by the next read") {
  Folder dir;
  dir.put("brief/default.md", "one");
  TemplateFiles files({dir.path.string(), ""});
  REQUIRE(files.watching());

  CHECK(files.read(dir.at("brief/default.md")) == "one");
  CHECK_FALSE(files.exists(dir.at("brief/uhc.md")));
  size_t reads = files.disk_reads();
  CHECK(reads == 2);
  for (int i = 0; i < 3; ++i) {
    CHECK(files.read(dir.at("brief/default.md")) == "one");
    CHECK_FALSE(files.exists(dir.at("brief/uhc.md")));
  }
  CHECK(files.disk_reads() == reads);  // kept, both what exists and what does not

  dir.put("brief/default.md", "two");  // edited in place
  CHECK(files.read(dir.at("brief/default.md")) == "two");
  CHECK(files.disk_reads() > reads);

  dir.put("brief/uhc.md", "payer");  // a new file
  CHECK(files.read(dir.at("brief/uhc.md")) == "payer");

  fs::remove(dir.at("brief/uhc.md"));  // removed
  CHECK_FALSE(files.exists(dir.at("brief/uhc.md")));

  dir.put("brief/next.md", "three");  // replaced by rename, as editors save
  fs::rename(dir.at("brief/next.md"), dir.at("brief/default.md"));
  CHECK(files.read(dir.at("brief/default.md")) == "three");

  fs::create_directories(dir.path / "brief" / "by-payer");  // a new folder, then a file in it
  CHECK_FALSE(files.exists(dir.at("brief/by-payer/uhc.md")));
  dir.put("brief/by-payer/uhc.md", "nested");
  CHECK(files.read(dir.at("brief/by-payer/uhc.md")) == "nested");
  dir.put("brief/by-payer/uhc.md", "nested again");
  CHECK(files.read(dir.at("brief/by-payer/uhc.md")) == "nested again");

  fs::rename(dir.path / "brief", dir.path / "old");  // a folder moved away and another put in its place
  fs::create_directories(dir.path / "brief");
  dir.put("brief/default.md", "four");
  CHECK(files.read(dir.at("brief/default.md")) == "four");
  dir.put("brief/default.md", "five");
  CHECK(files.read(dir.at("brief/default.md")) == "five");
  CHECK(files.watching());
}

TEST_CASE("TemplateFiles: a path outside the folders, or folders it cannot watch, read the disk every time") {
  Folder dir;
  dir.put("brief/default.md", "one");
  TemplateFiles files({(dir.path / "brief").string()});
  std::string outside = dir.at("other.md");
  dir.put("other.md", "x");
  CHECK(files.read(outside) == "x");
  CHECK(files.read(outside) == "x");
  CHECK(files.disk_reads() == 2);

  TemplateFiles absent({(dir.path / "no-such-folder").string()});
  CHECK_FALSE(absent.watching());
  CHECK(absent.read(dir.at("brief/default.md")) == "one");
  CHECK(absent.read(dir.at("brief/default.md")) == "one");
  CHECK(absent.disk_reads() == 2);
}
