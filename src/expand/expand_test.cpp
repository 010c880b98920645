#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "expand/expand.h"

using namespace p2p;
using nlohmann::json;

TEST_CASE("values are escaped for Markdown and for placeholders") {
  json data = {{"patient", {{"name", "**Bob** {{x}} <i>"}}}};
  auto r = expand_template("Patient: {{patient.name}}", data, "t.md");
  REQUIRE(r.is_ok());
  CHECK(r.value() == "Patient: \\*\\*Bob\\*\\* \\{\\{x\\}\\} \\<i\\>");
}

TEST_CASE("escape_markdown covers table pipes, list starts and line breaks") {
  CHECK(escape_markdown("a | b") == "a \\| b");
  CHECK(escape_markdown("1. first") == "1\\. first");
  CHECK(escape_markdown("- dash") == "\\- dash");
  CHECK(escape_markdown("# not a heading") == "\\# not a heading");
  CHECK(escape_markdown("two\nlines\r\n") == "two lines ");
  CHECK(escape_markdown("Núñez Ødegaard Zoë") == "Núñez Ødegaard Zoë");
  CHECK(escape_markdown("[link](x) `code` ~~s~~ &amp;") == "\\[link\\]\\(x\\) \\`code\\` \\~\\~s\\~\\~ \\&amp;");
}

TEST_CASE("numbers, booleans, null and lists render as a template expects") {
  json data = {{"n", 42}, {"x", 2.5}, {"yes", true}, {"no", false}, {"none", nullptr},
               {"items", json::array({"a", "b"})}};
  auto r = expand_template("{{n}} {{x}} {{#yes}}Y{{/yes}}{{#no}}N{{/no}}[{{none}}]{{#items}}<{{.}}>{{/items}}", data,
                           "t.md");
  REQUIRE(r.is_ok());
  CHECK(r.value() == "42 2\\.5 Y[]<a><b>");
}

TEST_CASE("template text itself is not escaped") {
  auto r = expand_template("**Label:** {{v}}", json{{"v", "x"}}, "t.md");
  REQUIRE(r.is_ok());
  CHECK(r.value() == "**Label:** x");
}

TEST_CASE("a broken template is an error naming the template") {
  auto r = expand_template("{{#open}} never closed", json::object(), "templates/brief/default.md");
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.diagnostics()[0].message.find("templates/brief/default.md") != std::string::npos);
}

TEST_CASE("plain-text templates are not escaped") {
  auto r = expand_template("Subject: {{s}}", nlohmann::json{{"s", "P2P scheduled: *Bob* (72148)"}}, "t.txt",
                           Escaping::none);
  REQUIRE(r.is_ok());
  CHECK(r.value() == "Subject: P2P scheduled: *Bob* (72148)");
}

TEST_CASE("front matter: keys and body, no block means no keys") {
  TemplateText t = split_front_matter("---\ntitle: Letter of medical necessity\nfont: serif\n---\n# Body\n");
  CHECK(t.front.at("title") == "Letter of medical necessity");
  CHECK(t.front.at("font") == "serif");
  CHECK(t.body == "# Body\n");
  TemplateText none = split_front_matter("# Just a body\n---\n");
  CHECK(none.front.empty());
  CHECK(none.body == "# Just a body\n---\n");
  TemplateText unclosed = split_front_matter("---\ntitle: x\n# body");
  CHECK(unclosed.front.empty());
}

TEST_CASE("dotted names resolve in the innermost section that has the whole path, as kainjow's own lookup does") {
  json data = {{"payer", {{"name", "Outer Payer"}, {"plan", {{"type", "HMO"}}}}},
               {"rows", json::array({json{{"payer", {{"name", "Row payer"}}}}, json{{"label", "no payer here"}}})},
               {"deep", {{"a", {{"b", {{"c", "abc"}}}}}}}};
  // inside a row: the row's payer.name; a row without `payer` falls back to the root's
  auto r = expand_template("{{#rows}}[{{payer.name}}|{{payer.plan.type}}]{{/rows}} {{deep.a.b.c}} [{{deep.a.x}}] "
                           "[{{missing.name}}] {{deep.a.b.c.}}",
                           data, "t.md");
  REQUIRE(r.is_ok());
  // the row's payer has no plan, so payer.plan.type resolves in the root
  CHECK(r.value() == "[Row payer|HMO][Outer Payer|HMO] abc [] [] abc");
  // a name longer than a short string's inline buffer, and a long segment
  json longer = {{"a_rather_long_section_name", {{"an_even_longer_field_name_here", "v"}}}};
  auto l = expand_template("{{a_rather_long_section_name.an_even_longer_field_name_here}}", longer, "t.md");
  REQUIRE(l.is_ok());
  CHECK(l.value() == "v");
}
