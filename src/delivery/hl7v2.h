// HL7 v2.5.1 for interface engines: one generated document as an MDM^T02
// message (original document notification and content: MSH, EVN, PID, PV1,
// TXA, OBX with the PDF in base64) and the reading of the engine's ACK.
// docs/hl7v2.md maps every field we fill to its source and names where each
// code table comes from. It does not send anything (mllp_client.h does) and
// decides nothing about retries beyond classifying an ACK.
// Pure functions of their inputs (no clock, no I/O), thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostic.h"
#include "delivery/payload.h"

namespace p2p::delivery {

// Who sends and who receives (MSH-3 to MSH-6), how the MRN is issued
// (PID-3.4) and the processing id (MSH-11). Settings hl7_* (docs/hl7v2.md).
struct Hl7Options {
  std::string sending_application = "P2PDOC";  // MSH-3
  std::string sending_facility;                // MSH-4: required
  std::string receiving_application;           // MSH-5: required
  std::string receiving_facility;              // MSH-6: required
  std::string mrn_authority;                   // PID-3.4 assigning authority of the MRN: required
  std::string processing_id = "P";             // MSH-11, table 0103: P production, T training, D debugging
};

// Field content with HL7's escape sequences (v2.5.1 chapter 2, "Use of
// escape sequences in text fields"): | -> \F\, ^ -> \S\, & -> \T\, ~ -> \R\,
// \ -> \E\; a carriage return or line feed, which would end the segment,
// as the hex escape \X0D\ or \X0A\.
std::string hl7_escape(std::string_view text);

// MSH-10: the first 20 hex digits of the SHA-256 of the idempotency key
// (ST, at most 20 characters in v2.5.1). The same version of a document
// always gets the same control id, so a receiver can drop a repeat.
std::string message_control_id(const std::string& key);

// TXA-17 from the document's status (doc_status in payload.h, the same rule
// the DocumentReference's docStatus follows): "final" -> AU (authenticated),
// "preliminary" -> DO (documented: complete, not yet signed). Table 0271.
std::string document_completion_status(const std::string& status);

// Why a case cannot be sent as HL7 v2: PID-3 needs the MRN. Empty when it can.
Diagnostics check_hl7_facts(const RecordFacts& facts);

// What deliver_mllp needs from its settings: the address as host:port and
// every required hl7_* key, processing id P, T or D. One message per problem.
std::vector<std::string> check_hl7_settings(const std::string& mllp, const Hl7Options& options);

// The MDM^T02 message for one version of a document, segments separated by
// carriage returns (no MLLP framing). `fhir` gives the document types (LOINC,
// OBX-3 and TXA-2) and the draft rule (doc_status). MSH-7, EVN-2, TXA-4 and
// OBX-14 are the generation time, so the same version always gives the same
// bytes.
std::string mdm_t02(const OutgoingDocument& d, const Version& v, const RecordFacts& facts, const Hl7Options& options,
                    const FhirOptions& fhir);

// What an ACK says about one message (MSA segment, table 0008).
struct Ack {
  enum class Kind {
    accepted,    // AA or CA: the receiver has it
    retry,       // AE or CE: an error on its side; the same message may go through later
    refused,     // AR or CR: it will not take this message as it is
    unreadable,  // no MSA, an unknown code, or the ACK of another message
  };
  Kind kind = Kind::unreadable;
  std::string code;        // MSA-1 as received
  std::string control_id;  // MSA-2
};

// Reads an ACK (segments separated by CR, LF or CRLF; MLLP framing removed)
// and checks that MSA-2 names `control_id`.
Ack read_ack(std::string_view message, const std::string& control_id);

}  // namespace p2p::delivery
