// A PDF file written straight into one string: numbered objects, their
// dictionaries, arrays and streams, then the cross-reference table and the
// trailer. Internal to the pdf stage; it owns the file syntax (PDF 32000-1,
// 7.3 objects, 7.5 file structure) and nothing about pages or fonts.
// Objects are numbered when reserved (reserve()) and may be written in any
// order, each once; finish() lists them in a classic xref table. The
// writer builds tokens, not a tree: the caller emits keys and values in
// order between begin() and end(). Deterministic: the /ID is a hash of the
// bytes written, never a clock or a random number.
// Thread contract: one writer per document; no shared state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace p2p {

class ObjectWriter {
 public:
  // Writes the header: "%PDF-1.7" and the binary comment that tells
  // transfer tools the file is binary. `expected_size` only reserves.
  explicit ObjectWriter(size_t expected_size = 32 * 1024);

  // A new object number, to refer to before (or after) it is written.
  int reserve();

  // "n 0 obj" ... "endobj" around the tokens written in between.
  void begin(int id);
  void end();

  // Tokens. Each adds the separator the previous token needs, so that
  // keys and values can follow one another in any order.
  ObjectWriter& open_dict();                     // "<<"
  ObjectWriter& close_dict();                    // ">>"
  ObjectWriter& open_array();                    // "["
  ObjectWriter& close_array();                   // "]"
  ObjectWriter& key(std::string_view name);      // "/Name"
  ObjectWriter& name(std::string_view name);     // "/Name", # escapes where needed
  ObjectWriter& ref(int id);                     // "12 0 R"
  ObjectWriter& number(double v);                // put_number: two decimals at most
  ObjectWriter& integer(long long v);
  ObjectWriter& boolean(bool v);
  ObjectWriter& text(std::string_view utf8);     // a text string (7.9.2.2): ASCII literal, else UTF-16BE hex with BOM
  ObjectWriter& literal(std::string_view bytes); // "(...)" with (, ), \ and controls escaped
  ObjectWriter& raw(std::string_view pdf);       // tokens already spelled (e.g. "[0 [500 250]]")

  // A whole stream object: begin(id), the dictionary with `extra` (tokens
  // written by the callback between "<<" and ">>", may be empty), /Filter
  // /FlateDecode when `deflated` (the bytes are already compressed), /Length,
  // the bytes, end().
  template <typename Extra>
  void stream(int id, std::string_view bytes, bool deflated, Extra&& extra) {
    begin(id);
    open_dict();
    extra(*this);
    if (deflated) key("Filter").name("FlateDecode");
    key("Length").integer(static_cast<long long>(bytes.size()));
    close_dict();
    put_stream_bytes(bytes);
    end();
  }
  void stream(int id, std::string_view bytes, bool deflated) {
    stream(id, bytes, deflated, [](ObjectWriter&) {});
  }

  // The xref table and trailer (/Size /Root /Info /ID); returns the file.
  // Every reserved object must have been written (an unwritten one is
  // listed as free, so the file stays valid, but that is a caller bug).
  std::string finish(int root, int info);

  // The bytes so far (for tests).
  const std::string& bytes() const { return out_; }

 private:
  void separate();  // a space when the last byte and the next token would merge
  void put_stream_bytes(std::string_view bytes);

  std::string out_;
  std::vector<uint64_t> offsets_;  // by object number; 0: not written yet
};

// The hexadecimal spelling of a 128-bit hash of `bytes`: the file
// identifier's two halves. Exposed for tests.
std::string file_identifier(std::string_view bytes);

}  // namespace p2p
