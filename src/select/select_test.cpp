#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <set>

#include "select/select.h"

using namespace p2p;

namespace {
TemplateChoice pick(std::set<std::string> files) {
  auto r = select_template("brief", "uhc", "insufficient_documentation",
                           [&](const std::string& p) { return files.count(p) > 0; });
  REQUIRE(r.is_ok());
  return r.value();
}
}  // namespace

TEST_CASE("the most specific template wins") {
  std::set<std::string> all = {"brief/by-payer/uhc/insufficient_documentation.md", "brief/by-payer/uhc.md",
                               "brief/by-type/insufficient_documentation.md", "brief/default.md"};
  CHECK(pick(all).chosen == "brief/by-payer/uhc/insufficient_documentation.md");
  CHECK(pick(all).candidates.size() == 1);
  all.erase("brief/by-payer/uhc/insufficient_documentation.md");
  CHECK(pick(all).chosen == "brief/by-payer/uhc.md");
  all.erase("brief/by-payer/uhc.md");
  CHECK(pick(all).chosen == "brief/by-type/insufficient_documentation.md");
  all.erase("brief/by-type/insufficient_documentation.md");
  TemplateChoice c = pick(all);
  CHECK(c.chosen == "brief/default.md");
  CHECK(c.candidates == template_candidates("brief", "uhc", "insufficient_documentation"));
}

TEST_CASE("another payer's variant is never chosen") {
  CHECK(pick({"brief/by-payer/cigna.md", "brief/default.md"}).chosen == "brief/default.md");
}

TEST_CASE("no default template is an error naming the kind") {
  auto r = select_template("brief", "uhc", "x", [](const std::string&) { return false; });
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.diagnostics()[0].message.find("brief/default.md") != std::string::npos);
}
