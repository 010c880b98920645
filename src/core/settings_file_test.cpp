#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "core/settings_file.h"

using namespace p2p;

namespace {
struct Demo {
  long long n = 0;
  std::string name;
};
const SetterTable<Demo>& table() {
  static const SetterTable<Demo> t = {
      {"max_items",
       [](Demo& d, const std::string& v) {
         auto n = setting_integer(v);
         if (!n) return std::string("is not a whole number");
         d.n = *n;
         return std::string();
       }},
      {"name", [](Demo& d, const std::string& v) { d.name = v; return std::string(); }},
  };
  return t;
}
}  // namespace

TEST_CASE("settings: comments, quotes, dashes as underscores, over the defaults") {
  auto r = parse_settings("# a comment\n\nmax-items = 12   # trailing comment\nname = \"two words\"\n", Demo{},
                          "d.conf", table());
  REQUIRE(r.is_ok());
  CHECK(r.value().n == 12);
  CHECK(r.value().name == "two words");
}

TEST_CASE("settings: every bad line is reported with its file and line") {
  auto r = parse_settings("max_items = lots\nspeed = 3\nno equals sign\n", Demo{}, "d.conf", table());
  REQUIRE_FALSE(r.is_ok());
  REQUIRE(r.diagnostics().size() == 3);
  CHECK(r.diagnostics()[0].message == "d.conf line 1: max_items \"lots\" is not a whole number");
  CHECK(r.diagnostics()[1].message == "d.conf line 2: unknown key \"speed\"");
  CHECK(r.diagnostics()[2].message == "d.conf line 3: expected \"key = value\"");
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
