// Internal to fhir/: the resources of one or two FHIR documents, each with
// where it was read (a FHIRPath-style location), and reference resolution
// between them. Reads JSON defensively: any value may have any type.
// Holds pointers into the documents given to add(); they must outlive it,
// and pointers it returns stay valid until the next add(). Resolving a
// reference costs one hash look-up.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

namespace p2p::fhir {

using json = nlohmann::json;

struct Located {
  const json* resource = nullptr;
  std::string where;     // "Bundle.entry[2].resource", "request:Claim"
  std::string full_url;  // the entry's fullUrl, if any
  std::string type, id;  // resourceType and id ("" when absent or not strings)
};

class ResourcePool {
 public:
  // Adds a Bundle's entries (or a bare resource). `prefix` starts every
  // location ("" for the response, "request:" for the request).
  void add(const json& document, const std::string& prefix);

  // The resource a Reference points at, or null: "#id" (contained in
  // `from`), a fullUrl (urn:uuid:..., absolute URL), "Type/id", or an
  // absolute RESTful URL ending in Type/id (optionally /_history/n).
  // Search URLs ("Claim?identifier=...") and identifier-only references
  // resolve to nothing.
  const Located* resolve(const json& reference, const Located& from) const;

  std::vector<const Located*> of_type(std::string_view type) const;
  const std::vector<Located>& all() const { return resources_; }

 private:
  void add_one(const json& resource, std::string where, std::string full_url);
  std::vector<Located> resources_;
  std::vector<Located> contained_;
  // Indexes into resources_ (the first resource wins a duplicate key), built
  // by add(), so resolving is one look-up whatever the bundle's size.
  std::unordered_map<std::string, std::size_t> by_full_url_, by_type_id_;
};

// ---- defensive reading ------------------------------------------------------------

const json* member(const json& v, std::string_view key);        // null unless v is an object holding key
std::string text_of(const json* v);                              // the string, or "" for anything else
std::string text_at(const json& v, std::string_view key);        // text_of(member(v, key))
const json& items_at(const json& v, std::string_view key);       // the array, or an empty one

struct Coding {
  std::string system, code, display;
};
std::vector<Coding> codings_of(const json* codeable_concept);   // .coding[] with a string code

// An extension of `element` named `name`: its url equals name, or ends in
// "/extension-<name>" or "/<name>". Null when absent.
const json* extension_named(const json& element, std::string_view name);
const json* modifier_extension_named(const json& element, std::string_view name);

}  // namespace p2p::fhir
