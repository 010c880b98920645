// Pipeline: the stages in order, for one case.
//   case -> validate -> select -> merge -> expand -> markdown -> layout -> pdf
// generate_packet runs them and returns the documents in memory; write_packet
// puts them on disk atomically (temp name, then rename). The pipeline knows
// nothing about how it was called (CLI, watcher or service): all outside
// inputs come through Resources (templates, fonts, rules: loaded once) and
// Env (the clock), so a fixed clock gives byte-identical PDFs.
// Thread contract: Resources is immutable after load_resources and may be
// shared by threads; packets may be generated on several threads at once.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "case/case.h"
#include "core/diagnostic.h"
#include "knowledge/evidence.h"
#include "pipeline/template_files.h"
#include "layout/flatten.h"
#include "layout/layout.h"
#include "pipeline/files.h"
#include "select/select.h"
#include "text/coverage.h"
#include "triage/triage.h"

namespace p2p {

// Bibliographic data for one PubMed ID, as an outside source knows it.
struct CitationRecord {
  std::string title;      // without a closing period
  std::string source;     // journal abbreviation ("JAMA")
  int year = 0;           // 0 when unknown
  std::string reference;  // the whole reference, e.g. "Weinstein JN, ... JAMA. 2006;296(20):2441-50."
};

// The door to a citation database (pubmed/ implements it over NCBI
// E-utilities with a disk cache). The pipeline only knows this interface.
// Implementations must be thread-safe. A failed look-up returns an error whose
// message says why (no answer, not found); the pipeline turns it into a warning.
class CitationLookup {
 public:
  virtual ~CitationLookup() = default;
  virtual Result<CitationRecord> look_up(const std::string& pmid) const = 0;
};

// The clock, injected. SOURCE_DATE_EPOCH (reproducible-builds convention)
// fixes it; otherwise it is the current time. `citations`, when set, lets
// load_case_checked complete citations that carry a PMID (not owned; must
// outlive the calls that use this Env).
struct Env {
  long long timestamp = 0;  // seconds since 1970, UTC
  Date today;
  const CitationLookup* citations = nullptr;
  static Env from_process();
  static Env at(long long timestamp);
};

// One document of the packet, from templates/packet.json.
struct DocumentKind {
  std::string kind;        // "lomn": names the template folder templates/<kind>/
  std::string file;        // "lomn.pdf"
  bool text = false;       // plain text output (the notice) instead of a PDF
};

struct Resources {
  std::string root;               // folder holding templates/ and fonts/
  std::string templates_dir;      // root + "/templates"
  std::string site_templates_dir; // a site's overlay of templates/ ("" = none), see template_file
  FontSet sans, serif;            // Liberation Sans and Serif, four faces each
  KnowledgeLibrary knowledge;     // templates/knowledge/*.json and payers/*.json
  std::vector<DocumentKind> documents;  // templates/packet.json, in packet order
  std::shared_ptr<const TextCoverage> printable;  // what every face of both families prints (pipeline/coverage.h)
  // Set (use_archival_pdf): every PDF is PDF/A-2b with this sRGB ICC profile
  // as its output intent (docs/archival.md)
  std::shared_ptr<const std::string> output_intent;
  // Set (keep_templates_in_memory): the document templates are read through
  // it, kept until a file under the template folders changes; null: read
  // from disk for every document.
  std::shared_ptr<TemplateFiles> template_files;
};

// For a long-running process that generates many packets (the service's
// workers): templates kept in memory, an edit still taking effect with the
// next packet (pipeline/template_files.h). Not before a fork.
void keep_templates_in_memory(Resources& res);

// Debian's icc-profiles-free puts its sRGB profile here.
inline constexpr const char* kSrgbProfilePath = "/usr/share/color/icc/sRGB.icc";

// --pdfa / `pdfa = true`: reads the sRGB ICC profile at `icc_path` into
// res.output_intent. Fails naming the file (and the package that ships it)
// when it cannot be read or is not an RGB display profile.
Diagnostics use_archival_pdf(Resources& res, const std::string& icc_path = kSrgbProfilePath);
// The same check and read, for PDFs made without Resources (the report):
// the profile for PdfMetadata::output_intent.
Result<std::shared_ptr<const std::string>> read_srgb_profile(const std::string& icc_path = kSrgbProfilePath);

// Loads fonts and rule files under `root`. Fails naming the missing or
// malformed file. `site_templates`, when not empty, is a site's overlay of
// templates/ (docs/install.md, "Site templates"): it must be a folder, and
// each file in it replaces the shipped file with the same relative path
// (templates, packet.json, knowledge files, payers), one file at a time, so
// a site keeps only what it changed and an upgrade never touches it.
Result<Resources> load_resources(const std::string& root, const std::string& site_templates = "");

// The file a template path (relative to templates/) stands for: the site's
// copy when its overlay has one, else the shipped file.
std::string template_file(const Resources& res, const std::string& rel);

// load_case (case/case.h) plus the checks that need the library: a citation
// key missing from templates/knowledge/citations.json is a warning naming the
// closest keys (the citation is left out), reported together with the format
// errors when there are any; every text must be printable with the shipped
// fonts (pipeline/coverage.h).
// With env.citations set, first completes each citation object that has a
// well-formed "pmid": missing title, source and year are filled in (so a
// citation may be given as just {"kind", "pmid"}), and after validation the
// full reference is added for the letters. A failed look-up never fails the
// case: it is a warning, and a still-missing title or source becomes a
// visible placeholder.
Result<Case> load_case_checked(std::string_view text, const Resources& res, const Env& env);
// The same for a document parse_case_json already returned (the service
// parses once: a malformed body is a 400 before any of this runs).
Result<Case> load_parsed_case_checked(nlohmann::json doc, const Resources& res, const Env& env);

// Strict mode (`--strict`, `strict = true` in the watcher's and the service's
// settings): a case that loaded with warnings is refused, each warning now an
// error with the same path and its message followed by "(strict: warnings
// are errors)". Anything else passes unchanged.
Result<Case> refuse_warnings(Result<Case> loaded);

// What the pipeline would use for a case, for a person to read: the template
// chosen for each document and the candidates tried, the payer entry, the
// denial-type advice, where citations and criteria come from, the deadlines,
// and the triage with its arithmetic (`history` as for generate_packet).
std::string explain_case(const Case& c, const Resources& res, const TriageHistory* history = nullptr);

// The data a template sees for this case (the merge stage's output, with
// the triage), as `p2p view` prints it for template authors.
Result<nlohmann::json> case_view(const Case& c, const Resources& res, const TriageHistory* history = nullptr);

// The triage for a case (triage/triage.h): the denial type's fit, the P2P
// and appeal deadlines for env.today, the library's benchmarks, and the
// practice's record for the case's payer x service category (`history`,
// filled by the entry point from the ledger; nullptr when it has none).
Result<Triage> triage_for_case(const Case& c, const Resources& res, const Env& env, const TriageHistory* history);

struct GeneratedDocument {
  std::string kind;         // "brief"
  std::string file_name;    // "brief.pdf"
  std::string title;        // for people: the template's front-matter title, else the kind
  TemplateChoice template_choice;
  std::string pdf;          // the bytes (PDF, or UTF-8 text for a text document)
  int pages = 0;
  double body_size = 0;     // type size the layout settled on
  int items_cut = 0;        // list entries replaced by "+N more" to keep one page
  // SHA-256 (hex) of what the document shows: its laid-out pages (every text
  // run, rule, box and form field with its position), or its text. Unlike a
  // digest of `pdf` it leaves out the PDF's clock-dependent parts (creation
  // and modification dates), so the same content regenerated later gives the
  // same digest: delivery's identity of a document version.
  std::string content_sha256;
};

struct Packet {
  std::string case_id;
  std::vector<GeneratedDocument> documents;
  Diagnostics warnings;
  // The case the packet was made from, as validated (JSON text), kept in the
  // packet as case.json so that a recorded call can regenerate the follow-up
  // documents from it (`p2pdoc record`). Empty: not written.
  std::string case_json;
  // The triage the documents show (triage_json), kept in the manifest and
  // from there in the ledger's packet_generated event.
  nlohmann::json triage;
  // Filled forms kept as records (generate_filled_copy: the post-call form
  // as the physician filled it, flattened). Written beside the documents and
  // listed in the manifest's "records", never among its "documents": they
  // are not generated from the case, so they neither count in the packet's
  // identity nor go out with delivery. write_packet keeps the records of
  // the packet it replaces.
  std::vector<GeneratedDocument> records;
};

// Renders every document of a validated case (load_case in case/case.h).
// `history` is the practice's record for the case's payer x service category
// (the entry point reads it from the ledger); nullptr: no ledger, and the
// triage says it used the benchmark.
// A failure here is ours, not the input's: a missing or broken template, a
// rule file error, a PDF error.
Result<Packet> generate_packet(const Case& c, const Resources& res, const Env& env,
                               const TriageHistory* history = nullptr);

// One document of the packet (`kind` as named in templates/packet.json:
// "brief", "lomn" ...), laid out exactly as generate_packet lays it out
// (the same pages, the same content_sha256), for `p2pdoc render`: staff
// printing the brief need not pay for the rest. Its fonts are subset for
// it alone, where a packet's documents share theirs (pdf_export.h), so its
// PDF is a little smaller than the packet's copy and not the same bytes.
// An unknown kind fails naming the kinds the packet has.
Result<GeneratedDocument> generate_document(const Case& c, const std::string& kind, const Resources& res,
                                            const Env& env, const TriageHistory* history = nullptr);

// A form document of the packet (`kind`, e.g. "post-call") as a person
// filled it in, for the record a practice files: laid out for this case
// exactly as generate_document lays it out, then every form field replaced
// by the value as filled (flatten_fields, layout/flatten.h), so the PDF has
// no form left and shows the values as page content; PDF/A-2b when `res`
// asks for it. A value too long for its box is also printed whole in a
// last section, "Fields continued". Named `file_name`.
// Fails naming the field when a value has characters the fonts cannot
// print (bad input); any other failure is ours.
Result<GeneratedDocument> generate_filled_copy(const Case& c, const std::string& kind, const FilledValues& filled,
                                               const std::string& file_name, const Resources& res, const Env& env);

// The manifest written beside the documents (kind, template, pages, bytes,
// sha256 per document; the triage; the records, listed the same way).
nlohmann::json packet_manifest(const Packet& p, const Env& env);

// Writes the packet whole: the documents, case.json and manifest.json go into a hidden
// staging folder in DIR, which then becomes DIR/<case_id> in one atomic step.
// A packet already there is swapped out atomically and kept as
// DIR/<case_id>.prev (one generation); the records that packet's manifest
// lists are copied into the new one, unless `p` has a record of the same
// file name (a record outlives regeneration). A crash leaves at most a staging
// folder, never half a packet. The files are flushed before the swap; with
// Durability::by_caller the swap itself is made durable by the caller's next
// flush_file_system (the service's, which also covers its retry record)
// instead of a flush of DIR here. Returns the folder and the manifest as
// written (the ledger records the packet from it, without reading it back).
struct WrittenPacket {
  std::string dir;
  nlohmann::json manifest;
};
Result<WrittenPacket> write_packet(const Packet& p, const std::string& out_dir, const Env& env,
                                   Durability durability = Durability::flushed);

}  // namespace p2p
