#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <unistd.h>

#include <doctest/doctest.h>

#include <atomic>
#include <map>
#include <set>
#include <filesystem>
#include <thread>

#include "pipeline/files.h"
#include "pipeline/merge.h"
#include "pipeline/pipeline.h"

using namespace p2p;
using nlohmann::json;

namespace {

const std::string kRoot = P2P_SOURCE_ROOT;

const Resources& resources() {
  static Resources res = load_resources(kRoot).value();
  return res;
}

Case sample_case(const std::function<void(json&)>& edit = nullptr) {
  json doc = json::parse(*read_file(kRoot + "/samples/uhc-lumbar-mri.json"));
  if (edit) edit(doc);
  auto r = load_case(doc.dump(), *parse_date("2026-11-23"));
  for (const auto& d : r.diagnostics()) MESSAGE(d.to_string());
  REQUIRE(r.is_ok());
  return r.value();
}

}  // namespace

TEST_CASE("resources load from the repository") {
  auto r = load_resources(kRoot);
  REQUIRE(r.is_ok());
  CHECK(r.value().sans.faces[0]->units_per_em() == 2048);
  CHECK(r.value().serif.faces[1]->postscript_name() == "LiberationSerif-Bold");
  CHECK(r.value().documents.at(0).kind == "brief");
  auto bad = load_resources("/nonexistent");
  REQUIRE_FALSE(bad.is_ok());
  CHECK(bad.diagnostics().size() == 19);  // eight fonts, packet.json, nine library files, the payers folder
  CHECK(bad.diagnostics()[0].message.find("/nonexistent/fonts/") != std::string::npos);
}

TEST_CASE("a site's overlay replaces shipped files one by one (issue 13)") {
  namespace fs = std::filesystem;
  fs::path site = fs::temp_directory_path() / ("p2p-site-" + std::to_string(::getpid()));
  fs::remove_all(site);
  fs::create_directories(site / "brief");
  fs::create_directories(site / "knowledge" / "payers");
  std::string brief = *read_file(kRoot + "/templates/brief/default.md");
  size_t heading = brief.find("\n# ");
  REQUIRE(heading != std::string::npos);
  brief.insert(heading + 3, "Site ");
  REQUIRE(write_file_atomic((site / "brief" / "default.md").string(), brief).is_ok());
  std::string uhc = *read_file(kRoot + "/templates/knowledge/payers/uhc.json");
  REQUIRE(write_file_atomic((site / "knowledge" / "payers" / "zz-site.json").string(), uhc).is_ok());

  auto r = load_resources(kRoot, site.string());
  REQUIRE(r.is_ok());
  const Resources& res = r.value();
  CHECK(res.knowledge.payers.contains("zz-site"));   // a payer the site added
  CHECK(res.knowledge.payers.contains("uhc"));       // and every shipped one
  CHECK(template_file(res, "brief/default.md") == (site / "brief" / "default.md").string());
  CHECK(template_file(res, "lomn/default.md") == kRoot + "/templates/lomn/default.md");
  Case c = sample_case();
  auto shipped = generate_packet(c, resources(), Env::at(1795000000));
  auto overlaid = generate_packet(c, res, Env::at(1795000000));
  REQUIRE(shipped.is_ok());
  REQUIRE(overlaid.is_ok());
  CHECK(overlaid.value().documents[0].template_choice.folder == site.string());
  CHECK(overlaid.value().documents[0].pdf != shipped.value().documents[0].pdf);
  CHECK(overlaid.value().documents[2].template_choice.folder == "templates");
  CHECK(overlaid.value().documents[2].pdf == shipped.value().documents[2].pdf);

  auto missing = load_resources(kRoot, (site / "absent").string());
  REQUIRE_FALSE(missing.is_ok());
  CHECK(missing.diagnostics()[0].message.find("is not a folder") != std::string::npos);
  fs::remove_all(site);
}

TEST_CASE("use_archival_pdf: Debian's sRGB profile is taken; a missing file or one that is not an RGB ICC profile is refused") {
  Resources res;
  if (std::filesystem::exists(kSrgbProfilePath)) {
    CHECK(use_archival_pdf(res).empty());
    REQUIRE(res.output_intent);
    CHECK(res.output_intent->size() > 128);
  }
  Resources other;
  auto missing = use_archival_pdf(other, "/nonexistent/sRGB.icc");
  REQUIRE(missing.size() == 1);
  CHECK(missing[0].message.find("/nonexistent/sRGB.icc cannot be read") != std::string::npos);
  CHECK(missing[0].message.find("icc-profiles-free") != std::string::npos);
  CHECK_FALSE(other.output_intent);
  auto not_icc = use_archival_pdf(other, kRoot + "/samples/uhc-lumbar-mri.json");
  REQUIRE(not_icc.size() == 1);
  CHECK(not_icc[0].message.find("is not an ICC profile") != std::string::npos);
  CHECK_FALSE(other.output_intent);
}

TEST_CASE("a fixed clock gives byte-identical PDFs, another clock does not") {
  Case c = sample_case();
  auto a = generate_packet(c, resources(), Env::at(1795000000));
  auto b = generate_packet(c, resources(), Env::at(1795000000));
  auto later = generate_packet(c, resources(), Env::at(1795003600));
  REQUIRE(a.is_ok());
  REQUIRE(b.is_ok());
  REQUIRE(later.is_ok());
  CHECK(a.value().documents[0].pdf == b.value().documents[0].pdf);
  CHECK(a.value().documents[0].pdf != later.value().documents[0].pdf);
  CHECK(a.value().documents[0].pdf.rfind("%PDF-1.7", 0) == 0);
  CHECK(a.value().documents[0].pages == 1);
}

// Issue 8 (seen 11): delivery told versions apart by the PDF's bytes, so
// every regeneration without a fixed clock was a new document in the chart.
TEST_CASE("the content digest follows what is drawn, not the clock") {
  Case c = sample_case();
  auto a = generate_packet(c, resources(), Env::at(1795000000));
  auto later = generate_packet(c, resources(), Env::at(1795003600));  // an hour later, the same day
  Case changed = sample_case([](json& d) { d["denial"]["reason"] = "A different reason given by the payer."; });
  auto edited = generate_packet(changed, resources(), Env::at(1795000000));
  REQUIRE(a.is_ok());
  REQUIRE(later.is_ok());
  REQUIRE(edited.is_ok());
  const auto& docs = a.value().documents;
  for (size_t i = 0; i < docs.size(); ++i) {
    CAPTURE(docs[i].file_name);
    CHECK(docs[i].content_sha256.size() == 64);
    CHECK(docs[i].content_sha256 == later.value().documents[i].content_sha256);
    if (docs[i].pages) CHECK(docs[i].pdf != later.value().documents[i].pdf);
  }
  CHECK(docs[0].content_sha256 != edited.value().documents[0].content_sha256);
  CHECK(docs[0].content_sha256 != sha256_hex(docs[0].pdf));
}

TEST_CASE("Env reads SOURCE_DATE_EPOCH") {
  setenv("SOURCE_DATE_EPOCH", "1795000000", 1);
  Env e = Env::from_process();
  CHECK(e.timestamp == 1795000000);
  CHECK(e.today.iso() == "2026-11-18");
  unsetenv("SOURCE_DATE_EPOCH");
}

TEST_CASE("write_packet writes the documents and the manifest, no temporary files") {
  Case c = sample_case();
  Env env = Env::at(1795000000);
  auto p = generate_packet(c, resources(), env);
  REQUIRE(p.is_ok());
  std::string out = std::filesystem::temp_directory_path() / ("p2p-pipeline-test-" + std::to_string(getpid()));
  auto dir = write_packet(p.value(), out, env);
  REQUIRE(dir.is_ok());
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir.value().dir)) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  std::vector<std::string> want = {"manifest.json", "case.json"};
  for (const DocumentKind& d : resources().documents) want.push_back(d.file);
  std::sort(want.begin(), want.end());
  CHECK(names == want);
  // the case kept with the packet loads again as the same case
  auto kept = load_case(*read_file(dir.value().dir + "/case.json"), c.denial_date);
  REQUIRE(kept.is_ok());
  CHECK(kept.value().doc == c.doc);
  json m = json::parse(*read_file(dir.value().dir + "/manifest.json"));
  CHECK(dir.value().manifest == m);
  CHECK(m["case_id"] == c.id);
  CHECK(m["documents"][0]["sha256"] == sha256_hex(*read_file(dir.value().dir + "/brief.pdf")));
  CHECK(m["documents"][0]["template"] == "templates/brief/default.md");
  CHECK(m["documents"][0]["template_candidates"].size() == 4);
  CHECK(m["generated"] == "2026-11-18T11:06:40Z");

  // again: the new packet replaces the old one, which is kept as .prev
  auto later = generate_packet(c, resources(), Env::at(1795003600));
  REQUIRE(write_packet(later.value(), out, Env::at(1795003600)).is_ok());
  json m2 = json::parse(*read_file(dir.value().dir + "/manifest.json"));
  json prev = json::parse(*read_file(dir.value().dir + ".prev/manifest.json"));
  CHECK(m2["generated"] == "2026-11-18T12:06:40Z");
  CHECK(prev["generated"] == "2026-11-18T11:06:40Z");
  int staging = 0;
  for (const auto& e : std::filesystem::directory_iterator(out)) staging += e.path().filename().string()[0] == '.';
  CHECK(staging == 0);
  std::filesystem::remove_all(out);
}

TEST_CASE("generate_filled_copy: the form laid out again with the values as page content, no field left") {
  Case c = sample_case();
  Env env = Env::at(1795000000);
  FilledValues filled{{"reviewer_name", {"Dr. Zoë Ñúñez", false}}, {"disposition_upheld", {"", true}}};
  auto copy = generate_filled_copy(c, "post-call", filled, "post-call-record.pdf", resources(), env);
  REQUIRE(copy.is_ok());
  const std::string& pdf = copy.value().pdf;
  CHECK(copy.value().file_name == "post-call-record.pdf");
  CHECK(pdf.find("/AcroForm") == std::string::npos);
  CHECK(pdf.find("/Widget") == std::string::npos);
  auto form = generate_document(c, "post-call", resources(), env);
  REQUIRE(form.is_ok());
  CHECK(form.value().pdf.find("/AcroForm") != std::string::npos);  // the check above can fail
  CHECK(copy.value().pages == form.value().pages);
  CHECK(copy.value().content_sha256 != form.value().content_sha256);
  // a text document has no form; an unknown kind fails
  CHECK(!generate_filled_copy(c, "notice", filled, "x.pdf", resources(), env).is_ok());
  CHECK(!generate_filled_copy(c, "nothing", filled, "x.pdf", resources(), env).is_ok());
  // a value the fonts cannot print is an error naming the field
  auto bad = generate_filled_copy(c, "post-call", {{"completed_by", {"\xE7\x8E\x8B", false}}}, "x.pdf", resources(), env);
  REQUIRE(!bad.is_ok());
  CHECK(bad.diagnostics()[0].path == "/completed_by");
}

TEST_CASE("write_packet lists records apart from the documents and keeps those of the packet it replaces") {
  Case c = sample_case();
  Env env = Env::at(1795000000);
  auto p = generate_packet(c, resources(), env);
  REQUIRE(p.is_ok());
  std::string out = std::filesystem::temp_directory_path() / ("p2p-records-test-" + std::to_string(getpid()));
  Packet first = p.value();
  GeneratedDocument rec;
  rec.kind = "post-call";
  rec.file_name = "post-call-record-1.pdf";
  rec.pdf = "first call";
  first.records.push_back(rec);
  auto dir = write_packet(first, out, env);
  REQUIRE(dir.is_ok());
  json m = json::parse(*read_file(dir.value().dir + "/manifest.json"));
  REQUIRE(m["records"].size() == 1);
  CHECK(m["records"][0]["file"] == "post-call-record-1.pdf");
  CHECK(m["records"][0]["sha256"] == sha256_hex("first call"));
  CHECK(m["documents"].size() == resources().documents.size());

  // a packet without records (generate again): the record stays
  REQUIRE(write_packet(p.value(), out, env).is_ok());
  CHECK(read_file(dir.value().dir + "/post-call-record-1.pdf") == std::optional<std::string>("first call"));
  // a second call's record beside it; a record of the same name replaces the old one
  Packet third = p.value();
  rec.file_name = "post-call-record-2.pdf";
  rec.pdf = "second call";
  third.records.push_back(rec);
  rec.file_name = "post-call-record-1.pdf";
  rec.pdf = "first call, corrected";
  third.records.push_back(rec);
  auto third_written = write_packet(third, out, env);
  REQUIRE(third_written.is_ok());
  m = json::parse(*read_file(dir.value().dir + "/manifest.json"));
  CHECK(third_written.value().manifest == m);  // what it returns is what it wrote, the kept records too
  REQUIRE(m["records"].size() == 2);
  CHECK(m["records"][0]["file"] == "post-call-record-2.pdf");
  CHECK(m["records"][1]["file"] == "post-call-record-1.pdf");
  CHECK(read_file(dir.value().dir + "/post-call-record-1.pdf") == std::optional<std::string>("first call, corrected"));
  CHECK(read_file(dir.value().dir + "/post-call-record-2.pdf") == std::optional<std::string>("second call"));
  std::filesystem::remove_all(out);
}

TEST_CASE("staged writes: a new file only; one flush shared by concurrent writers; a flush that cannot be made fails") {
  std::string out = std::filesystem::temp_directory_path() / ("p2p-staged-test-" + std::to_string(getpid()));
  std::filesystem::remove_all(out);
  REQUIRE(write_file_staged(out + "/a/one.pdf", "first").is_ok());
  CHECK(*read_file(out + "/a/one.pdf") == "first");
  CHECK_FALSE(write_file_staged(out + "/a/one.pdf", "second").is_ok());  // never over a file
  CHECK(*read_file(out + "/a/one.pdf") == "first");
  std::vector<std::thread> writers;
  std::atomic<int> flushed{0};
  for (int i = 0; i < 8; ++i)
    writers.emplace_back([&, i] {
      bool wrote = write_file_staged(out + "/w" + std::to_string(i) + "/f", std::string(4096, 'x')).is_ok();
      if (wrote && flush_file_system(out).is_ok()) ++flushed;
    });
  for (auto& t : writers) t.join();
  CHECK(flushed == 8);
  CHECK_FALSE(flush_file_system(out + "/no-such-folder").is_ok());
  std::filesystem::remove_all(out);
}

TEST_CASE("sha256 of known bytes") {
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("merge: criteria gaps, reviewer specialty, age, deadlines") {
  Case c = sample_case([](json& d) {
    d["denial"]["reviewer"] = {{"name", "R. Patel"}, {"specialty", "Internal medicine"}};
    d.erase("p2p");
  });
  auto deadlines = compute_deadlines(c, resources().knowledge.deadlines, resources().knowledge.regulations, *parse_date("2026-11-23"));
  REQUIRE(deadlines.is_ok());
  json v = merge_case_view(c, deadlines.value(), gather_evidence(c, resources().knowledge), *parse_date("2026-11-23"));
  int gaps = 0;
  for (const json& cr : v["policy"]["criteria"]) {
    CHECK(cr["gap"].get<bool>() == (cr["status"] != "met"));
    if (cr["status"] == "not_met") CHECK(cr["status_label"] == "NOT MET");
    gaps += cr["gap"].get<bool>();
  }
  CHECK(v["policy"]["gap_count"] == gaps);
  CHECK(v["reviewer_mismatch"] == true);
  CHECK(v["patient"]["age"].is_number_integer());
  CHECK(v["deadlines"]["p2p_request"]["date"] == deadlines.value().p2p_request.due.iso());
  Case same = sample_case([](json& d) {
    d["denial"]["reviewer"] = {{"name", "A. Lee"}, {"specialty", d["physician"]["specialty"]}};
    d.erase("p2p");
  });
  json v2 = merge_case_view(same, deadlines.value(), gather_evidence(same, resources().knowledge), *parse_date("2026-11-23"));
  CHECK_FALSE(v2.contains("reviewer_mismatch"));
}

TEST_CASE("merge drops empty strings so template sections are skipped") {
  Case c = sample_case([](json& d) { d["policy"]["criteria"][0]["source"] = ""; });
  auto deadlines = compute_deadlines(c, resources().knowledge.deadlines, resources().knowledge.regulations, *parse_date("2026-11-23"));
  json v = merge_case_view(c, deadlines.value(), gather_evidence(c, resources().knowledge), *parse_date("2026-11-23"));
  CHECK_FALSE(v["policy"]["criteria"][0].contains("source"));
}

namespace {

json view_on(const Case& c, const char* today) {
  auto deadlines = compute_deadlines(c, resources().knowledge.deadlines, resources().knowledge.regulations,
                                     *parse_date(today));
  REQUIRE(deadlines.is_ok());
  return merge_case_view(c, deadlines.value(), gather_evidence(c, resources().knowledge), *parse_date(today));
}

}  // namespace

TEST_CASE("merge: a closed P2P window is not printed as open; the next deadline is the appeal") {
  Case c = sample_case([](json& d) {
    d["denial"]["date"] = "2026-11-10";
    d.erase("p2p");
    d.erase("call");
  });
  json open = view_on(c, "2026-11-11");
  CHECK(open["deadlines"]["p2p_request"]["date"] == "2026-11-13");   // Veterans Day counted
  CHECK(open["deadlines"]["p2p"]["to_request"] == true);
  CHECK(open["deadlines"]["next"]["key"] == "p2p_request");
  CHECK(open["deadlines"]["items"][0]["label"] == "request P2P by");
  json closed = view_on(c, "2026-11-23");
  CHECK(closed["deadlines"]["p2p"]["closed"] == true);
  CHECK(closed["deadlines"]["p2p"]["to_request"] == false);
  CHECK(closed["deadlines"]["p2p_request"]["passed"] == true);
  CHECK(closed["deadlines"]["next"]["key"] == "internal_appeal");
  CHECK(closed["deadlines"]["items"][0]["label"] == "P2P window closed");
  json due = view_on(c, "2026-11-13");
  CHECK(due["deadlines"]["items"][0]["display"] == "today, Fri Nov 13, 2026");
}

TEST_CASE("merge: law.appeal is the plan type's appeal rule; CMS-0057-F only as prior_auth_decision") {
  Case ma = sample_case([](json& d) { d["payer"]["plan_type"] = "medicare_advantage"; });
  json v = view_on(ma, "2026-11-23");
  CHECK(v["law"]["appeal"]["id"] == "ma-reconsideration");
  CHECK(v["law"]["appeal"]["filing_cite"] == "42 CFR 422.582");
  CHECK(v["law"]["external_review"]["automatic"] == true);
  CHECK(v["law"]["prior_auth_decision"]["id"] == "cms-0057-f");
  CHECK_FALSE(v.contains("rules"));  // the law is carried once, under `law`
  CHECK_FALSE(v["law"].contains("decision_timeline"));
  CHECK(v["deadlines"]["external_review_automatic"] == true);
  Case old = sample_case([](json& d) {
    d["payer"]["plan_type"] = "medicare_advantage";
    d["denial"]["date"] = "2025-11-10";
  });
  json v2 = view_on(old, "2025-11-11");
  CHECK_FALSE(v2["law"].contains("prior_auth_decision"));   // CMS-0057-F decision times start in 2026
  CHECK(v2["law"].dump().find("cms-0057-f") == std::string::npos);  // not in force: no topic cites it
  json v3 = view_on(sample_case([](json& d) { d["payer"]["plan_type"] = "medicare_advantage"; }), "2026-11-11");
  CHECK(v3["law"].dump().find("cms-0057-f") != std::string::npos);  // in force in 2026: the check can fail
}

// Issue 8, "Segfault on far-future dates": validation now refuses such a
// denial date, but merge must not depend on that: a deadline past year 9999
// used to be re-parsed from its ISO text and dereferenced unchecked.
TEST_CASE("regression: merge survives deadlines past year 9999") {
  Case c = sample_case();
  c.denial_date = Date{9999, 11, 30};
  c.doc["denial"]["date"] = "9999-11-30";
  auto deadlines = compute_deadlines(c, resources().knowledge.deadlines, resources().knowledge.regulations, *parse_date("2026-11-23"));
  REQUIRE(deadlines.is_ok());
  json v = merge_case_view(c, deadlines.value(), gather_evidence(c, resources().knowledge), *parse_date("2026-11-23"));
  CHECK(v["denial"]["date_long"] == "November 30, 9999");
  const Deadline& p2p = deadlines.value().p2p_request;
  CHECK(v["deadlines"]["p2p_request"]["date_long"] == p2p.due.long_display());
  if (deadlines.value().internal_appeal) {
    CHECK(deadlines.value().internal_appeal->due.year == 10000);
    CHECK(v["deadlines"]["internal_appeal"]["date_long"].get<std::string>().ends_with(", 10000"));
  }
}

namespace {

// The /BaseFont names a PDF's font dictionaries give ("ABCDEF+LiberationSans").
std::set<std::string> base_fonts(const std::string& pdf) {
  std::set<std::string> names;
  for (size_t at = pdf.find("/BaseFont/"); at != std::string::npos; at = pdf.find("/BaseFont/", at + 1)) {
    size_t start = at + 10, end = pdf.find_first_of("/ \n>", start);
    names.insert(pdf.substr(start, end - start));
  }
  return names;
}

}  // namespace

TEST_CASE("a packet's documents drawn with one font family embed the same subsets; one document alone its own") {
  Case c = sample_case();
  auto packet = generate_packet(c, resources(), Env::at(1795000000));
  REQUIRE(packet.is_ok());
  std::map<std::string, std::set<std::string>> fonts;
  for (const GeneratedDocument& d : packet.value().documents) fonts[d.kind] = base_fonts(d.pdf);
  REQUIRE(fonts["brief"].size() >= 2);
  // the brief and the call script are set in sans, the LOMN and cover letter in serif
  CHECK(fonts["brief"] == fonts["p2p-script"]);
  CHECK(fonts["lomn"] == fonts["appeal-cover"]);
  for (const std::string& name : fonts["brief"]) CHECK(name.find("Serif") == std::string::npos);

  auto alone = generate_document(c, "brief", resources(), Env::at(1795000000));
  REQUIRE(alone.is_ok());
  std::set<std::string> own = base_fonts(alone.value().pdf);
  CHECK(own.size() == fonts["brief"].size());
  CHECK(own != fonts["brief"]);   // subset for the brief's characters only
  CHECK(alone.value().content_sha256 == packet.value().documents[0].content_sha256);  // the same drawing
  CHECK(alone.value().pdf.size() < packet.value().documents[0].pdf.size());
}

TEST_CASE("templates kept in memory: packets read no template twice, and an edit shows in the next packet") {
  namespace fs = std::filesystem;
  fs::path site = fs::temp_directory_path() / ("p2p-kept-" + std::to_string(::getpid()));
  fs::remove_all(site);
  fs::create_directories(site / "brief");
  std::string brief = *read_file(kRoot + "/templates/brief/default.md");
  REQUIRE(write_file_atomic((site / "brief" / "default.md").string(), brief).is_ok());
  auto loaded = load_resources(kRoot, site.string());
  REQUIRE(loaded.is_ok());
  Resources res = loaded.take();
  keep_templates_in_memory(res);
  REQUIRE(res.template_files->watching());

  Case c = sample_case();
  auto first = generate_packet(c, res, Env::at(1795000000));
  REQUIRE(first.is_ok());
  size_t reads = res.template_files->disk_reads();
  auto second = generate_packet(c, res, Env::at(1795000000));
  REQUIRE(second.is_ok());
  CHECK(res.template_files->disk_reads() == reads);
  CHECK(second.value().documents[0].pdf == first.value().documents[0].pdf);
  // the same packet as reading from disk
  auto from_disk = generate_packet(c, load_resources(kRoot, site.string()).value(), Env::at(1795000000));
  REQUIRE(from_disk.is_ok());
  CHECK(from_disk.value().documents[0].pdf == first.value().documents[0].pdf);

  size_t heading = brief.find("\n# ");
  REQUIRE(heading != std::string::npos);
  brief.insert(heading + 3, "Edited ");
  REQUIRE(write_file_atomic((site / "brief" / "default.md").string(), brief).is_ok());
  auto third = generate_packet(c, res, Env::at(1795000000));
  REQUIRE(third.is_ok());
  CHECK(res.template_files->disk_reads() > reads);
  CHECK(third.value().documents[0].content_sha256 != first.value().documents[0].content_sha256);
  fs::remove_all(site);
}
