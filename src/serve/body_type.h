// Which request bodies can be a case, by their Content-Type, decided before a
// byte of the body is read. A body is read as JSON whatever the label when the
// label allows JSON text: none, application/json and every application/*+json
// (application/fhir+json included), text/json, text/plain,
// application/octet-stream and application/x-www-form-urlencoded (what
// `curl -d` and `curl --data-binary` send unless told otherwise; the body is
// never parsed as a form). Anything else (multipart, images, PDF, XML, HTML
// ...) or a charset other than UTF-8 cannot be a case: 415 with what to send.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace p2p::serve {

// "" when a body labelled `content_type` (the header's value, "" when absent)
// is read as JSON; otherwise the 415 message, naming the type and what to send.
std::string refuse_body_type(std::string_view content_type);

}  // namespace p2p::serve
