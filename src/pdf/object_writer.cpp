// The PDF file syntax, written in place (see object_writer.h).
#include "pdf/object_writer.h"

#include <charconv>
#include <cstring>

#include "pdf/syntax.h"
#include "text/font_face.h"  // next_code_point

namespace p2p {

namespace {

constexpr char kHex[] = "0123456789ABCDEF";

// PDF 32000-1, 7.2.2: white-space and delimiter characters end a token.
bool is_delimiter_or_space(char c) {
  switch (c) {
    case ' ': case '\n': case '\r': case '\t': case '\f': case '\0':
    case '(': case ')': case '<': case '>': case '[': case ']': case '{': case '}': case '/': case '%':
      return true;
    default:
      return false;
  }
}

void put_integer(std::string& out, unsigned long long v, int width = 0) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  for (int pad = width - static_cast<int>(res.ptr - buf); pad > 0; --pad) out += '0';
  out.append(buf, res.ptr);
}

void put_hex_byte(std::string& out, unsigned b) {
  out += kHex[b >> 4];
  out += kHex[b & 15];
}

void put_utf16_unit(std::string& out, unsigned u) {
  put_hex_byte(out, u >> 8);
  put_hex_byte(out, u & 0xFF);
}

}  // namespace

ObjectWriter::ObjectWriter(size_t expected_size) {
  out_.reserve(expected_size);
  // 7.5.2: a comment of four bytes above 127 right after the header line
  out_ += "%PDF-1.7\n%\xE2\xE3\xCF\xD3\n";
  offsets_.push_back(0);  // object 0 heads the free list
}

int ObjectWriter::reserve() {
  offsets_.push_back(0);
  return static_cast<int>(offsets_.size() - 1);
}

void ObjectWriter::begin(int id) {
  offsets_[static_cast<size_t>(id)] = out_.size();
  put_integer(out_, static_cast<unsigned long long>(id));
  out_ += " 0 obj\n";
}

void ObjectWriter::end() { out_ += "\nendobj\n"; }

void ObjectWriter::separate() {
  if (!out_.empty() && !is_delimiter_or_space(out_.back())) out_ += ' ';
}

ObjectWriter& ObjectWriter::open_dict() {
  out_ += "<<";
  return *this;
}

ObjectWriter& ObjectWriter::close_dict() {
  out_ += ">>";
  return *this;
}

ObjectWriter& ObjectWriter::open_array() {
  out_ += '[';
  return *this;
}

ObjectWriter& ObjectWriter::close_array() {
  out_ += ']';
  return *this;
}

ObjectWriter& ObjectWriter::key(std::string_view n) { return name(n); }

// 7.3.5: a byte outside '!'..'~', a delimiter or '#' is written as #xx.
ObjectWriter& ObjectWriter::name(std::string_view n) {
  out_ += '/';
  for (char c : n) {
    auto b = static_cast<unsigned char>(c);
    if (b < 0x21 || b > 0x7E || c == '#' || is_delimiter_or_space(c)) {
      out_ += '#';
      put_hex_byte(out_, b);
    } else {
      out_ += c;
    }
  }
  return *this;
}

ObjectWriter& ObjectWriter::ref(int id) {
  separate();
  put_integer(out_, static_cast<unsigned long long>(id));
  out_ += " 0 R";
  return *this;
}

ObjectWriter& ObjectWriter::number(double v) {
  separate();
  put_number(out_, v);
  return *this;
}

ObjectWriter& ObjectWriter::integer(long long v) {
  separate();
  if (v < 0) {
    out_ += '-';
    put_integer(out_, 0ULL - static_cast<unsigned long long>(v));
  } else {
    put_integer(out_, static_cast<unsigned long long>(v));
  }
  return *this;
}

ObjectWriter& ObjectWriter::boolean(bool v) {
  separate();
  out_ += v ? "true" : "false";
  return *this;
}

// 7.9.2.2: a text string is PDFDocEncoding or UTF-16BE after the BOM FE FF.
// ASCII is the same in PDFDocEncoding; anything else goes as UTF-16BE, in
// hex so no byte of it needs escaping.
ObjectWriter& ObjectWriter::text(std::string_view utf8) {
  bool ascii = true;
  for (char c : utf8) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  if (ascii) return literal(utf8);
  out_ += "<FEFF";
  for (size_t i = 0; i < utf8.size();) {
    char32_t cp = next_code_point(utf8, i);
    if (cp >= 0x10000) {
      put_utf16_unit(out_, 0xD800 + ((cp - 0x10000) >> 10));
      put_utf16_unit(out_, 0xDC00 + ((cp - 0x10000) & 0x3FF));
    } else {
      put_utf16_unit(out_, cp);
    }
  }
  out_ += '>';
  return *this;
}

// 7.3.4.2: parentheses and backslash escaped; line ends escaped too, since
// a reader turns a raw CR or CR LF inside a string into a single LF.
ObjectWriter& ObjectWriter::literal(std::string_view bytes) {
  out_ += '(';
  for (char c : bytes) {
    switch (c) {
      case '(': out_ += "\\("; break;
      case ')': out_ += "\\)"; break;
      case '\\': out_ += "\\\\"; break;
      case '\n': out_ += "\\n"; break;
      case '\r': out_ += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          auto b = static_cast<unsigned char>(c);
          out_ += '\\';
          out_ += static_cast<char>('0' + (b >> 6));
          out_ += static_cast<char>('0' + ((b >> 3) & 7));
          out_ += static_cast<char>('0' + (b & 7));
        } else {
          out_ += c;
        }
    }
  }
  out_ += ')';
  return *this;
}

ObjectWriter& ObjectWriter::raw(std::string_view pdf) {
  if (!pdf.empty() && !is_delimiter_or_space(pdf.front())) separate();
  out_ += pdf;
  return *this;
}

void ObjectWriter::put_stream_bytes(std::string_view bytes) {
  out_ += "\nstream\n";  // 7.3.8.1: the keyword, then CR LF or LF, then the data
  out_ += bytes;
  out_ += "\nendstream";
}

std::string ObjectWriter::finish(int root, int info) {
  std::string id = file_identifier(out_);
  const size_t xref = out_.size();
  out_ += "xref\n0 ";
  put_integer(out_, offsets_.size());
  // 7.5.4: entries of exactly 20 bytes, "nnnnnnnnnn ggggg n" and a 2-byte end of line
  out_ += "\n0000000000 65535 f \n";
  for (size_t n = 1; n < offsets_.size(); ++n) {
    if (offsets_[n] == 0) {
      out_ += "0000000000 00001 f \n";
      continue;
    }
    put_integer(out_, offsets_[n], 10);
    out_ += " 00000 n \n";
  }
  out_ += "trailer\n<</Size ";
  put_integer(out_, offsets_.size());
  out_ += "/Root ";
  put_integer(out_, static_cast<unsigned long long>(root));
  out_ += " 0 R/Info ";
  put_integer(out_, static_cast<unsigned long long>(info));
  out_ += " 0 R/ID[<" + id + "><" + id + ">]>>\nstartxref\n";
  put_integer(out_, xref);
  out_ += "\n%%EOF\n";
  return std::move(out_);
}

// Two 64-bit lanes over 8-byte words (FNV-style multiply, then a final mix):
// not cryptographic, only a fingerprint that changes with any byte, at a few
// microseconds for a page. 14.4: the first half identifies the file's
// origin, the second its version; for a new file both are the same.
std::string file_identifier(std::string_view bytes) {
  uint64_t a = 0xcbf29ce484222325ULL, b = 0x9e3779b97f4a7c15ULL ^ bytes.size();
  size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, bytes.data() + i, 8);
    a = (a ^ w) * 0x100000001b3ULL;
    b = (b ^ (w >> 29 | w << 35)) * 0xff51afd7ed558ccdULL;
  }
  for (; i < bytes.size(); ++i) {
    a = (a ^ static_cast<unsigned char>(bytes[i])) * 0x100000001b3ULL;
    b = (b ^ static_cast<unsigned char>(bytes[i])) * 0xc4ceb9fe1a85ec53ULL;
  }
  auto mix = [](uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
  };
  a = mix(a ^ b);
  b = mix(b + a);
  std::string out;
  for (uint64_t lane : {a, b})
    for (int shift = 56; shift >= 0; shift -= 8) put_hex_byte(out, static_cast<unsigned>((lane >> shift) & 0xFF));
  return out;
}

}  // namespace p2p
