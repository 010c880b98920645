// Fuzz target: template expansion. Bytes are a template (front matter and
// mustache placeholders); the data is a sample case's merged view plus a key
// "fuzz" holding the same bytes as a value, so `{{fuzz}}` in the input also
// drives the escaping of untrusted values. Both escapings are run.
#include "fuzz_env.h"

#include <cstdlib>
#include <string>

#include "expand/expand.h"
#include "pipeline/files.h"

namespace {

const nlohmann::json& sample_view() {
  static const nlohmann::json view = [] {
    using namespace p2p;
    const Resources& res = fuzz::resources();
    auto text = read_file(res.root + "/samples/uhc-lumbar-mri.json");
    if (!text) std::abort();
    auto loaded = load_case_checked(*text, res, fuzz::fixed_env());
    if (!loaded.is_ok()) std::abort();
    auto view = case_view(loaded.value(), res);
    if (!view.is_ok()) std::abort();
    return view.take();
  }();
  return view;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace p2p;
  std::string_view text = fuzz::as_text(data, size);
  nlohmann::json view = sample_view();
  view["fuzz"] = std::string(text);

  TemplateText tpl = split_front_matter(text);
  (void)expand_template(tpl.body, view, "fuzz.md", Escaping::markdown);
  (void)expand_template(tpl.body, view, "fuzz.txt", Escaping::none);
  (void)escape_markdown(text);
  return 0;
}
