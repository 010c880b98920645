#include "select/select.h"

namespace p2p {

std::vector<std::string> template_candidates(const std::string& kind, const std::string& payer_id,
                                             const std::string& denial_type) {
  return {
      kind + "/by-payer/" + payer_id + "/" + denial_type + ".md",
      kind + "/by-payer/" + payer_id + ".md",
      kind + "/by-type/" + denial_type + ".md",
      kind + "/default.md",
  };
}

Result<TemplateChoice> select_template(const std::string& kind, const std::string& payer_id,
                                       const std::string& denial_type,
                                       const std::function<bool(const std::string&)>& exists) {
  TemplateChoice choice{kind, "", {}};
  for (const std::string& path : template_candidates(kind, payer_id, denial_type)) {
    choice.candidates.push_back(path);
    if (exists(path)) {
      choice.chosen = path;
      return Result<TemplateChoice>::ok(std::move(choice));
    }
  }
  return Result<TemplateChoice>::fail({error_at("", "no template for document \"" + kind + "\": " + kind +
                                                        "/default.md is missing from the templates folder")});
}

}  // namespace p2p
