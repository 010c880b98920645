// Reading a filled form back: PDF bytes -> every AcroForm field's full name
// and value, as Unicode (UTF-8). The inverse of form_fields (which writes the
// packet's post-call form); it reads any viewer's save, not only ours.
// It does not know what the fields mean: outcome/ turns them into a call.
//
// What it reads, per terminal field (a field whose /Kids, if any, are only
// widgets): the full name (partial /T names joined with "."), the type (/FT,
// inherited from parents), and the value /V, looked up on the field and its
// parents, or, when a writer left it on a widget only, on the widgets. A
// check box is on when its value names any state but /Off; with no /V at
// all its widgets' /AS decides. Text strings are decoded as PDF text
// strings: UTF-16BE after a BOM, UTF-8 after a BOM (PDF 2.0), else
// PDFDocEncoding.
// Pure: no files, no shared state; thread-safe (PoDoFo's lazy singletons
// are made once, on the first call). The one part of the pdf stage that
// includes PoDoFo: its own library, p2p_pdf_read, so what only writes PDFs
// does not load it.
// Never throws: a PDF PoDoFo cannot parse is an error value.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostic.h"

namespace p2p {

struct FormFieldValue {
  enum class Kind { text, checkbox, radio, choice, other };
  std::string name;   // full name, e.g. "disposition_upheld"
  Kind kind = Kind::other;
  std::string value;  // text: the text; checkbox/radio: the state name ("Yes", "Off"); "" when unset
  bool on = false;    // checkbox/radio: a state other than Off is selected
};

struct FilledForm {
  std::string title;                   // the document's /Info /Title, decoded ("" when absent)
  std::vector<FormFieldValue> fields;  // in the order of the AcroForm's /Fields
};

// Every field of the PDF's AcroForm. A PDF without a form gives no fields
// (not an error); a file that is not a readable PDF fails with one error
// (path "") saying why.
Result<FilledForm> read_form(std::string_view pdf_bytes);

// A PDF text string's bytes -> UTF-8 (the rule above). Exposed for tests.
std::string decode_pdf_text(std::string_view bytes);

}  // namespace p2p
