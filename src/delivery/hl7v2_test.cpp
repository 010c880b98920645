// HL7 v2: escaping, every segment and field of the MDM^T02 we fill, the
// control id, the ACK codes, and the MLLP framing against a loopback listener.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <thread>

#include "delivery/encoding.h"
#include "delivery/hl7v2.h"
#include "delivery/mllp_client.h"

using namespace p2p::delivery;

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t from = 0;
  for (;;) {
    size_t at = s.find(sep, from);
    out.push_back(s.substr(from, at == std::string::npos ? std::string::npos : at - from));
    if (at == std::string::npos) return out;
    from = at + 1;
  }
}

// Segment name -> its fields, numbered as HL7 numbers them (MSH-1 is "|").
std::map<std::string, std::vector<std::string>> segments_of(const std::string& message) {
  std::map<std::string, std::vector<std::string>> out;
  for (const std::string& seg : split(message, '\r')) {
    if (seg.empty()) continue;
    std::vector<std::string> f = split(seg, '|');
    if (f[0] == "MSH") f.insert(f.begin() + 1, "|");
    out[f[0]] = f;
  }
  return out;
}

std::string field(const std::vector<std::string>& seg, size_t n) { return n < seg.size() ? seg[n] : ""; }

FhirOptions fhir_options() {
  FhirOptions o;
  o.types["lomn"] = {"51852-2", "Letter", true};
  o.types["brief"] = {"34133-9", "Summary of episode note", false};
  return o;
}

Hl7Options hl7_options() {
  Hl7Options o;
  o.sending_facility = "RIVERSIDE";
  o.receiving_application = "EPIC";
  o.receiving_facility = "MAIN^CAMPUS";  // a delimiter in a setting is escaped
  o.mrn_authority = "RSH";
  return o;
}

RecordFacts facts() {
  RecordFacts f;
  f.patient.mrn = "RSP-220931";
  f.patient_name = "Maria José Núñez";
  f.birth_date = "1968-04-12";
  f.sex = "F";
  f.physician_name = "Dana Whitfield";
  f.physician_npi = "1093817265";
  f.encounter_id = "enc-5521";
  return f;
}

OutgoingDocument document(const std::string& kind) {
  OutgoingDocument d;
  d.case_id = "RSP-2026-00417";
  d.kind = kind;
  d.title = "Letter of medical necessity";
  d.file = kind + ".pdf";
  d.content_type = "application/pdf";
  d.bytes = std::string("%PDF-1.7\n") + std::string(1, '\0') + "\xff binary";
  d.timestamp = 1795435200;  // 2026-11-23T12:00:00Z
  return d;
}

}  // namespace

TEST_CASE("escaping: every delimiter, the escape itself, line ends") {
  CHECK(hl7_escape("plain text") == "plain text");
  CHECK(hl7_escape("a|b") == "a\\F\\b");
  CHECK(hl7_escape("a^b") == "a\\S\\b");
  CHECK(hl7_escape("Spine & Pain") == "Spine \\T\\ Pain");
  CHECK(hl7_escape("x~y") == "x\\R\\y");
  CHECK(hl7_escape("C:\\dir") == "C:\\E\\dir");
  CHECK(hl7_escape("two\r\nlines") == "two\\X0D\\\\X0A\\lines");
  CHECK(hl7_escape("Núñez") == "Núñez");  // UTF-8 passes (MSH-18 says so)
}

TEST_CASE("message control id: 20 hex digits, the same for the same key") {
  std::string id = message_control_id("RSP-2026-00417/lomn.pdf/abc");
  CHECK(id.size() == 20);
  CHECK(id == message_control_id("RSP-2026-00417/lomn.pdf/abc"));
  CHECK(id != message_control_id("RSP-2026-00417/lomn.pdf/abd"));
}

TEST_CASE("MDM^T02: each segment and field we fill") {
  OutgoingDocument d = document("brief");
  Version v{"RSP-2026-00417/brief.pdf/abc", ""};
  std::string m = mdm_t02(d, v, facts(), hl7_options(), fhir_options());
  CHECK(m.find('\n') == std::string::npos);
  CHECK(m.back() == '\r');
  auto segs = segments_of(m);
  REQUIRE(segs.size() == 6);
  std::vector<std::string> order;
  for (const std::string& s : split(m, '\r'))
    if (!s.empty()) order.push_back(s.substr(0, 3));
  CHECK(order == std::vector<std::string>{"MSH", "EVN", "PID", "PV1", "TXA", "OBX"});

  const auto& msh = segs["MSH"];
  CHECK(field(msh, 1) == "|");
  CHECK(field(msh, 2) == "^~\\&");
  CHECK(field(msh, 3) == "P2PDOC");
  CHECK(field(msh, 4) == "RIVERSIDE");
  CHECK(field(msh, 5) == "EPIC");
  CHECK(field(msh, 6) == "MAIN\\S\\CAMPUS");
  CHECK(field(msh, 7) == "20261123120000+0000");
  CHECK(field(msh, 9) == "MDM^T02^MDM_T02");
  CHECK(field(msh, 10) == message_control_id(v.key));
  CHECK(field(msh, 11) == "P");
  CHECK(field(msh, 12) == "2.5.1");
  CHECK(field(msh, 18) == "UNICODE UTF-8");

  CHECK(field(segs["EVN"], 1) == "T02");
  CHECK(field(segs["EVN"], 2) == "20261123120000+0000");

  const auto& pid = segs["PID"];
  CHECK(field(pid, 1) == "1");
  CHECK(field(pid, 3) == "RSP-220931^^^RSH^MR");
  CHECK(field(pid, 5) == "Núñez^Maria José");
  CHECK(field(pid, 7) == "19680412");
  CHECK(field(pid, 8) == "F");

  CHECK(field(segs["PV1"], 2) == "U");
  CHECK(field(segs["PV1"], 19) == "enc-5521");

  const auto& txa = segs["TXA"];
  CHECK(field(txa, 1) == "1");
  CHECK(field(txa, 2) == "34133-9");
  CHECK(field(txa, 3) == "AP");
  CHECK(field(txa, 4) == "20261123120000+0000");
  CHECK(field(txa, 9) == "1093817265^Whitfield^Dana^^^^^^&2.16.840.1.113883.4.6&ISO^^^^NPI");
  CHECK(field(txa, 12) == "RSP-2026-00417/brief.pdf/abc^P2PDOC");
  CHECK(field(txa, 13) == "");
  CHECK(field(txa, 16) == "brief.pdf");
  CHECK(field(txa, 17) == "AU");

  const auto& obx = segs["OBX"];
  CHECK(field(obx, 1) == "1");
  CHECK(field(obx, 2) == "ED");
  CHECK(field(obx, 3) == "34133-9^Summary of episode note^LN");
  CHECK(field(obx, 5) == "^AP^PDF^Base64^" + base64_encode(d.bytes));
  CHECK(field(obx, 11) == "F");
  CHECK(field(obx, 14) == "20261123120000+0000");
}

TEST_CASE("MDM^T02: a draft letter is documented, not authenticated, until signed, and a new version names its parent") {
  OutgoingDocument d = document("lomn");
  RecordFacts f = facts();
  auto draft = segments_of(mdm_t02(d, {"k2", "k1"}, f, hl7_options(), fhir_options()));
  CHECK(field(draft["TXA"], 17) == "DO");
  CHECK(field(draft["OBX"], 11) == "P");
  CHECK(field(draft["TXA"], 13) == "k1^P2PDOC");
  f.letters_signed = true;
  auto signed_letter = segments_of(mdm_t02(d, {"k3", "k2"}, f, hl7_options(), fhir_options()));
  CHECK(field(signed_letter["TXA"], 17) == "AU");
  CHECK(field(signed_letter["OBX"], 11) == "F");
  // the same rule as the DocumentReference's docStatus
  CHECK(document_completion_status(doc_status("lomn", facts(), fhir_options())) == "DO");
}

TEST_CASE("MDM^T02: what the case does not give is left out, delimiters in the case are escaped") {
  RecordFacts f;
  f.patient.mrn = "A|1";
  f.sex = "X";
  f.physician_name = "Kathleen O'Rourke";
  OutgoingDocument d = document("other-kind");
  auto segs = segments_of(mdm_t02(d, {"RSP/x.pdf/1~abc", ""}, f, hl7_options(), fhir_options()));
  CHECK(field(segs["PID"], 3) == "A\\F\\1^^^RSH^MR");
  CHECK(field(segs["PID"], 5) == "");
  CHECK(field(segs["PID"], 7) == "");
  CHECK(field(segs["PID"], 8) == "");
  CHECK(segs["PV1"].size() == 3);  // no visit number
  CHECK(field(segs["TXA"], 9) == "^O'Rourke^Kathleen");
  CHECK(field(segs["TXA"], 12) == "RSP/x.pdf/1\\R\\abc^P2PDOC");
  CHECK(field(segs["TXA"], 2) == "11488-4");  // a kind without a type: the configured default
}

TEST_CASE("settings and facts: what is required is named") {
  CHECK(check_hl7_settings("", Hl7Options{}).empty());
  CHECK(check_hl7_settings("127.0.0.1:6661", hl7_options()).empty());
  CHECK(check_hl7_settings("engine.example:2575", hl7_options()).empty());
  CHECK(check_hl7_settings("127.0.0.1:35373", hl7_options()).empty());  // five digits (a regression)
  CHECK(check_hl7_settings("[::1]:65535", hl7_options()).empty());
  CHECK(check_hl7_settings("h:123456", hl7_options()).size() == 1);
  auto missing = check_hl7_settings("127.0.0.1:6661", Hl7Options{});
  CHECK(missing.size() == 4);
  CHECK(missing[0].find("hl7_sending_facility") != std::string::npos);
  CHECK(check_hl7_settings("nohost", hl7_options()).size() == 1);
  CHECK(check_hl7_settings("h:0", hl7_options()).size() == 1);
  CHECK(check_hl7_settings("h:65536", hl7_options()).size() == 1);
  Hl7Options bad_id = hl7_options();
  bad_id.processing_id = "X";
  CHECK(check_hl7_settings("h:1", bad_id).size() == 1);
  RecordFacts no_mrn;
  no_mrn.patient.member_id = "M1";
  CHECK(check_hl7_facts(no_mrn).size() == 1);
  CHECK(check_hl7_facts(facts()).empty());
}

TEST_CASE("ACK: table 0008 codes, and only for our message") {
  std::string id = "0123456789abcdef0123";
  auto ack = [&](const std::string& code, const std::string& of) {
    return read_ack("MSH|^~\\&|EPIC|MAIN|P2PDOC|RIVERSIDE|20261123||ACK^T02^ACK|9|P|2.5.1\rMSA|" + code + "|" + of + "|text\r", id);
  };
  CHECK(ack("AA", id).kind == Ack::Kind::accepted);
  CHECK(ack("CA", id).kind == Ack::Kind::accepted);
  CHECK(ack("AE", id).kind == Ack::Kind::retry);
  CHECK(ack("CE", id).kind == Ack::Kind::retry);
  CHECK(ack("AR", id).kind == Ack::Kind::refused);
  CHECK(ack("CR", id).kind == Ack::Kind::refused);
  CHECK(ack("ZZ", id).kind == Ack::Kind::unreadable);
  CHECK(ack("AA", "another").kind == Ack::Kind::unreadable);
  CHECK(ack("AR", id).code == "AR");
  CHECK(read_ack("MSH|^~\\&|x\n", id).kind == Ack::Kind::unreadable);
  CHECK(read_ack("MSA|AA|" + id, id).kind == Ack::Kind::accepted);  // LF-less, MSH-less
}

namespace {

// A one-connection listener on an ephemeral loopback port; `answer` gets
// what arrived (framing included) and returns the bytes to send back.
struct Listener {
  int fd = -1;
  int port = 0;
  std::string received;          // read it after joining `thread`
  std::atomic<bool> got{false};  // the whole message has arrived
  std::thread thread;
  explicit Listener(std::function<std::string(const std::string&)> answer) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd, 1);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    thread = std::thread([this, answer] {
      int c = ::accept(fd, nullptr, nullptr);
      char buf[4096];
      while (received.find("\x1c\r") == std::string::npos) {
        ssize_t n = ::read(c, buf, sizeof buf);
        if (n <= 0) break;
        received.append(buf, static_cast<size_t>(n));
      }
      got = true;
      std::string reply = answer(received);
      if (!reply.empty()) (void)::write(c, reply.data(), reply.size());
      // keep the connection open until the client closes it
      while (::read(c, buf, sizeof buf) > 0) {
      }
      ::close(c);
    });
  }
  ~Listener() {
    if (thread.joinable()) thread.join();
    ::close(fd);
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port); }
};

}  // namespace

TEST_CASE("MLLP: the message framed, the framed answer unframed") {
  CHECK(mllp_frame("MSH|x\r") == std::string("\x0bMSH|x\r\x1c\r"));
  Listener l([](const std::string&) { return std::string("noise\x0bMSH|^~\\&\rMSA|AA|1\r\x1c\r"); });
  MllpReply r = mllp_exchange(l.address(), "MSH|^~\\&|P2PDOC\r", 2000, 5000);
  CHECK(r.answered);
  CHECK(r.message == "MSH|^~\\&\rMSA|AA|1\r");
  CHECK(r.error.empty());
  l.thread.join();
  CHECK(l.received == std::string("\x0bMSH|^~\\&|P2PDOC\r\x1c\r"));
}

TEST_CASE("MLLP: no answer is an error in words, never an exception") {
  Listener closes([](const std::string&) { return std::string(); });
  std::atomic<bool> cancel{false};
  std::thread canceller;
  // the listener keeps the connection open and silent: the cancel flag ends the wait
  canceller = std::thread([&] {
    while (!closes.got) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    cancel = true;
  });
  MllpReply r = mllp_exchange(closes.address(), "MSH|x\r", 2000, 600000, &cancel);
  canceller.join();
  CHECK_FALSE(r.answered);
  CHECK(r.error == "cancelled");

  // a port nobody listens on
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  std::string address = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  MllpReply refused = mllp_exchange(address, "MSH|x\r", 2000, 2000);
  ::close(fd);
  CHECK_FALSE(refused.answered);
  CHECK(refused.error.find("refused") != std::string::npos);
}
