// E-utilities esummary: the request URL for one PMID and the reading of its
// JSON answer (retmode=json, version 0.3 as NCBI serves it) into a
// CitationRecord: title, journal (source), year, and a Vancouver-style
// reference (up to six authors, then "et al.").
// Pure functions, thread-safe; pubmed.cpp does the network and the cache.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/diagnostic.h"
#include "pipeline/pipeline.h"

namespace p2p::pubmed {

// "{base}/esummary.fcgi?db=pubmed&id={pmid}&retmode=json&tool=..." (tool,
// email and api_key are added when not empty, as NCBI asks callers to do).
std::string esummary_url(const std::string& base, const std::string& pmid, const std::string& tool,
                         const std::string& email, const std::string& api_key);

// The record of `pmid` inside a whole esummary answer ({"result": {pmid: {...}}}).
// Fails when the text is not JSON, NCBI reports an error, or the record is missing.
Result<nlohmann::json> esummary_record(std::string_view body, const std::string& pmid);

// A record (as esummary_record returns it, or as cached) to a CitationRecord.
// Fails when it has neither title nor source.
Result<CitationRecord> citation_from_record(const nlohmann::json& record);

// Titles come with some HTML (<i>, <sup>) and entities (&amp;): plain text out.
std::string plain_text(std::string_view html);

}  // namespace p2p::pubmed
