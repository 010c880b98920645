// PDF syntax shared by the page painter (pdf_export.cpp) and the form writer
// (form_fields.cpp): how we spell strings, dates and numbers in a PDF.
// Internal to the pdf stage. Pure functions; thread-safe.
#pragma once

#include <initializer_list>
#include <string>

#include <podofo/podofo.h>

namespace p2p {

// ASCII stays a plain string; anything else becomes UTF-16BE with a BOM, so
// titles and field values keep every accent.
PoDoFo::PdfString pdf_string(const std::string& utf8);

// "D:YYYYMMDDHHmmSSZ" for a UTC timestamp (gmtime_r: no shared state, no
// local time zone in the output).
std::string pdf_date(long long timestamp);

// At most two decimals, no trailing zeros, never "-0": "12.5", "0", "-3.25".
void put_number(std::string& out, double v);

// "a b c op\n": numbers followed by a content-stream operator.
void put_numbers(std::string& out, std::initializer_list<double> values, const char* op);

}  // namespace p2p
