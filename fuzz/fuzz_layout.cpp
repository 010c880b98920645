// Fuzz target: Markdown and layout. Bytes are Markdown (what the expand stage
// hands on): parse it into blocks, lay them out on as many pages as they need
// and under the brief's one-page rule, with a letterhead and footer as the
// pipeline sets them. The first line of the input doubles as the practice
// name, so over-long letterheads are fuzzed too.
#include "fuzz_env.h"

#include <string>

#include "layout/layout.h"
#include "markdown/markdown.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace p2p;
  const Resources& res = fuzz::resources();
  std::string_view text = fuzz::as_text(data, size);

  Blocks blocks = parse_markdown(text);
  PageStyle style;
  style.letterhead.name = std::string(text.substr(0, text.find('\n')));
  style.letterhead.lines = {"410 Western Avenue, Suite 200", "Albany, NY 12203"};
  style.footer_left = "Case FUZZ-1  \xC2\xB7  Confidential";
  (void)layout_document(blocks, style, res.sans);
  (void)layout_one_page(blocks, style, res.serif);
  return 0;
}
