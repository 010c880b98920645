// Fuzz target: case parsing and validation. Bytes are a case file: parse it,
// validate it, and when it is valid build the data the templates would see
// (the merge stage), since that is where a validated case is first trusted.
// Any outcome is fine except a crash, a sanitizer report or a hang.
#include "fuzz_env.h"

#include "case/case.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace p2p;
  const Resources& res = fuzz::resources();
  const Env env = fuzz::fixed_env();
  std::string_view text = fuzz::as_text(data, size);

  auto parsed = parse_case_json(text);
  if (parsed.is_ok()) (void)validate_case(parsed.value(), env.today);

  auto loaded = load_case_checked(text, res, env);
  if (loaded.is_ok()) (void)case_view(loaded.value(), res);
  return 0;
}
