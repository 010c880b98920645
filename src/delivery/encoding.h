// Encodings the delivery payloads need: Base64 (RFC 4648 section 4, with
// padding) and SHA-1 (FIPS 180-4), which FHIR R4 prescribes for
// Attachment.hash. Our own small implementations, so that OpenSSL keeps its
// single door (pipeline/files.cpp). Pure functions, thread-safe.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace p2p::delivery {

std::string base64_encode(std::string_view bytes);

// The 20-byte digest.
std::array<unsigned char, 20> sha1(std::string_view bytes);

// FHIR Attachment.hash: "The calculated hash of the data using SHA-1.
// Represented using base64." (R4, Attachment.hash)
std::string sha1_base64(std::string_view bytes);

std::string sha1_hex(std::string_view bytes);

}  // namespace p2p::delivery
