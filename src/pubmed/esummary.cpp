#include "pubmed/esummary.h"

#include <cctype>

namespace p2p::pubmed {

using json = nlohmann::json;

namespace {

std::string url_encode(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string text_of(const json& record, const char* key) {
  auto it = record.find(key);
  return it != record.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// The first four-digit run of "2006 Nov 22" or "2006/11/22 00:00".
int year_of(const std::string& date) {
  for (size_t i = 0; i + 4 <= date.size(); ++i) {
    bool digits = true;
    for (size_t j = 0; j < 4; ++j) digits = digits && std::isdigit(static_cast<unsigned char>(date[i + j]));
    if (digits && (i + 4 == date.size() || !std::isdigit(static_cast<unsigned char>(date[i + 4]))))
      return std::stoi(date.substr(i, 4));
  }
  return 0;
}

bool ends_sentence(const std::string& s) { return !s.empty() && (s.back() == '.' || s.back() == '?' || s.back() == '!'); }

}  // namespace

std::string esummary_url(const std::string& base, const std::string& pmid, const std::string& tool,
                         const std::string& email, const std::string& api_key) {
  std::string url = base;
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += "/esummary.fcgi?db=pubmed&id=" + url_encode(pmid) + "&retmode=json";
  if (!tool.empty()) url += "&tool=" + url_encode(tool);
  if (!email.empty()) url += "&email=" + url_encode(email);
  if (!api_key.empty()) url += "&api_key=" + url_encode(api_key);
  return url;
}

std::string plain_text(std::string_view html) {
  std::string out;
  for (size_t i = 0; i < html.size(); ++i) {
    char c = html[i];
    if (c == '<') {  // a tag: <i>, </sup>, <b class="x">
      size_t close = html.find('>', i);
      if (close != std::string_view::npos && close - i <= 32) {
        i = close;
        continue;
      }
    }
    if (c == '&') {
      static const std::pair<std::string_view, std::string_view> kEntities[] = {
          {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&apos;", "'"}};
      bool replaced = false;
      for (const auto& [entity, text] : kEntities) {
        if (html.substr(i, entity.size()) == entity) {
          out += text;
          i += entity.size() - 1;
          replaced = true;
          break;
        }
      }
      if (replaced) continue;
    }
    out += c;
  }
  return out;
}

Result<json> esummary_record(std::string_view body, const std::string& pmid) {
  using R = Result<json>;
  json doc = json::parse(body.begin(), body.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return R::fail({error_at("", "PubMed's answer is not JSON")});
  if (doc.contains("error")) {
    std::string what = doc["error"].is_string() ? doc["error"].get<std::string>() : doc["error"].dump();
    return R::fail({error_at("", "PubMed reports an error: " + what.substr(0, 200))});
  }
  auto result = doc.find("result");
  if (result == doc.end() || !result->is_object()) return R::fail({error_at("", "PubMed's answer has no result")});
  auto record = result->find(pmid);
  if (record == result->end() || !record->is_object())
    return R::fail({error_at("", "PubMed has no record for PMID " + pmid)});
  if (record->contains("error")) return R::fail({error_at("", "PubMed has no record for PMID " + pmid)});
  return R::ok(*record);
}

Result<CitationRecord> citation_from_record(const json& record) {
  using R = Result<CitationRecord>;
  if (!record.is_object()) return R::fail({error_at("", "the PubMed record is not an object")});
  CitationRecord c;
  std::string full_title = trim(plain_text(text_of(record, "title")));
  c.title = full_title;
  while (!c.title.empty() && c.title.back() == '.') c.title.pop_back();
  c.source = trim(plain_text(text_of(record, "source")));
  c.year = year_of(text_of(record, "pubdate"));
  if (!c.year) c.year = year_of(text_of(record, "sortpubdate"));
  if (c.title.empty() && c.source.empty()) return R::fail({error_at("", "the PubMed record has no title or journal")});

  // Vancouver (ICMJE) style: the first six authors, then "et al."
  std::vector<std::string> authors;
  auto list = record.find("authors");
  if (list != record.end() && list->is_array())
    for (const json& a : *list)
      if (a.is_object()) {
        std::string name = trim(plain_text(text_of(a, "name")));
        if (!name.empty()) authors.push_back(name);
      }
  std::string ref;
  for (size_t i = 0; i < authors.size() && i < 6; ++i) ref += (i ? ", " : "") + authors[i];
  if (authors.size() > 6) ref += ", et al";
  if (!ref.empty()) ref += ". ";
  if (!full_title.empty()) ref += full_title + (ends_sentence(full_title) ? " " : ". ");
  if (!c.source.empty()) ref += c.source + ".";
  if (c.year) {
    ref += ' ';
    ref += std::to_string(c.year);
    std::string volume = text_of(record, "volume"), issue = text_of(record, "issue"), pages = text_of(record, "pages");
    if (!volume.empty()) ref += ";" + volume + (issue.empty() ? "" : "(" + issue + ")");
    if (!pages.empty()) ref += ":" + pages;
    ref += ".";
  }
  c.reference = trim(ref);
  return R::ok(std::move(c));
}

}  // namespace p2p::pubmed
