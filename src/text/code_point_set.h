// CodePointSet: the distinct characters a document draws with one face, as
// a bitmap of the Basic Multilingual Plane plus a short sorted list for the
// code points above it. Inserting is a bit set, so collecting every character
// of a document costs one pass and no sort; iterating runs in ascending order
// and skips empty 256-character blocks, so it costs the blocks used, not
// 65,536 bits. About 8.3 KB; clear() touches only the blocks used.
// A plain value: no shared state, safe to use from any thread that owns it.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <vector>

namespace p2p {

class CodePointSet {
 public:
  // True when `cp` was not in the set yet.
  bool insert(char32_t cp) {
    if (cp <= 0xFFFF) {
      uint64_t& word = bits_[cp >> 6];
      const uint64_t bit = uint64_t{1} << (cp & 63);
      if (word & bit) return false;
      word |= bit;
      blocks_[cp >> 14] |= uint64_t{1} << ((cp >> 8) & 63);
      ++count_;
      return true;
    }
    auto it = std::lower_bound(above_.begin(), above_.end(), cp);
    if (it != above_.end() && *it == cp) return false;
    above_.insert(it, cp);
    ++count_;
    return true;
  }

  bool contains(char32_t cp) const {
    if (cp <= 0xFFFF) return (bits_[cp >> 6] >> (cp & 63)) & 1;
    return std::binary_search(above_.begin(), above_.end(), cp);
  }

  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }

  // Calls f(cp) for each code point, ascending.
  template <class F>
  void for_each(F&& f) const {
    for (uint32_t b = 0; b < 256; ++b) {
      if (!((blocks_[b >> 6] >> (b & 63)) & 1)) continue;
      for (uint32_t w = b * 4; w < b * 4 + 4; ++w)
        for (uint64_t word = bits_[w]; word != 0; word &= word - 1)
          f(static_cast<char32_t>(w * 64 + static_cast<uint32_t>(std::countr_zero(word))));
    }
    for (char32_t cp : above_) f(cp);
  }

  std::vector<char32_t> sorted() const {
    std::vector<char32_t> out;
    out.reserve(count_);
    for_each([&out](char32_t cp) { out.push_back(cp); });
    return out;
  }

  void clear() {
    for (uint32_t b = 0; b < 256; ++b)
      if ((blocks_[b >> 6] >> (b & 63)) & 1) std::memset(&bits_[b * 4], 0, 4 * sizeof(uint64_t));
    std::memset(blocks_, 0, sizeof blocks_);
    above_.clear();
    count_ = 0;
  }

 private:
  uint64_t bits_[1024] = {};   // bit cp: U+0000..U+FFFF
  uint64_t blocks_[4] = {};    // bit b: some code point of b * 256 .. b * 256 + 255 is set
  std::vector<char32_t> above_;   // U+10000 and up, ascending, distinct
  size_t count_ = 0;
};

}  // namespace p2p
