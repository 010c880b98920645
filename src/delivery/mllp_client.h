// MLLP client: one HL7 v2 message over TCP with the Minimal Lower Layer
// Protocol framing (HL7 v2.5.1 Appendix C: start block 0x0B, the message,
// end block 0x1C then 0x0D) and the one framed answer that comes back. Plain
// POSIX sockets; knows nothing about HL7 fields (hl7v2.h reads the ACK).
// A new connection per message: an interface engine closes idle ones anyway.
// Thread contract: mllp_exchange may run on several threads at once.
// Transport failures are values (answered false plus a reason), never exceptions.
#pragma once

#include <atomic>
#include <string>
#include <string_view>

namespace p2p::delivery {

// 0x0B message 0x1C 0x0D.
std::string mllp_frame(std::string_view message);

struct MllpReply {
  bool answered = false;  // a whole framed answer came back
  std::string message;    // the answer without its framing
  std::string error;      // otherwise, in words: "connection refused", "no answer within 3000 ms"
};

// Connects to host:port (connect_timeout_ms), sends the framed message and
// waits up to timeout_ms for the framed answer (at most 1 MiB). `cancel`,
// when set by another thread, ends the wait (error "cancelled").
MllpReply mllp_exchange(const std::string& address, std::string_view message, long connect_timeout_ms,
                        long timeout_ms, const std::atomic<bool>* cancel = nullptr);

}  // namespace p2p::delivery
