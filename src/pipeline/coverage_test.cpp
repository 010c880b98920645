// The printable-text check of a case: every field whose text would print as
// empty boxes or backwards is an error naming its JSON path and characters.
#include <doctest/doctest.h>

#include <filesystem>

#include "pipeline/coverage.h"
#include "pipeline/files.h"
#include "pipeline/pipeline.h"

using namespace p2p;
using nlohmann::json;

namespace {

const Resources& loaded() {
  static Resources res = load_resources(P2P_SOURCE_ROOT).value();
  return res;
}

std::string joined(const Diagnostics& ds) {
  std::string out;
  for (const Diagnostic& d : ds) out += d.to_string() + "\n";
  return out;
}

json sample() { return json::parse(*read_file(std::string(P2P_SOURCE_ROOT) + "/samples/uhc-lumbar-mri.json")); }

Env test_env() { return Env::at(1795435200); }

}  // namespace

TEST_CASE("printable: every sample case prints as written") {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(std::string(P2P_SOURCE_ROOT) + "/samples")) {
    if (e.path().extension() != ".json") continue;
    json doc = json::parse(*read_file(e.path().string()));
    CHECK_MESSAGE(check_printable_text(doc, *loaded().printable).empty(), e.path().string());
    ++n;
  }
  CHECK(n >= 8);
}

TEST_CASE("printable: Cyrillic, Vietnamese and accented names pass") {
  json doc = sample();
  doc["patient"]["name"] = "Nguyễn Thị Hồng Nhung";
  doc["physician"]["name"] = "Наталья Смирнова";
  doc["practice"]["address"][0] = "Łódź-Straße 5, Zoë Ørsted Building";
  CHECK(check_printable_text(doc, *loaded().printable).empty());
  auto c = load_case_checked(doc.dump(), loaded(), test_env());
  CHECK_MESSAGE(c.is_ok(), joined(c.diagnostics()));
}

// Regression (issue 8, seen item 8): these printed as empty boxes with exit 0.
TEST_CASE("printable: Chinese, Korean, Hindi, Thai, emoji are errors naming the field and the characters") {
  json doc = sample();
  doc["patient"]["name"] = "王芳";
  doc["practice"]["address"][1] = "서울 김민준";
  doc["clinical"]["summary"] = "Feels great 😀";
  doc["physician"]["name"] = "राहुल สมชาย";
  Diagnostics ds = check_printable_text(doc, *loaded().printable);
  REQUIRE_MESSAGE(ds.size() == 4, joined(ds));
  for (const Diagnostic& d : ds) CHECK(d.severity == Severity::error);
  // document order (keys sorted), each with its JSON pointer
  CHECK(ds[0].path == "/clinical/summary");
  CHECK(ds[0].message.find("😀 U+1F600 (emoji)") != std::string::npos);
  CHECK(ds[1].path == "/patient/name");
  CHECK(ds[1].message ==
        "cannot be printed, no shipped font has 王 U+738B, 芳 U+82B3 (CJK (Chinese, Japanese)). Write it without "
        "them (a name in Latin letters, as on the insurance card)");
  CHECK(ds[2].path == "/physician/name");
  CHECK(ds[2].message.find("Devanagari") != std::string::npos);
  CHECK(ds[2].message.find("Thai") != std::string::npos);
  CHECK(ds[3].path == "/practice/address/1");
  CHECK(ds[3].message.find("Hangul (Korean)") != std::string::npos);

  auto c = load_case_checked(doc.dump(), loaded(), test_env());
  CHECK_FALSE(c.is_ok());
  CHECK(joined(c.diagnostics()).find("/patient/name: cannot be printed, no shipped font has") != std::string::npos);
}

TEST_CASE("printable: right-to-left text is refused, Hebrew included (the fonts have its letters)") {
  json doc = sample();
  doc["patient"]["name"] = "שרה לוי";
  doc["denial"]["reason"] = "Arabic محمد and a box 王";
  Diagnostics ds = check_printable_text(doc, *loaded().printable);
  REQUIRE_MESSAGE(ds.size() == 3, joined(ds));
  CHECK(ds[0].path == "/denial/reason");  // both problems, one message each
  CHECK(ds[0].message.find("王") != std::string::npos);
  CHECK(ds[1].path == "/denial/reason");
  CHECK(ds[1].message.rfind("right-to-left text cannot be printed yet", 0) == 0);
  CHECK(ds[1].message.find("م U+0645, ح U+062D, د U+062F (Arabic)") != std::string::npos);
  CHECK(ds[2].path == "/patient/name");
  CHECK(ds[2].message.find("ש U+05E9, ר U+05E8") != std::string::npos);
  CHECK(ds[2].message.find("(Hebrew)") != std::string::npos);
}

TEST_CASE("printable: long lists are shortened, invisible characters named by code, keys escaped") {
  json doc = {{"a/b", "一二三四五六七八九十"}, {"c", "x\uFE0Fy\u0007"}};
  Diagnostics ds = check_printable_text(doc, *loaded().printable);
  REQUIRE(ds.size() == 2);
  CHECK(ds[0].path == "/a~1b");
  CHECK(ds[0].message.find("and 2 more") != std::string::npos);
  CHECK(ds[1].path == "/c");
  CHECK(ds[1].message.find("U+FE0F, U+0007 (variation selector, control character)") != std::string::npos);
}

TEST_CASE("printable: keys validation ignores are not checked") {
  json doc = sample();
  doc["patient"]["nickname"] = "小芳";
  auto c = load_case_checked(doc.dump(), loaded(), test_env());
  CHECK_MESSAGE(c.is_ok(), joined(c.diagnostics()));
  CHECK(joined(c.diagnostics()).find("U+5C0F") == std::string::npos);
}

TEST_CASE("printable: the walk needs no stack depth") {
  json doc = "王";
  for (int i = 0; i < 100000; ++i) doc = json::array({std::move(doc)});
  Diagnostics ds = check_printable_text(doc, *loaded().printable);
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].path.size() == 200000);
}
