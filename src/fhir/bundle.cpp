// ResourcePool: the entries of the documents an import reads, and how a
// Reference finds one of them (FHIR R4 "Resolving references in Bundles",
// http://hl7.org/fhir/R4/bundle.html#references, simplified: an exact
// fullUrl match first, then Type/id at the end of the reference).

#include "fhir/bundle.h"

namespace p2p::fhir {

namespace {

const json& empty_array() {
  static const json empty = json::array();
  return empty;
}

// "http://x/fhir/Patient/1/_history/2" -> "Patient/1"; "Patient/1" -> same;
// "" when the text does not end in Type/id (or is a search).
std::string type_and_id(std::string_view ref) {
  if (ref.find('?') != std::string_view::npos) return {};
  if (auto h = ref.find("/_history/"); h != std::string_view::npos) ref = ref.substr(0, h);
  auto slash = ref.rfind('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == ref.size()) return {};
  auto before = ref.rfind('/', slash - 1);
  std::string_view type = ref.substr(before == std::string_view::npos ? 0 : before + 1);
  if (type.empty() || type[0] < 'A' || type[0] > 'Z') return {};
  return std::string(type);
}

Located located(const json& resource, std::string where, std::string full_url) {
  Located l;
  l.resource = &resource;
  l.where = std::move(where);
  l.full_url = std::move(full_url);
  l.type = text_at(resource, "resourceType");
  l.id = text_at(resource, "id");
  return l;
}

}  // namespace

const json* member(const json& v, std::string_view key) {
  if (!v.is_object()) return nullptr;
  auto it = v.find(key);
  return it == v.end() ? nullptr : &*it;
}

std::string text_of(const json* v) { return v && v->is_string() ? v->get<std::string>() : std::string(); }

std::string text_at(const json& v, std::string_view key) { return text_of(member(v, key)); }

const json& items_at(const json& v, std::string_view key) {
  const json* m = member(v, key);
  return m && m->is_array() ? *m : empty_array();
}

std::vector<Coding> codings_of(const json* cc) {
  std::vector<Coding> out;
  if (!cc) return out;
  for (const json& c : items_at(*cc, "coding")) {
    Coding k{text_at(c, "system"), text_at(c, "code"), text_at(c, "display")};
    if (!k.code.empty()) out.push_back(std::move(k));
  }
  return out;
}

namespace {

bool url_names(std::string_view url, std::string_view name) {
  if (url == name) return true;
  auto ends = [&](std::string_view tail) {
    return url.size() > tail.size() && url.substr(url.size() - tail.size()) == tail;
  };
  return ends("/extension-" + std::string(name)) || ends("/" + std::string(name));
}

const json* named_in(const json& element, std::string_view list, std::string_view name) {
  for (const json& e : items_at(element, list))
    if (url_names(text_at(e, "url"), name)) return &e;
  return nullptr;
}

}  // namespace

const json* extension_named(const json& element, std::string_view name) {
  return named_in(element, "extension", name);
}

const json* modifier_extension_named(const json& element, std::string_view name) {
  return named_in(element, "modifierExtension", name);
}

// Contained resources are kept apart, their full_url set to the location of
// the resource holding them: "#id" only resolves from inside that resource.
void ResourcePool::add_one(const json& resource, std::string where, std::string full_url) {
  const json& contained = items_at(resource, "contained");
  for (std::size_t i = 0; i < contained.size(); ++i)
    if (contained[i].is_object())
      contained_.push_back(located(contained[i], where + ".contained[" + std::to_string(i) + "]", where));
  resources_.push_back(located(resource, std::move(where), std::move(full_url)));
  const Located& l = resources_.back();
  std::size_t index = resources_.size() - 1;
  if (!l.full_url.empty()) by_full_url_.try_emplace(l.full_url, index);
  if (!l.type.empty() && !l.id.empty()) by_type_id_.try_emplace(l.type + "/" + l.id, index);
}

void ResourcePool::add(const json& document, const std::string& prefix) {
  if (text_at(document, "resourceType") != "Bundle") {
    if (document.is_object()) add_one(document, prefix + text_at(document, "resourceType"), "");
    return;
  }
  const json& entries = items_at(document, "entry");
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const json* r = member(entries[i], "resource");
    if (!r || !r->is_object()) continue;
    add_one(*r, prefix + "Bundle.entry[" + std::to_string(i) + "].resource", text_at(entries[i], "fullUrl"));
  }
}

const Located* ResourcePool::resolve(const json& reference, const Located& from) const {
  std::string ref = text_at(reference, "reference");
  if (ref.empty()) return nullptr;
  if (ref[0] == '#') {
    for (const Located& l : contained_)
      if (l.full_url == from.where && l.id == ref.substr(1)) return &l;
    return nullptr;
  }
  if (auto it = by_full_url_.find(ref); it != by_full_url_.end()) return &resources_[it->second];
  std::string wanted = type_and_id(ref);
  if (wanted.empty()) return nullptr;
  auto it = by_type_id_.find(wanted);
  return it == by_type_id_.end() ? nullptr : &resources_[it->second];
}

std::vector<const Located*> ResourcePool::of_type(std::string_view type) const {
  std::vector<const Located*> out;
  for (const Located& l : resources_)
    if (l.type == type) out.push_back(&l);
  return out;
}

}  // namespace p2p::fhir
