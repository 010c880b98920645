// Delivery: encodings against published vectors, the payloads' shape, the
// retry schedule, and the outbox's life cycle on a real folder.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "delivery/delivery.h"
#include "delivery/encoding.h"
#include "delivery/outbox.h"
#include "delivery/payload.h"
#include "pipeline/files.h"

using namespace p2p;
using namespace p2p::delivery;
namespace fs = std::filesystem;

TEST_CASE("base64: RFC 4648 section 10 vectors") {
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("f") == "Zg==");
  CHECK(base64_encode("fo") == "Zm8=");
  CHECK(base64_encode("foo") == "Zm9v");
  CHECK(base64_encode("foob") == "Zm9vYg==");
  CHECK(base64_encode("fooba") == "Zm9vYmE=");
  CHECK(base64_encode("foobar") == "Zm9vYmFy");
  CHECK(base64_encode(std::string("\xff\xfe\x00", 3)) == "//4A");
}

TEST_CASE("sha1: FIPS 180 examples, one block, two blocks, many") {
  CHECK(sha1_hex("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  CHECK(sha1_hex("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d");
  // 56 bytes: the padding needs a second block
  CHECK(sha1_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  CHECK(sha1_hex(std::string(1000000, 'a')) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
  // FHIR Attachment.hash is the digest in base64
  CHECK(sha1_base64("abc") == "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=");
}

namespace {

OutgoingDocument sample_document() {
  OutgoingDocument d;
  d.case_id = "RSP-2026-00417";
  d.kind = "lomn";
  d.title = "Letter of medical necessity";
  d.file = "lomn.pdf";
  d.content_type = "application/pdf";
  d.bytes = "%PDF-1.7 fake";
  d.sha256 = sha256_hex(d.bytes);
  d.content_sha256 = sha256_hex("what the letter shows");
  d.timestamp = 1795435200;  // 2026-11-23T12:00:00Z
  return d;
}

Version first_version(const OutgoingDocument& d) { return {idempotency_key(d), ""}; }

RecordFacts with_ids(const std::string& mrn, const std::string& member_id) {
  RecordFacts f;
  f.patient = {mrn, member_id};
  return f;
}

// A case as record_facts reads it: physician and practice by NPI, no encounter.
RecordFacts sample_facts() {
  RecordFacts f = with_ids("RSP-220931", "UHC884120937");
  f.physician_name = "Dana Whitfield";
  f.physician_npi = "1093817465";
  f.practice_name = "Lakeside Spine Associates";
  f.practice_npi = "1548203917";
  return f;
}

}  // namespace

TEST_CASE("idempotency key: case, file and what the document shows, not its bytes") {
  OutgoingDocument d = sample_document();
  CHECK(idempotency_key(d) == "RSP-2026-00417/lomn.pdf/" + d.content_sha256);
  OutgoingDocument later = d;  // regenerated later: other PDF dates, the same content
  later.bytes += " other dates";
  later.sha256 = sha256_hex(later.bytes);
  later.timestamp += 3600;
  CHECK(idempotency_key(later) == idempotency_key(d));
  OutgoingDocument changed = d;
  changed.content_sha256 = sha256_hex("what the corrected letter shows");
  CHECK(idempotency_key(changed) != idempotency_key(d));
  std::string back = returning_key(idempotency_key(d), idempotency_key(changed));
  CHECK(back.rfind(idempotency_key(d) + "~", 0) == 0);
  CHECK(back.size() == idempotency_key(d).size() + 13);
  CHECK(back == returning_key(idempotency_key(d), idempotency_key(changed)));
}

TEST_CASE("DocumentReference: the R4 fields an EHR files by") {
  OutgoingDocument d = sample_document();
  FhirOptions o;
  o.mrn_system = "urn:oid:1.2.3.4";
  auto ref = document_reference(d, first_version(d), with_ids("RSP-220931", "UHC884120937"), o);
  CHECK(ref["resourceType"] == "DocumentReference");
  CHECK(ref["status"] == "current");
  CHECK(ref["masterIdentifier"]["value"] == idempotency_key(d));
  CHECK(ref["identifier"][0]["system"] == "urn:p2pdoc:document");
  CHECK(ref["identifier"][0]["value"] == idempotency_key(d));
  CHECK(ref["type"]["coding"][0]["system"] == "http://loinc.org");
  CHECK(ref["type"]["coding"][0]["code"] == "11488-4");
  CHECK(ref["type"]["text"] == "Letter of medical necessity");
  // the MRN wins over the member id, typed MR (HL7 v2 table 0203)
  CHECK(ref["subject"]["identifier"]["value"] == "RSP-220931");
  CHECK(ref["subject"]["identifier"]["system"] == "urn:oid:1.2.3.4");
  CHECK(ref["subject"]["identifier"]["type"]["coding"][0]["code"] == "MR");
  CHECK(ref["date"] == "2026-11-23T12:00:00Z");
  CHECK(ref["description"] == "Letter of medical necessity, case RSP-2026-00417");
  const auto& a = ref["content"][0]["attachment"];
  CHECK(a["contentType"] == "application/pdf");
  CHECK(a["data"] == base64_encode(d.bytes));
  CHECK(a["size"] == d.bytes.size());
  CHECK(a["hash"] == sha1_base64(d.bytes));
  CHECK(a["title"] == "Letter of medical necessity");
  CHECK(a["language"] == "en-US");
  CHECK_FALSE(ref.contains("relatesTo"));

  auto by_member = document_reference(d, first_version(d), with_ids("", "UHC884120937"), FhirOptions{});
  CHECK(by_member["subject"]["identifier"]["value"] == "UHC884120937");
  CHECK(by_member["subject"]["identifier"]["type"]["coding"][0]["code"] == "MB");
  CHECK_FALSE(by_member["subject"]["identifier"].contains("system"));
}

TEST_CASE("DocumentReference: a new version replaces the earlier one (relatesTo)") {
  OutgoingDocument d = sample_document();
  auto ref = document_reference(d, {"C/lomn.pdf/new", "C/lomn.pdf/old"}, sample_facts(), FhirOptions{});
  CHECK(ref["identifier"][0]["value"] == "C/lomn.pdf/new");
  REQUIRE(ref["relatesTo"].size() == 1);
  CHECK(ref["relatesTo"][0]["code"] == "replaces");
  CHECK(ref["relatesTo"][0]["target"]["type"] == "DocumentReference");
  CHECK(ref["relatesTo"][0]["target"]["identifier"]["system"] == "urn:p2pdoc:document");
  CHECK(ref["relatesTo"][0]["target"]["identifier"]["value"] == "C/lomn.pdf/old");
  // once the EHR's id of the earlier version is known it is named too
  auto literal = nlohmann::json::parse(with_replaced_reference(ref.dump(), "4711"));
  CHECK(literal["relatesTo"][0]["target"]["reference"] == "DocumentReference/4711");
  CHECK(literal["relatesTo"][0]["target"]["identifier"]["value"] == "C/lomn.pdf/old");
  CHECK(with_replaced_reference(ref.dump(), "") == ref.dump());
  auto first = document_reference(d, first_version(d), sample_facts(), FhirOptions{}).dump();
  CHECK(with_replaced_reference(first, "4711") == first);
}

TEST_CASE("reading the EHR's answers: search bundles and created ids") {
  CHECK(identifier_search_url("http://ehr/fhir/DocumentReference", "urn:p2pdoc:document", "C-1/lomn.pdf/ab~12") ==
        "http://ehr/fhir/DocumentReference?identifier=urn:p2pdoc:document%7CC-1/lomn.pdf/ab~12");
  using K = SearchFinding::Kind;
  auto empty = read_search_bundle(R"({"resourceType": "Bundle", "type": "searchset", "total": 0, "entry": []})");
  CHECK(empty.kind == K::none);
  auto hit = read_search_bundle(
      R"({"resourceType": "Bundle", "total": 1, "entry": [{"resource": {"resourceType": "OperationOutcome"}},
          {"resource": {"resourceType": "DocumentReference", "id": "17"}}]})");
  CHECK(hit.kind == K::found);
  CHECK(hit.id == "17");
  auto counted = read_search_bundle(R"({"resourceType": "Bundle", "total": 2})");
  CHECK(counted.kind == K::found);
  CHECK(counted.id.empty());
  CHECK(read_search_bundle(R"({"resourceType": "OperationOutcome"})").kind == K::unreadable);
  CHECK(read_search_bundle("<html>").kind == K::unreadable);

  CHECK(created_id("https://ehr/fhir/DocumentReference/123/_history/1", "") == "123");
  CHECK(created_id("DocumentReference/abc", "") == "abc");
  CHECK(created_id("", R"({"resourceType": "DocumentReference", "id": "9"})") == "9");
  CHECK(created_id("", "") == "");
}

TEST_CASE("webhook payload") {
  OutgoingDocument d = sample_document();
  auto w = webhook_payload(d, first_version(d), "preliminary");
  CHECK(w["case_id"] == d.case_id);
  CHECK(w["kind"] == "lomn");
  CHECK(w["file"] == "lomn.pdf");
  CHECK(w["sha256"] == d.sha256);
  CHECK(w["bytes"] == d.bytes.size());
  CHECK(w["content_sha256"] == d.content_sha256);
  CHECK(w["idempotency_key"] == idempotency_key(d));
  CHECK(w["replaces"].is_null());
  CHECK(w["data"] == base64_encode(d.bytes));
  CHECK(w["doc_status"] == "preliminary");
  CHECK(webhook_payload(d, {"k2", "k1"}, "final")["replaces"] == "k1");
}

TEST_CASE("retry schedule: doubling from the initial delay, capped") {
  CHECK(retry_delay_ms(1, 1000, 300000) == 1000);
  CHECK(retry_delay_ms(2, 1000, 300000) == 2000);
  CHECK(retry_delay_ms(3, 1000, 300000) == 4000);
  CHECK(retry_delay_ms(9, 1000, 300000) == 256000);
  CHECK(retry_delay_ms(10, 1000, 300000) == 300000);
  CHECK(retry_delay_ms(1000, 1000, 300000) == 300000);  // no overflow
  CHECK(retry_delay_ms(0, 50, 400) == 50);
}

TEST_CASE("what is retried: no answer, 408, 425, 429, 5xx") {
  for (int s : {0, 408, 425, 429, 500, 502, 503, 504}) CHECK(is_retryable(s));
  for (int s : {200, 301, 400, 401, 403, 404, 409, 422}) CHECK_FALSE(is_retryable(s));
}

TEST_CASE("pdf_documents: PDFs only, and patient ids from the case") {
  Packet p;
  p.case_id = "C-1";
  p.documents.push_back({"brief", "brief.pdf", "Peer-to-peer case brief", {}, "%PDF", 1, 10, 0, "drawn"});
  p.documents.push_back({"notice", "notice.txt", "notice", {}, "text", 0, 0, 0, "text"});
  p.documents.push_back({"lomn", "lomn.pdf", "Letter", {}, "%PDF lomn", 1, 10, 0, ""});
  auto docs = pdf_documents(p, 5);
  REQUIRE(docs.size() == 2);
  CHECK(docs[0].file == "brief.pdf");
  CHECK(docs[0].sha256 == sha256_hex("%PDF"));
  CHECK(docs[0].content_sha256 == "drawn");
  CHECK(docs[1].content_sha256 == sha256_hex("%PDF lomn"));  // no content digest: the bytes
  auto ids = patient_ids(nlohmann::json::parse(R"({"patient": {"member_id": "M1", "mrn": "R1"}})"));
  CHECK(ids.mrn == "R1");
  CHECK(ids.member_id == "M1");
  CHECK(patient_ids(nlohmann::json::parse(R"({"patient": 3})")).mrn.empty());
}

TEST_CASE("outbox: put, load, complete, give up, reopen after a crash") {
  std::string dir = (fs::temp_directory_path() / ("p2p-outbox-" + std::to_string(getpid()))).string();
  fs::remove_all(dir);
  Outbox box(dir);
  REQUIRE(box.open().is_ok());

  OutboxEntry e;
  e.key = "C-1/brief.pdf/abc";
  e.id = Outbox::id_for(e.key);
  e.target = "webhook";
  e.url = "http://127.0.0.1:9/hook";
  e.content_type = "application/json";
  e.case_id = "C-1";
  e.file = "brief.pdf";
  e.body = R"({"x": 1})";
  REQUIRE(box.put(e).is_ok());
  CHECK(box.is_pending(e.id));
  auto back = box.load(e.id);
  REQUIRE(back.is_ok());
  CHECK(back.value().key == e.key);
  CHECK(back.value().body == e.body);

  // a restart finds it; a leftover temporary file is cleaned away
  std::ofstream(dir + "/" + e.id + ".json.tmp-1-1") << "half";
  auto reopened = box.open();
  REQUIRE(reopened.is_ok());
  CHECK(reopened.value() == std::vector<std::string>{e.id});
  CHECK_FALSE(fs::exists(dir + "/" + e.id + ".json.tmp-1-1"));

  REQUIRE(box.complete(e).is_ok());
  CHECK(box.was_sent(e.id));
  CHECK_FALSE(box.is_pending(e.id));

  // crash between "sent" and the removal: open() drops the entry, nothing is sent twice
  REQUIRE(box.put(e).is_ok());
  auto after_crash = box.open();
  REQUIRE(after_crash.is_ok());
  CHECK(after_crash.value().empty());
  CHECK_FALSE(box.is_pending(e.id));

  OutboxEntry f = e;
  f.key = "C-1/lomn.pdf/def";
  f.id = Outbox::id_for(f.key);
  REQUIRE(box.put(f).is_ok());
  REQUIRE(box.give_up(f, "422 from the EHR").is_ok());
  CHECK(box.failed_count() == 1);
  CHECK_FALSE(box.is_pending(f.id));

  std::ofstream(dir + "/" + std::string(64, 'a') + ".json") << "not json";
  CHECK_FALSE(box.load(std::string(64, 'a')).is_ok());
  box.quarantine(std::string(64, 'a'));
  CHECK(fs::exists(dir + "/failed/" + std::string(64, 'a') + ".unreadable"));
  fs::remove_all(dir);
}

TEST_CASE("deliverer: a key already delivered is not queued again") {
  std::string dir = (fs::temp_directory_path() / ("p2p-deliverer-" + std::to_string(getpid()))).string();
  fs::remove_all(dir);
  DeliveryConfig c;
  c.target = Target::webhook;
  c.url = "http://127.0.0.1:9/never";  // not started: nothing is sent in this test
  c.outbox_dir = dir;
  Deliverer d(c, [](const nlohmann::json&) {});
  REQUIRE(d.open().is_ok());
  OutgoingDocument doc = sample_document();
  auto first = d.enqueue({doc}, sample_facts());
  REQUIRE(first.is_ok());
  CHECK(first.value()[0].state == "queued");
  auto again = d.enqueue({doc}, sample_facts());
  CHECK(again.value()[0].state == "already queued");
  CHECK(d.stats().pending == 1);

  Outbox box(dir);
  auto e = box.load(Outbox::id_for(idempotency_key(doc)));
  REQUIRE(e.is_ok());
  REQUIRE(box.complete(e.value()).is_ok());
  Deliverer restarted(c, [](const nlohmann::json&) {});
  REQUIRE(restarted.open().is_ok());
  CHECK(restarted.stats().pending == 0);
  CHECK(restarted.enqueue({doc}, sample_facts()).value()[0].state == "already delivered");
  fs::remove_all(dir);
}

// Issue 8 (seen 11): re-posting cases without a fixed clock delivered 75 new
// documents on top of 75, because versions were told apart by their bytes.
TEST_CASE("deliverer: versions by content; a change replaces, a repeat sends nothing") {
  std::string dir = (fs::temp_directory_path() / ("p2p-versions-" + std::to_string(getpid()))).string();
  fs::remove_all(dir);
  DeliveryConfig c;
  c.target = Target::fhir;
  c.url = "http://127.0.0.1:9/fhir";  // not started: nothing is sent in this test
  c.fhir.mrn_system = "urn:oid:1.2.3.4";
  c.outbox_dir = dir;
  Deliverer d(c, [](const nlohmann::json&) {});
  REQUIRE(d.open().is_ok());
  Outbox box(dir);
  auto deliver = [&](const std::string& key, const std::string& server_id) {
    auto e = box.load(Outbox::id_for(key));
    REQUIRE(e.is_ok());
    REQUIRE(box.complete(e.value(), server_id).is_ok());
  };

  OutgoingDocument a = sample_document();
  auto first = d.enqueue({a}, sample_facts());
  REQUIRE(first.is_ok());
  CHECK(first.value()[0].state == "queued");
  CHECK(first.value()[0].replaces.empty());
  const std::string key_a = first.value()[0].key;

  OutgoingDocument a_later = a;  // the same case an hour later, no fixed clock: other bytes
  a_later.bytes += " (other CreationDate)";
  a_later.sha256 = sha256_hex(a_later.bytes);
  a_later.timestamp += 3600;
  CHECK(d.enqueue({a_later}, sample_facts()).value()[0].state == "already queued");
  deliver(key_a, "101");
  CHECK(box.server_id(Outbox::id_for(key_a)) == "101");
  CHECK(d.enqueue({a_later}, sample_facts()).value()[0].state == "already delivered");

  OutgoingDocument b = a;  // the case changed: the letter shows something else
  b.content_sha256 = sha256_hex("what the corrected letter shows");
  auto second = d.enqueue({b}, sample_facts());
  REQUIRE(second.is_ok());
  CHECK(second.value()[0].state == "queued");
  CHECK(second.value()[0].replaces == key_a);
  const std::string key_b = second.value()[0].key;
  auto entry_b = box.load(Outbox::id_for(key_b));
  REQUIRE(entry_b.is_ok());
  CHECK(entry_b.value().replaces == key_a);
  auto ref = nlohmann::json::parse(entry_b.value().body);
  CHECK(ref["relatesTo"][0]["code"] == "replaces");
  CHECK(ref["relatesTo"][0]["target"]["identifier"]["value"] == key_a);
  CHECK(d.enqueue({b}, sample_facts()).value()[0].state == "already queued");
  deliver(key_b, "102");

  // back to the first content: a new version (the chart shows B now), with a key of its own
  auto third = d.enqueue({a_later}, sample_facts());
  REQUIRE(third.is_ok());
  CHECK(third.value()[0].state == "queued");
  CHECK(third.value()[0].replaces == key_b);
  CHECK(third.value()[0].key == returning_key(key_a, key_b));
  CHECK(d.enqueue({a}, sample_facts()).value()[0].state == "already queued");

  // a restart knows the newest version of each document
  Deliverer restarted(c, [](const nlohmann::json&) {});
  REQUIRE(restarted.open().is_ok());
  CHECK(restarted.stats().pending == 1);
  CHECK(restarted.enqueue({a}, sample_facts()).value()[0].state == "already queued");
  // another document of the same case is a document of its own
  OutgoingDocument brief = a;
  brief.file = "brief.pdf";
  brief.kind = "brief";
  auto other = restarted.enqueue({brief}, sample_facts());
  CHECK(other.value()[0].state == "queued");
  CHECK(other.value()[0].replaces.empty());
  fs::remove_all(dir);
}

TEST_CASE("deliverer: a version the EHR refused for good is not what the next one replaces") {
  std::string dir = (fs::temp_directory_path() / ("p2p-refused-" + std::to_string(getpid()))).string();
  fs::remove_all(dir);
  DeliveryConfig c;
  c.target = Target::fhir;
  c.url = "http://127.0.0.1:9/fhir";
  c.fhir.mrn_system = "urn:oid:1.2.3.4";
  c.outbox_dir = dir;
  Outbox box(dir);
  OutgoingDocument a = sample_document(), b = a, c3 = a;
  b.content_sha256 = sha256_hex("b");
  c3.content_sha256 = sha256_hex("c");
  std::string key_a, key_b;
  {
    Deliverer d(c, [](const nlohmann::json&) {});
    REQUIRE(d.open().is_ok());
    key_a = d.enqueue({a}, sample_facts()).value()[0].key;
    REQUIRE(box.complete(box.load(Outbox::id_for(key_a)).value()).is_ok());
    key_b = d.enqueue({b}, sample_facts()).value()[0].key;
    REQUIRE(box.give_up(box.load(Outbox::id_for(key_b)).value(), "422").is_ok());  // the EHR refused B
  }
  Deliverer d(c, [](const nlohmann::json&) {});
  REQUIRE(d.open().is_ok());
  auto next = d.enqueue({c3}, sample_facts());
  CHECK(next.value()[0].state == "queued");
  CHECK(next.value()[0].replaces == key_a);
  fs::remove_all(dir);
}

namespace {

FhirOptions options_with_types() {
  FhirOptions o;
  o.mrn_system = "urn:oid:1.2.3.4";
  o.types["lomn"] = {"51852-2", "Letter", true};
  o.types["brief"] = {"34133-9", "Summary of episode note", false};
  return o;
}

}  // namespace

TEST_CASE("DocumentReference as a record: US Core's elements from the case") {
  OutgoingDocument d = sample_document();
  FhirOptions o = options_with_types();
  RecordFacts f = sample_facts();
  auto ref = document_reference(d, first_version(d), f, o);
  CHECK(ref["meta"]["profile"][0] == "http://hl7.org/fhir/us/core/StructureDefinition/us-core-documentreference");
  CHECK(ref["status"] == "current");
  CHECK(ref["docStatus"] == "preliminary");  // an unsigned LOMN is a draft
  CHECK(ref["type"]["coding"][0]["code"] == "51852-2");
  CHECK(ref["type"]["coding"][0]["display"] == "Letter");
  CHECK(ref["category"][0]["coding"][0]["system"] ==
        "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category");
  CHECK(ref["category"][0]["coding"][0]["code"] == "clinical-note");
  CHECK(ref["subject"]["type"] == "Patient");
  CHECK(ref["author"][0]["type"] == "Practitioner");
  CHECK(ref["author"][0]["identifier"]["system"] == "http://hl7.org/fhir/sid/us-npi");
  CHECK(ref["author"][0]["identifier"]["value"] == "1093817465");
  CHECK(ref["author"][0]["display"] == "Dana Whitfield");
  CHECK(ref["custodian"]["type"] == "Organization");
  CHECK(ref["custodian"]["identifier"]["value"] == "1548203917");
  CHECK(ref["custodian"]["display"] == "Lakeside Spine Associates");
  CHECK_FALSE(ref.contains("context"));  // the case names no encounter

  f.letters_signed = true;
  CHECK(document_reference(d, first_version(d), f, o)["docStatus"] == "final");
  OutgoingDocument brief = d;
  brief.kind = "brief";
  f.letters_signed = false;
  CHECK(document_reference(brief, first_version(brief), f, o)["docStatus"] == "final");
  CHECK(document_reference(brief, first_version(brief), f, o)["type"]["coding"][0]["code"] == "34133-9");
  OutgoingDocument other = d;
  other.kind = "unlisted";  // a kind the library does not list: the configured fallback, final
  auto fallback = document_reference(other, first_version(other), f, o);
  CHECK(fallback["type"]["coding"][0]["code"] == "11488-4");
  CHECK(fallback["docStatus"] == "final");

  f.encounter_id = "enc-2026.77";
  f.encounter_start = "2026-11-02";
  f.encounter_end = "2026-11-04";
  auto in_encounter = document_reference(d, first_version(d), f, o);
  CHECK(in_encounter["context"]["encounter"][0]["reference"] == "Encounter/enc-2026.77");
  CHECK(in_encounter["context"]["period"]["start"] == "2026-11-02");
  CHECK(in_encounter["context"]["period"]["end"] == "2026-11-04");

  RecordFacts anonymous = with_ids("RSP-1", "");
  auto no_npi = document_reference(d, first_version(d), anonymous, o);
  CHECK_FALSE(no_npi["author"][0].contains("identifier"));  // no NPI: nothing invented
  CHECK(no_npi["author"][0]["type"] == "Practitioner");
}

TEST_CASE("a draft and its signed version are different versions; signing replaces the draft") {
  std::string dir = (fs::temp_directory_path() / ("p2p-signed-" + std::to_string(getpid()))).string();
  fs::remove_all(dir);
  DeliveryConfig c;
  c.target = Target::fhir;
  c.url = "http://127.0.0.1:9/fhir";  // not started: nothing is sent in this test
  c.outbox_dir = dir;
  c.fhir = options_with_types();
  Deliverer d(c, [](const nlohmann::json&) {});
  REQUIRE(d.open().is_ok());
  OutgoingDocument lomn = sample_document();
  RecordFacts f = sample_facts();
  auto draft = d.enqueue({lomn}, f);
  REQUIRE(draft.is_ok());
  CHECK(draft.value()[0].state == "queued");
  CHECK(draft.value()[0].key != idempotency_key(lomn));
  f.letters_signed = true;
  auto signed_letter = d.enqueue({lomn}, f);
  REQUIRE(signed_letter.is_ok());
  CHECK(signed_letter.value()[0].state == "queued");
  CHECK(signed_letter.value()[0].key == idempotency_key(lomn));  // final: the bare content digest
  CHECK(signed_letter.value()[0].replaces == draft.value()[0].key);
  CHECK(d.enqueue({lomn}, f).value()[0].state == "already queued");
  fs::remove_all(dir);
}

TEST_CASE("FHIR delivery refuses what it cannot file: settings at start, cases at enqueue") {
  FhirOptions o;
  CHECK(check_fhir_settings(false, o).empty());
  auto missing = check_fhir_settings(true, o);
  REQUIRE(missing.size() == 1);
  CHECK(missing[0].find("fhir_mrn_system") != std::string::npos);
  o.mrn_system = "1.2.3.4";  // an OID without its urn:oid: prefix
  REQUIRE(check_fhir_settings(true, o).size() == 1);
  CHECK(check_fhir_settings(true, o)[0].find("absolute URI") != std::string::npos);
  o.mrn_system = "urn:oid:1.2.3.4";
  CHECK(check_fhir_settings(true, o).empty());

  CHECK(check_record_facts(with_ids("R1", ""), o).empty());
  auto member_only = check_record_facts(with_ids("", "M1"), o);
  REQUIRE(member_only.size() == 1);
  CHECK(member_only[0].path == "/patient/mrn");
  o.member_system = "urn:oid:1.2.3.5";
  CHECK(check_record_facts(with_ids("", "M1"), o).empty());

  std::string dir = (fs::temp_directory_path() / ("p2p-refused-" + std::to_string(getpid()))).string();
  fs::remove_all(dir);
  DeliveryConfig c;
  c.target = Target::fhir;
  c.url = "http://127.0.0.1:9/fhir";
  c.outbox_dir = dir;
  c.fhir.mrn_system = "urn:oid:1.2.3.4";
  Deliverer d(c, [](const nlohmann::json&) {});
  REQUIRE(d.open().is_ok());
  CHECK_FALSE(d.enqueue({sample_document()}, with_ids("", "M1")).is_ok());
  CHECK(d.stats().pending == 0);
  fs::remove_all(dir);
}

TEST_CASE("record facts from a case document") {
  auto f = record_facts(nlohmann::json::parse(R"({
    "patient": {"mrn": "R1", "member_id": "M1"},
    "physician": {"name": "Dana Whitfield", "npi": "1093817465"},
    "practice": {"name": "Lakeside Spine Associates", "npi": "1548203917"},
    "encounter": {"id": "e1", "start": "2026-11-02"},
    "letters_signed": "2026-11-05"})"));
  CHECK(f.patient.mrn == "R1");
  CHECK(f.physician_npi == "1093817465");
  CHECK(f.practice_name == "Lakeside Spine Associates");
  CHECK(f.encounter_id == "e1");
  CHECK(f.encounter_start == "2026-11-02");
  CHECK(f.encounter_end.empty());
  CHECK(f.letters_signed);
  CHECK_FALSE(record_facts(nlohmann::json::parse(R"({"patient": {"mrn": "R1"}})")).letters_signed);
}

TEST_CASE("the knowledge library codes every PDF of the packet") {
  auto types = load_document_types(std::string(P2P_SOURCE_ROOT) + "/templates/knowledge/document_types.json");
  REQUIRE(types.is_ok());
  for (const char* kind : {"brief", "p2p-script", "lomn", "appeal-cover", "post-call"}) {
    CAPTURE(kind);
    REQUIRE(types.value().count(kind) == 1);
    CHECK_FALSE(types.value().at(kind).display.empty());
  }
  CHECK(types.value().at("lomn").draft_until_signed);
  CHECK(types.value().at("appeal-cover").draft_until_signed);
  CHECK_FALSE(types.value().at("brief").draft_until_signed);
  CHECK_FALSE(load_document_types("/nonexistent/document_types.json").is_ok());
}
