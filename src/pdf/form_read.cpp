// Reading AcroForm values back (see form_read.h). Works on raw dictionaries
// rather than PoDoFo's PdfField classes: those read /V only from the object
// they wrap, do not inherit from parents, and know "Yes"/"On" as the only
// check box states, while viewers save values in all of these places.
#include "pdf/form_read.h"

#include <mutex>
#include <set>
#include <utility>

#include <podofo/podofo.h>

#include "text/coverage.h"  // utf8_of

namespace p2p {

using namespace PoDoFo;

namespace {

// PDF 32000-1:2008, Annex D.2: PDFDocEncoding differs from Latin-1 at
// 0x18..0x1F (spacing accents) and 0x80..0xA0 (typographic marks).
constexpr char16_t kDocEncoding18[8] = {0x02D8, 0x02C7, 0x02C6, 0x02D9, 0x02DD, 0x02DB, 0x02DA, 0x02DC};
constexpr char16_t kDocEncoding80[33] = {
    0x2022, 0x2020, 0x2021, 0x2026, 0x2014, 0x2013, 0x0192, 0x2044, 0x2039, 0x203A, 0x2212,
    0x2030, 0x201E, 0x201C, 0x201D, 0x2018, 0x2019, 0x201A, 0x2122, 0xFB01, 0xFB02, 0x0141,
    0x0152, 0x0160, 0x0178, 0x017D, 0x0131, 0x0142, 0x0153, 0x0161, 0x017E, 0xFFFD, 0x20AC};

char32_t doc_encoding(unsigned char b) {
  if (b >= 0x18 && b <= 0x1F) return kDocEncoding18[b - 0x18];
  if (b >= 0x80 && b <= 0xA0) return kDocEncoding80[b - 0x80];
  return b;
}

std::string decode_utf16be(std::string_view s) {
  std::string out;
  for (size_t i = 0; i + 1 < s.size(); i += 2) {
    char32_t u = (static_cast<unsigned char>(s[i]) << 8) | static_cast<unsigned char>(s[i + 1]);
    if (u >= 0xD800 && u < 0xDC00 && i + 3 < s.size()) {
      char32_t lo = (static_cast<unsigned char>(s[i + 2]) << 8) | static_cast<unsigned char>(s[i + 3]);
      if (lo >= 0xDC00 && lo < 0xE000) {
        u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
        i += 2;
      } else {
        u = 0xFFFD;
      }
    } else if (u >= 0xD800 && u < 0xE000) {
      u = 0xFFFD;  // a lone surrogate
    }
    out += utf8_of(u);
  }
  return out;
}

// The bytes of a string object as the file spells them (hex already undone).
// PoDoFo 0.9.8 turns a string that starts with the UTF-16BE BOM into a
// "Unicode" string and hands out its code units without the BOM.
std::string text_of(const PdfString& s) {
  if (!s.IsValid()) return {};
  if (s.IsUnicode()) {
    const pdf_utf16be* units = s.GetUnicode();
    std::string raw;
    for (pdf_long i = 0; units && i < s.GetUnicodeLength(); ++i) {
      // pdf_utf16be holds the big-endian bytes in memory order
      const auto* b = reinterpret_cast<const unsigned char*>(&units[i]);
      raw += static_cast<char>(b[0]);
      raw += static_cast<char>(b[1]);
    }
    std::string_view units_seen(raw);
    if (units_seen.size() >= 2 && static_cast<unsigned char>(raw[0]) == 0xFE && static_cast<unsigned char>(raw[1]) == 0xFF)
      units_seen.remove_prefix(2);
    return decode_utf16be(units_seen);
  }
  return decode_pdf_text(std::string_view(s.GetString(), static_cast<size_t>(s.GetLength())));
}

// What a field's value object says, as text: a string, a name (check boxes),
// or the first of an array (a multi-select list).
std::string value_text(const PdfObject* v) {
  if (!v) return {};
  if (v->IsString() || v->IsHexString()) return text_of(v->GetString());
  if (v->IsName()) return v->GetName().GetName();
  if (v->IsArray() && !v->GetArray().empty()) {
    std::string out;
    for (const PdfObject& item : v->GetArray()) {
      if (!item.IsString() && !item.IsHexString()) continue;
      if (!out.empty()) out += '\n';
      out += text_of(item.GetString());
    }
    return out;
  }
  return {};
}

class FieldWalker {
 public:
  explicit FieldWalker(PdfVecObjects& objects) : objects_(objects) {}

  void walk(const PdfArray& fields, FilledForm& out) {
    for (const PdfObject& f : fields) visit(resolve(&f), "", Inherited{}, 0, out);
  }

 private:
  // The field keys a kid takes from its parents (PDF 32000-1, 12.7.3.1).
  struct Inherited {
    std::string type;             // /FT
    long long flags = 0;          // /Ff
    const PdfObject* value = nullptr;  // /V
  };

  static constexpr int kMaxDepth = 32;

  PdfVecObjects& objects_;
  std::set<PdfReference> seen_;

  const PdfObject* resolve(const PdfObject* o) {
    for (int hops = 0; o && o->IsReference() && hops < 8; ++hops) o = objects_.GetObject(o->GetReference());
    return o && o->IsDictionary() ? o : nullptr;
  }

  const PdfObject* key(const PdfObject* dict, const char* name) {
    const PdfObject* v = dict->GetDictionary().GetKey(PdfName(name));
    for (int hops = 0; v && v->IsReference() && hops < 8; ++hops) v = objects_.GetObject(v->GetReference());
    return v;
  }

  // A kid is a field when it has its own name; otherwise it is a widget.
  static bool is_named(const PdfObject* o) { return o->GetDictionary().HasKey(PdfName("T")); }

  void visit(const PdfObject* field, const std::string& parent_name, Inherited inherited, int depth,
             FilledForm& out) {
    if (!field || depth > kMaxDepth) return;
    if (field->Reference().IsIndirect() && !seen_.insert(field->Reference()).second) return;  // a cycle
    std::string name = parent_name;
    if (const PdfObject* t = key(field, "T"); t && (t->IsString() || t->IsHexString())) {
      if (!name.empty()) name += '.';
      name += text_of(t->GetString());
    }
    if (const PdfObject* ft = key(field, "FT"); ft && ft->IsName()) inherited.type = ft->GetName().GetName();
    if (const PdfObject* ff = key(field, "Ff"); ff && ff->IsNumber()) inherited.flags = ff->GetNumber();
    if (const PdfObject* v = key(field, "V")) inherited.value = v;

    std::vector<const PdfObject*> widgets, children;
    if (const PdfObject* kids = key(field, "Kids"); kids && kids->IsArray())
      for (const PdfObject& k : kids->GetArray())
        if (const PdfObject* kid = resolve(&k)) (is_named(kid) ? children : widgets).push_back(kid);
    if (!children.empty()) {
      for (const PdfObject* c : children) visit(c, name, inherited, depth + 1, out);
      return;
    }
    if (widgets.empty()) widgets.push_back(field);  // field and widget in one dictionary
    out.fields.push_back(terminal(name, inherited, widgets));
  }

  FormFieldValue terminal(const std::string& name, const Inherited& in, const std::vector<const PdfObject*>& widgets) {
    FormFieldValue f;
    f.name = name;
    const PdfObject* value = in.value;
    // some writers leave /V on the widget rather than the field
    for (size_t i = 0; !value && i < widgets.size(); ++i) value = key(widgets[i], "V");
    if (in.type == "Tx") {
      f.kind = FormFieldValue::Kind::text;
      f.value = value_text(value);
    } else if (in.type == "Ch") {
      f.kind = FormFieldValue::Kind::choice;
      f.value = value_text(value);
    } else if (in.type == "Btn") {
      constexpr long long kRadio = 1 << 15, kPushButton = 1 << 16;
      if (in.flags & kPushButton) return f;  // no value to read
      f.kind = (in.flags & kRadio) ? FormFieldValue::Kind::radio : FormFieldValue::Kind::checkbox;
      if (value && value->IsName()) {
        f.value = value->GetName().GetName();
      } else {
        // no /V: the appearance state of the widget shown on
        for (const PdfObject* w : widgets)
          if (const PdfObject* as = key(w, "AS"); as && as->IsName() && as->GetName().GetName() != "Off")
            f.value = as->GetName().GetName();
      }
      f.on = !f.value.empty() && f.value != "Off";
    }
    return f;
  }
};

}  // namespace

std::string decode_pdf_text(std::string_view bytes) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(bytes[i]); };
  if (bytes.size() >= 2 && byte(0) == 0xFE && byte(1) == 0xFF) return decode_utf16be(bytes.substr(2));
  if (bytes.size() >= 3 && byte(0) == 0xEF && byte(1) == 0xBB && byte(2) == 0xBF) return std::string(bytes.substr(3));
  std::string out;
  for (size_t i = 0; i < bytes.size(); ++i) out += utf8_of(doc_encoding(byte(i)));
  return out;
}

Result<FilledForm> read_form(std::string_view pdf_bytes) {
  static std::once_flag quiet;
  std::call_once(quiet, [] {
    PdfError::EnableDebug(false);  // the loader would print the trailer and every repair to stderr
    PdfError::EnableLogging(false);
    // PoDoFo 0.9.8 creates its encoding singletons lazily without a lock:
    // create them here, once, before any two readers can race for them
    PdfEncodingFactory::GlobalPdfDocEncodingInstance();
    PdfEncodingFactory::GlobalWinAnsiEncodingInstance();
    PdfEncodingFactory::GlobalIdentityEncodingInstance();
    PdfEncodingFactory::GlobalStandardEncodingInstance();
    PdfEncodingFactory::GlobalMacRomanEncodingInstance();
  });
  try {
    PdfMemDocument doc;
    doc.LoadFromBuffer(pdf_bytes.data(), static_cast<long>(pdf_bytes.size()));
    FilledForm form;
    if (PdfInfo* info = doc.GetInfo()) {
      const PdfObject* title = info->GetObject()->GetIndirectKey(PdfName("Title"));
      if (title && (title->IsString() || title->IsHexString())) form.title = text_of(title->GetString());
    }
    PdfObject* catalog = doc.GetCatalog();
    PdfObject* acro = catalog ? catalog->GetIndirectKey(PdfName("AcroForm")) : nullptr;
    if (!acro || !acro->IsDictionary()) return Result<FilledForm>::ok(std::move(form));
    PdfObject* fields = acro->GetIndirectKey(PdfName("Fields"));
    if (fields && fields->IsArray()) FieldWalker(doc.GetObjects()).walk(fields->GetArray(), form);
    return Result<FilledForm>::ok(std::move(form));
  } catch (const PdfError& e) {
    std::string what = PdfError::ErrorMessage(e.GetError()) ? PdfError::ErrorMessage(e.GetError()) : "PoDoFo error";
    return Result<FilledForm>::fail({error_at("", "not a readable PDF (" + what + ")")});
  } catch (const std::exception& e) {
    return Result<FilledForm>::fail({error_at("", std::string("not a readable PDF (") + e.what() + ")")});
  }
}

}  // namespace p2p
