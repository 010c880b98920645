// CodePointSet: the distinct code points of a document, ascending.
#include <doctest/doctest.h>

#include <vector>

#include "text/code_point_set.h"

using p2p::CodePointSet;

TEST_CASE("code point set: distinct, ascending, across the BMP and above it") {
  CodePointSet s;
  const std::vector<char32_t> input = {U'b', U'a', 0x2265, U'b', 0x1F600, 0xFFFF, 0, 0x10000, 0x1F600, U'a', 0x100};
  int added = 0;
  for (char32_t cp : input) added += s.insert(cp) ? 1 : 0;
  CHECK(added == 8);
  CHECK(s.size() == 8);
  CHECK(s.sorted() == std::vector<char32_t>{0, U'a', U'b', 0x100, 0x2265, 0xFFFF, 0x10000, 0x1F600});
  CHECK(s.contains(0x2265));
  CHECK(s.contains(0x1F600));
  CHECK_FALSE(s.contains(0x2264));
  CHECK_FALSE(s.contains(0x1F601));
}

TEST_CASE("code point set: clear leaves nothing behind for the next document") {
  CodePointSet s;
  for (char32_t cp = 0; cp < 0x11000; cp += 97) s.insert(cp);
  s.clear();
  CHECK(s.empty());
  CHECK(s.sorted().empty());
  CHECK_FALSE(s.contains(97));
  s.insert(U'z');
  CHECK(s.sorted() == std::vector<char32_t>{U'z'});
}
