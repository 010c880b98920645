#include "text/test_fonts.h"

#include <doctest/doctest.h>

#include <map>
#include <mutex>

namespace p2p::test_fonts {

std::shared_ptr<const FontFace> face(const std::string& file) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const FontFace>> loaded;
  std::lock_guard lock(mutex);
  if (auto it = loaded.find(file); it != loaded.end()) return it->second;
  auto r = FontFace::load(std::string(P2P_SOURCE_ROOT) + "/fonts/" + file);
  REQUIRE_MESSAGE(r.is_ok(), (r.diagnostics().empty() ? file : r.diagnostics()[0].message));
  return loaded[file] = r.value();
}

const FontFace& sans() { return *face("LiberationSans-Regular.ttf"); }

FontSet family(const std::string& name) {
  FontSet set;
  const char* styles[4] = {"-Regular.ttf", "-Bold.ttf", "-Italic.ttf", "-BoldItalic.ttf"};
  for (int f = 0; f < 4; ++f) set.faces[f] = face(name + styles[f]);
  return set;
}

const FontSet& sans_family() {
  static const FontSet set = family("LiberationSans");
  return set;
}

}  // namespace p2p::test_fonts
