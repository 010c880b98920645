// PDF syntax shared by the page painter (pdf_export.cpp), the form writer
// (form_fields.cpp) and the object writer: how we spell dates and numbers in
// a PDF (strings: ObjectWriter::text).
// Internal to the pdf stage. Pure functions; thread-safe.
#pragma once

#include <initializer_list>
#include <string>

namespace p2p {

// "D:YYYYMMDDHHmmSSZ" for a UTC timestamp (gmtime_r: no shared state, no
// local time zone in the output).
std::string pdf_date(long long timestamp);

// At most two decimals, no trailing zeros, never "-0": "12.5", "0", "-3.25".
void put_number(std::string& out, double v);

// "a b c op\n": numbers followed by a content-stream operator.
void put_numbers(std::string& out, std::initializer_list<double> values, const char* op);

}  // namespace p2p
