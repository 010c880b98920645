// Sender process: delivery for a program that forks its workers from a
// single-threaded parent (the watcher, watch/watch.h). The Deliverer's
// sender thread must not live in such a parent, so it lives in a child of its
// own, forked before it has any thread:
//   - the parent writes one line per finished packet, its case id
//     (deliver()); the child reads the installed packet back from
//     OUT/<case_id>/ (manifest.json, case.json, the PDFs: installed_packet)
//     and queues it in the persistent outbox (delivery.h), exactly as the
//     service queues what it generates;
//   - the child ends when the parent closes the pipe (finish()) or dies
//     (PR_SET_PDEATHSIG); what it had not sent stays in the outbox for the
//     next start of the watcher or the service;
//   - the settings are the service's delivery keys (DeliverySettings), read
//     by the watcher's config file too.
// Thread contract: the parent calls everything from one thread; start()
// forks, so the parent must have no other thread then.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "core/diagnostic.h"
#include "core/settings_file.h"
#include "delivery/delivery.h"

namespace p2p::delivery {

// The delivery keys of a config file, with their defaults (docs/service.md).
struct DeliverySettings {
  std::string deliver_fhir;            // deliver_fhir: FHIR R4 base URL
  std::string deliver_webhook;         // deliver_webhook: URL taking the webhook JSON
  std::string deliver_mllp;            // deliver_mllp: HOST:PORT of an HL7 v2 interface engine (docs/hl7v2.md)
  std::string deliver_token_file;      // deliver_token_file (also $P2PDOC_DELIVER_TOKEN)
  std::string deliver_ca_file;         // deliver_ca_file
  std::string outbox;                  // outbox: default OUT/.outbox
  long long retry_initial_ms = 1000;   // retry_initial_ms
  long long retry_max_ms = 300000;     // retry_max_ms
  double deliver_timeout_s = 30;       // deliver_timeout
  FhirOptions fhir;                    // fhir_type_system, fhir_type_code, fhir_type_display, fhir_mrn_system, fhir_member_system
  Hl7Options hl7;                      // hl7_sending_application ... hl7_mrn_authority, hl7_processing_id
  bool on() const { return !deliver_fhir.empty() || !deliver_webhook.empty() || !deliver_mllp.empty(); }
};

// Registers the keys above with a config-file reader.
void add_delivery_keys(SettingsReader& reader, DeliverySettings& s);

// Registers deliver_mllp and the hl7_* keys (the service's config reads
// them through here too).
void add_hl7_keys(SettingsReader& reader, std::string& deliver_mllp, Hl7Options& hl7);

// At most one of the three targets; "" when so, else the message.
std::string check_one_target(const std::string& fhir, const std::string& webhook, const std::string& mllp);

// One delivery target at most, URLs http(s), positive limits, for FHIR
// the identifier systems (check_fhir_settings), for HL7 v2 the address and
// the hl7_* keys (check_hl7_settings). Empty when usable.
Diagnostics check_delivery_settings(const DeliverySettings& s);

// The Deliverer's configuration: the token read (first line of the file, else
// $P2PDOC_DELIVER_TOKEN), the outbox under `out_dir` unless set, the document
// codes from `templates_dir`/knowledge/document_types.json.
Result<DeliveryConfig> delivery_config(const DeliverySettings& s, const std::string& out_dir,
                                       const std::string& templates_dir);

// The documents of a packet installed in OUT/<case_id>/ and the facts of its
// case.json, as delivery needs them. Fails naming the file it could not read.
struct InstalledPacket {
  std::vector<OutgoingDocument> documents;
  RecordFacts facts;
};
Result<InstalledPacket> installed_packet(const std::string& out_dir, const std::string& case_id);

class SenderProcess {
 public:
  SenderProcess() = default;
  ~SenderProcess();
  SenderProcess(const SenderProcess&) = delete;
  SenderProcess& operator=(const SenderProcess&) = delete;

  // Forks the child. `make_log` runs in the child and returns its log;
  // `keep_fds` stay open there (every other descriptor above 2 is closed).
  bool start(const DeliveryConfig& config, const std::string& out_dir, std::function<DeliveryLog()> make_log,
             std::vector<int> keep_fds, std::string& why);

  // Hands a finished packet to the child; starts a new child when the last
  // one has ended. False (with the reason) when it could not.
  bool deliver(const std::string& case_id, std::string& why);

  // Closes the pipe and waits for the child. With `drain`, the child first
  // waits until the outbox is empty or an attempt has failed (the EHR is
  // unavailable: the rest waits for the next start).
  void finish(bool drain);

  // For the parent's SIGCHLD handling: true when `pid` was the child (now
  // gone; the next deliver() starts another).
  bool reaped(pid_t pid);

  pid_t pid() const { return pid_; }

 private:
  bool spawn(std::string& why);

  DeliveryConfig config_;
  std::string out_dir_;
  std::function<DeliveryLog()> make_log_;
  std::vector<int> keep_fds_;
  pid_t pid_ = -1;
  int fd_ = -1;  // the pipe's write end
};

}  // namespace p2p::delivery
