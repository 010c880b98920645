// HL7 v2 delivery speed (docs/performance.md, "HL7 v2"): building one
// MDM^T02 message for a PDF, and one MLLP round trip (connect, send, ACK)
// to a loopback listener in this process that answers AA at once. Medians.
// usage: hl7v2_bench [PDF]   (default: 150 KB of synthetic bytes)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "delivery/hl7v2.h"
#include "delivery/mllp_client.h"

using namespace p2p::delivery;
using Clock = std::chrono::steady_clock;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

// Answers every framed message with an AA naming its MSH-10.
void answer_forever(int listen_fd, std::atomic<bool>& stop) {
  while (!stop) {
    int c = ::accept(listen_fd, nullptr, nullptr);
    if (c < 0) continue;
    std::string got;
    char buf[65536];
    while (got.find("\x1c\r") == std::string::npos) {
      ssize_t n = ::read(c, buf, sizeof buf);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
    // MSH-10 is the tenth '|'-separated piece of the first segment ("MSH" being the first)
    std::string ctrl;
    size_t at = 0;
    for (int i = 0; i < 9 && at != std::string::npos; ++i) at = got.find('|', at + 1);
    if (at != std::string::npos) ctrl = got.substr(at + 1, got.find('|', at + 1) - at - 1);
    std::string ack = "\x0bMSH|^~\\&|EHR|MAIN|P2PDOC|FAC|20261123||ACK|1|P|2.5.1\rMSA|AA|" + ctrl + "\r\x1c\r";
    (void)::write(c, ack.data(), ack.size());
    ::close(c);
  }
}

}  // namespace

int main(int argc, char** argv) {
  OutgoingDocument d;
  d.case_id = "BENCH-1";
  d.kind = "lomn";
  d.file = "lomn.pdf";
  d.timestamp = 1795435200;
  if (argc > 1) {
    std::ifstream in(argv[1], std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    d.bytes = s.str();
  } else {
    d.bytes = "%PDF-1.7\n";
    for (int i = 0; d.bytes.size() < 150000; ++i) d.bytes += static_cast<char>((i * 7919) & 0xff);
  }
  RecordFacts f;
  f.patient.mrn = "RSP-220931";
  f.patient_name = "Maria José Núñez";
  f.birth_date = "1968-04-12";
  f.sex = "F";
  f.physician_name = "Dana Whitfield";
  f.physician_npi = "1093817265";
  Hl7Options o;
  o.sending_facility = "RIVERSIDE";
  o.receiving_application = "EHR";
  o.receiving_facility = "MAIN";
  o.mrn_authority = "RSH";
  FhirOptions fhir;
  fhir.types["lomn"] = {"51852-2", "Letter", true};

  std::vector<double> build;
  std::string message;
  for (int i = 0; i < 200; ++i) {
    auto t = Clock::now();
    message = mdm_t02(d, {"BENCH-1/lomn.pdf/" + std::to_string(i), ""}, f, o, fhir);
    build.push_back(ms_since(t));
  }

  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::listen(fd, 16);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  std::string address = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  std::atomic<bool> stop{false};
  std::thread listener([&] { answer_forever(fd, stop); });

  std::vector<double> trip;
  int accepted = 0;
  for (int i = 0; i < 100; ++i) {
    std::string m = mdm_t02(d, {"BENCH-1/lomn.pdf/" + std::to_string(i), ""}, f, o, fhir);
    auto t = Clock::now();
    MllpReply r = mllp_exchange(address, m, 3000, 10000);
    trip.push_back(ms_since(t));
    if (r.answered && read_ack(r.message, message_control_id("BENCH-1/lomn.pdf/" + std::to_string(i))).kind ==
                          Ack::Kind::accepted)
      ++accepted;
  }
  stop = true;
  ::shutdown(fd, SHUT_RDWR);
  ::close(fd);
  listener.join();

  std::printf("PDF %zu bytes, message %zu bytes\n", d.bytes.size(), message.size());
  std::printf("build MDM^T02: median %.3f ms (200 runs)\n", median(build));
  std::printf("MLLP round trip (loopback, AA): median %.3f ms (100 runs, %d accepted)\n", median(trip), accepted);
  return accepted == 100 ? 0 : 1;
}
