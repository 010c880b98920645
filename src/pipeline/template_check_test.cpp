#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "pipeline/files.h"
#include "pipeline/template_check.h"

using namespace p2p;

namespace {

std::vector<std::string> kinds_found(std::string_view text, bool markdown = true) {
  std::vector<std::string> out;
  for (const TextArtefact& a : find_artefacts(text, markdown)) out.push_back(a.what);
  return out;
}

}  // namespace

TEST_CASE("clean text has no artefact") {
  CHECK(kinds_found("**Phone:** (800) 555-0199\n\nDear Medical Director:\n\nI write... as before.\n").empty());
  CHECK(kinds_found("These are in the packet:\n\n- Office note\n").empty());
  CHECK(kinds_found("The reviewer stated:\n\n> Not enough.\n").empty());
  CHECK(kinds_found("See [the policy](https://example.org) [EXPEDITED]\n").empty());
  CHECK(kinds_found("```field\nname: x\nlabel: Duration\nvalue:\n```\n").empty());
  CHECK(kinds_found("ends with an escaped period\\.\n").empty());
  CHECK(kinds_found("a cut mark <!-- cut: 2 --> stays hidden\n").empty());
}

TEST_CASE("each artefact is found and named") {
  CHECK(kinds_found("Hello {{patient.name}}") == std::vector<std::string>{"leftover {{", "leftover }}"});
  CHECK(kinds_found("Reviewer: null\n") == std::vector<std::string>{"\"null\""});
  CHECK(kinds_found("nullable annulled\n").empty());
  CHECK(kinds_found("unchanged..\n") == std::vector<std::string>{"doubled period"});
  CHECK(kinds_found("unchanged\\..\n") == std::vector<std::string>{"doubled period"});
  CHECK(kinds_found("Reviewer ()\n") == std::vector<std::string>{"empty ()"});
  CHECK(kinds_found("**Phone:**\n\nNext paragraph.\n") == std::vector<std::string>{"empty label \"Phone:\""});
  CHECK(kinds_found("   - NCCN 2021:\n   - ACR:\n", false) ==
        std::vector<std::string>{"empty label \"NCCN 2021:\"", "empty label \"ACR:\""});
  CHECK(kinds_found("- **Criteria:**\n  - one\n").empty());
  CHECK(kinds_found("| When: | |\n") == std::vector<std::string>{"empty label \"When:\""});
  CHECK(kinds_found("[No objection recorded: delete this paragraph]\n") ==
        std::vector<std::string>{"editing note in brackets"});
}

TEST_CASE("the shipped templates are clean on the samples") {
  auto res = load_resources(P2P_SOURCE_ROOT);
  REQUIRE(res.is_ok());
  auto text = read_file(std::string(P2P_SOURCE_ROOT) + "/samples/uhc-lumbar-mri.json");
  REQUIRE(text);
  auto c = load_case_checked(*text, res.value(), Env::at(1795000000));
  REQUIRE(c.is_ok());
  std::vector<NamedCase> cases{{"uhc-lumbar-mri.json", c.take()}};
  TemplateCheckReport report = check_templates(res.value(), cases);
  CHECK(report.templates >= 6);
  CHECK(report.expansions == report.templates);
  for (const TemplateFinding& f : report.findings) MESSAGE(f.template_path << ": " << f.what << ": " << f.context);
  CHECK(report.findings.empty());
}

TEST_CASE("template files include every variant") {
  auto res = load_resources(P2P_SOURCE_ROOT);
  REQUIRE(res.is_ok());
  auto files = template_files(res.value(), DocumentKind{"p2p-script", "p2p-script.pdf", false});
  CHECK(std::find(files.begin(), files.end(), "p2p-script/default.md") != files.end());
  CHECK(std::find(files.begin(), files.end(), "p2p-script/by-payer/cigna.md") != files.end());
}
