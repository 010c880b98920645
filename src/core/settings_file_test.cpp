#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "core/settings_file.h"

using namespace p2p;

namespace {
struct Demo {
  int items = 0;
  long long size = 0;
  double wait = 0;
  bool strict = false;
  std::string name, folder = "/default";
};

Diagnostics read_demo(const std::string& text, Demo& d) {
  SettingsReader r;
  r.whole("max_items", d.items)
      .bytes("max_size", d.size)
      .seconds("wait", d.wait)
      .flag("strict", d.strict)
      .text("name", d.name)
      .path("folder", d.folder);
  return r.read(text, "d.conf");
}
}  // namespace

TEST_CASE("settings: comments, quotes, dashes as underscores, typed values over the defaults") {
  Demo d;
  auto errors = read_demo("# a comment\n\nmax-items = 12   # trailing comment\nname = \"two words\"\n"
                          "max_size = 1048576\nwait = 2.5\nstrict = yes\n",
                          d);
  CHECK(errors.empty());
  CHECK(d.items == 12);
  CHECK(d.size == 1048576);
  CHECK(d.wait == 2.5);
  CHECK(d.strict);
  CHECK(d.name == "two words");
  CHECK(d.folder == "/default");  // not given: the default stays
}

TEST_CASE("settings: every bad line is reported with its file and line, and sets nothing") {
  Demo d;
  auto errors = read_demo("max_items = lots\nspeed = 3\nno equals sign\nmax_items = 99999999999\n"
                          "max_size = 1 MB\nwait = 1s\nstrict = maybe\nfolder =\n",
                          d);
  REQUIRE(errors.size() == 8);
  CHECK(errors[0].message == "d.conf line 1: max_items \"lots\" is not a whole number");
  CHECK(errors[1].message == "d.conf line 2: unknown key \"speed\"");
  CHECK(errors[2].message == "d.conf line 3: expected \"key = value\"");
  CHECK(errors[3].message == "d.conf line 4: max_items \"99999999999\" is out of range");
  CHECK(errors[4].message == "d.conf line 5: max_size \"1 MB\" is not a whole number of bytes");
  CHECK(errors[5].message == "d.conf line 6: wait \"1s\" is not a number of seconds");
  CHECK(errors[6].message == "d.conf line 7: strict \"maybe\" is not true or false");
  CHECK(errors[7].message == "d.conf line 8: folder \"\" is empty: give a path");
  CHECK(d.items == 0);
  CHECK_FALSE(d.strict);
  CHECK(d.folder == "/default");
}

TEST_CASE("settings: a custom setter for what the typed ones do not cover") {
  int percent = 0;
  SettingsReader r;
  r.custom("share", [&](const std::string& v) {
    auto n = setting_integer(v);
    if (!n || *n < 0 || *n > 100) return std::string("is not a percentage");
    percent = static_cast<int>(*n);
    return std::string();
  });
  CHECK(r.read("share = 40\n", "p.conf").empty());
  CHECK(percent == 40);
  auto errors = r.read("share = 140\n", "p.conf");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message == "p.conf line 1: share \"140\" is not a percentage");
}

TEST_CASE("settings: values") {
  CHECK(setting_integer("42") == 42);
  CHECK_FALSE(setting_integer("4x"));
  CHECK(setting_number("0.5") == 0.5);
  CHECK_FALSE(setting_number("inf"));
  CHECK(setting_bool("on") == true);
  CHECK(setting_bool("no") == false);
  CHECK_FALSE(setting_bool("maybe"));
}
