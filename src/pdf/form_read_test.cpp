// read_form against forms built by hand with PoDoFo, in the shapes other
// writers save: values on the parent or on the widget, check boxes with and
// without /V, hierarchical names, UTF-16BE and PDFDocEncoding strings.
// (The round trips through pdftk and mupdf are in tests/e2e/check_record.py.)
#include "pdf/form_read.h"

#include <doctest/doctest.h>
#include <podofo/podofo.h>

#include <string>

using namespace p2p;
using namespace PoDoFo;

namespace {

PdfString bytes(const std::string& b, bool hex = false) {
  return PdfString(b.data(), static_cast<pdf_long>(b.size()), hex);
}

// A one-page document whose AcroForm /Fields holds what `build` adds.
template <typename Build>
std::string document(Build build, const std::string& title = "") {
  PdfMemDocument doc;
  PdfPage* page = doc.CreatePage(PdfRect(0, 0, 200, 200));
  PdfObject* acro = doc.GetObjects().CreateObject();
  PdfArray fields;
  build(doc.GetObjects(), page, fields);
  acro->GetDictionary().AddKey("Fields", fields);
  doc.GetCatalog()->GetDictionary().AddKey("AcroForm", acro->Reference());
  if (!title.empty()) doc.GetInfo()->GetObject()->GetDictionary().AddKey("Title", bytes(title));
  PdfRefCountedBuffer buffer;
  PdfOutputDevice device(&buffer);
  doc.Write(&device);
  return std::string(buffer.GetBuffer(), buffer.GetSize());
}

PdfObject* object(PdfVecObjects& objs, std::initializer_list<std::pair<const char*, PdfObject>> keys) {
  PdfObject* o = objs.CreateObject();
  for (const auto& kv : keys) o->GetDictionary().AddKey(kv.first, kv.second);
  return o;
}

const FormFieldValue* find(const FilledForm& f, const std::string& name) {
  for (const FormFieldValue& v : f.fields)
    if (v.name == name) return &v;
  return nullptr;
}

FilledForm read(const std::string& pdf) {
  auto r = read_form(pdf);
  REQUIRE(r.is_ok());
  return r.value();
}

}  // namespace

TEST_CASE("decode_pdf_text: UTF-16BE with BOM, UTF-8 with BOM, PDFDocEncoding") {
  CHECK(decode_pdf_text(std::string("\xFE\xFF\x00Z\x00\xEB", 6)) == "Z\xC3\xAB");                     // Zë
  CHECK(decode_pdf_text(std::string("\xFE\xFF\xD8\x3D\xDE\x00", 6)) == "\xF0\x9F\x98\x80");           // a surrogate pair
  CHECK(decode_pdf_text(std::string("\xFE\xFF\xDC\x00", 4)) == "\xEF\xBF\xBD");                       // a lone low surrogate
  CHECK(decode_pdf_text("\xEF\xBB\xBF\xC3\xB8") == "\xC3\xB8");                                        // ø
  CHECK(decode_pdf_text("caf\xE9") == "caf\xC3\xA9");                                                  // Latin-1 range
  CHECK(decode_pdf_text("\x80 \x84 \x8D\x8E \xA0") == "\xE2\x80\xA2 \xE2\x80\x94 \xE2\x80\x9C\xE2\x80\x9D \xE2\x82\xAC");
  CHECK(decode_pdf_text("\x18") == "\xCB\x98");  // breve
  CHECK(decode_pdf_text("") == "");
}

TEST_CASE("read_form: merged field and widget, text in UTF-16BE and PDFDocEncoding") {
  std::string pdf = document([](PdfVecObjects& o, PdfPage*, PdfArray& fields) {
    fields.push_back(object(o, {{"FT", PdfName("Tx")}, {"T", bytes("reviewer_name")},
                                {"V", bytes(std::string("\xFE\xFF\x00Z\x00o\x00\xEB\x04\x1D", 10))}})
                         ->Reference());
    fields.push_back(object(o, {{"FT", PdfName("Tx")}, {"T", bytes("auth_number")}, {"V", bytes("\x80 A-1 \xA0", true)}})
                         ->Reference());
    fields.push_back(object(o, {{"FT", PdfName("Tx")}, {"T", bytes("empty")}})->Reference());
  }, std::string("\xFE\xFF\x00T\x00\xE9", 6));
  FilledForm f = read(pdf);
  CHECK(f.title == "T\xC3\xA9");
  REQUIRE(f.fields.size() == 3);
  CHECK(f.fields[0].name == "reviewer_name");
  CHECK(f.fields[0].kind == FormFieldValue::Kind::text);
  CHECK(f.fields[0].value == "Zo\xC3\xAB\xD0\x9D");  // Zoë Н
  CHECK(f.fields[1].value == "\xE2\x80\xA2 A-1 \xE2\x82\xAC");
  CHECK(f.fields[2].value == "");
}

TEST_CASE("read_form: the value on the parent, on the widget, and inherited names and types") {
  std::string pdf = document([](PdfVecObjects& o, PdfPage*, PdfArray& fields) {
    // value on the parent, two widgets without names
    PdfObject* w1 = object(o, {{"Subtype", PdfName("Widget")}});
    PdfObject* w2 = object(o, {{"Subtype", PdfName("Widget")}});
    PdfArray kids;
    kids.push_back(w1->Reference());
    kids.push_back(w2->Reference());
    fields.push_back(object(o, {{"FT", PdfName("Tx")}, {"T", bytes("on_parent")}, {"V", bytes("p")}, {"Kids", kids}})
                         ->Reference());
    // value on the widget only (some writers)
    PdfArray kids2;
    kids2.push_back(object(o, {{"Subtype", PdfName("Widget")}, {"V", bytes("w")}})->Reference());
    fields.push_back(object(o, {{"FT", PdfName("Tx")}, {"T", bytes("on_widget")}, {"Kids", kids2}})->Reference());
    // call.date: a named kid inherits the type
    PdfArray kids3;
    kids3.push_back(object(o, {{"T", bytes("date")}, {"V", bytes("2026-11-24")}})->Reference());
    fields.push_back(object(o, {{"FT", PdfName("Tx")}, {"T", bytes("call")}, {"Kids", kids3}})->Reference());
  });
  FilledForm f = read(pdf);
  REQUIRE(f.fields.size() == 3);
  CHECK(find(f, "on_parent")->value == "p");
  CHECK(find(f, "on_widget")->value == "w");
  REQUIRE(find(f, "call.date"));
  CHECK(find(f, "call.date")->kind == FormFieldValue::Kind::text);
  CHECK(find(f, "call.date")->value == "2026-11-24");
}

TEST_CASE("read_form: check boxes by /V, else by the widgets' /AS, any on-state name") {
  std::string pdf = document([](PdfVecObjects& o, PdfPage*, PdfArray& fields) {
    fields.push_back(object(o, {{"FT", PdfName("Btn")}, {"T", bytes("v_yes")}, {"V", PdfName("Yes")}, {"AS", PdfName("Yes")}})
                         ->Reference());
    // /V is the value; a stale /AS does not override it
    fields.push_back(object(o, {{"FT", PdfName("Btn")}, {"T", bytes("v_off")}, {"V", PdfName("Off")}, {"AS", PdfName("Yes")}})
                         ->Reference());
    fields.push_back(object(o, {{"FT", PdfName("Btn")}, {"T", bytes("as_only")}, {"AS", PdfName("On")}})->Reference());
    fields.push_back(object(o, {{"FT", PdfName("Btn")}, {"T", bytes("as_off")}, {"AS", PdfName("Off")}})->Reference());
    fields.push_back(object(o, {{"FT", PdfName("Btn")}, {"T", bytes("state_1")}, {"V", PdfName("1")}})->Reference());
    PdfArray kids;
    kids.push_back(object(o, {{"Subtype", PdfName("Widget")}, {"AS", PdfName("Off")}})->Reference());
    kids.push_back(object(o, {{"Subtype", PdfName("Widget")}, {"AS", PdfName("Choice2")}})->Reference());
    fields.push_back(object(o, {{"FT", PdfName("Btn")}, {"T", bytes("radio")}, {"Ff", PdfObject(static_cast<pdf_int64>(1 << 15))},
                                {"Kids", kids}})
                         ->Reference());
    fields.push_back(object(o, {{"FT", PdfName("Btn")}, {"T", bytes("push")}, {"Ff", PdfObject(static_cast<pdf_int64>(1 << 16))}})
                         ->Reference());
  });
  FilledForm f = read(pdf);
  CHECK(find(f, "v_yes")->on);
  CHECK(find(f, "v_yes")->kind == FormFieldValue::Kind::checkbox);
  CHECK_FALSE(find(f, "v_off")->on);
  CHECK(find(f, "as_only")->on);
  CHECK(find(f, "as_only")->value == "On");
  CHECK_FALSE(find(f, "as_off")->on);
  CHECK(find(f, "state_1")->on);
  CHECK(find(f, "radio")->kind == FormFieldValue::Kind::radio);
  CHECK(find(f, "radio")->value == "Choice2");
  CHECK(find(f, "push")->kind == FormFieldValue::Kind::other);
}

TEST_CASE("read_form: a cycle in /Kids ends; no form is no fields; not a PDF is an error") {
  std::string pdf = document([](PdfVecObjects& o, PdfPage*, PdfArray& fields) {
    PdfObject* a = object(o, {{"FT", PdfName("Tx")}, {"T", bytes("a")}});
    PdfObject* b = object(o, {{"T", bytes("b")}});
    PdfArray ka, kb;
    ka.push_back(b->Reference());
    kb.push_back(a->Reference());
    a->GetDictionary().AddKey("Kids", ka);
    b->GetDictionary().AddKey("Kids", kb);
    fields.push_back(a->Reference());
  });
  auto r = read_form(pdf);
  CHECK(r.is_ok());

  PdfMemDocument doc;
  doc.CreatePage(PdfRect(0, 0, 100, 100));
  PdfRefCountedBuffer buffer;
  PdfOutputDevice device(&buffer);
  doc.Write(&device);
  auto none = read_form(std::string(buffer.GetBuffer(), buffer.GetSize()));
  REQUIRE(none.is_ok());
  CHECK(none.value().fields.empty());

  auto bad = read_form("this is not a PDF");
  REQUIRE_FALSE(bad.is_ok());
  CHECK(bad.diagnostics()[0].message.find("not a readable PDF") != std::string::npos);
}
