#include "select/select.h"

namespace p2p {

std::vector<std::string> template_candidates(const std::string& kind, const std::string& payer_id,
                                             const std::string& denial_type, const std::string& ext) {
  return {
      kind + "/by-payer/" + payer_id + "/" + denial_type + ext,
      kind + "/by-payer/" + payer_id + ext,
      kind + "/by-type/" + denial_type + ext,
      kind + "/default" + ext,
  };
}

Result<TemplateChoice> select_template(const std::string& kind, const std::string& payer_id,
                                       const std::string& denial_type,
                                       const std::function<bool(const std::string&)>& exists,
                                       const std::string& ext) {
  TemplateChoice choice{kind, "", {}};
  for (const std::string& path : template_candidates(kind, payer_id, denial_type, ext)) {
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
