// p2pdoc command line: `generate`, `render`, `validate`, `explain`, `view`, `check-templates`, `watch`, `serve`, `import pas`,
// the ledger's `event` and `due` (cli/ledger_commands.h) and `record` (cli/record_command.h). A thin shell over the
// pipeline library: read files, call the stages, print results, choose the
// exit code (0 all ok, 2 some input invalid, 1 internal error).
// Diagnostics go to stderr and name the input file and JSON path; the
// summary line carries counts only.
// Built twice (src/CMakeLists.txt): with P2PDOC_LEAN it is the front, `p2pdoc`,
// without the service, the watcher, PostgreSQL and PubMed, which it hands to
// p2pdoc-full (cli/full_binary.h).
#include <unistd.h>

#include <algorithm>
#include <deque>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/data_root.h"
#include "cli/import_command.h"
#include "cli/ledger_commands.h"
#include "cli/report_commands.h"
#include "cli/record_command.h"
#include "ledger/packet_events.h"
#include "pipeline/files.h"
#include "pipeline/pipeline.h"
#include "pipeline/template_check.h"
#ifdef P2PDOC_LEAN
#include "cli/full_binary.h"
#include "cli/huge_heap.h"
#else
#include "pubmed/pubmed.h"
#include "serve/serve.h"
#include "serve/workers.h"
#include "watch/watch.h"
#endif

namespace {

using namespace p2p;

enum Exit { kOk = 0, kInternal = 1, kInvalid = 2 };

// Found once per process (cli/data_root.h); "" when nothing was found.
const cli::DataRoot& data_root() {
  static const cli::DataRoot found = cli::find_data_root();
  return found;
}

std::string default_root() { return data_root().root; }

// False, saying where it looked, when nothing was found or the folder given
// (--root, $P2PDOC_ROOT, root = ...) holds no templates/packet.json.
bool root_found(const std::string& root) {
  if (root.empty()) {
    std::cerr << "p2pdoc: " << cli::not_found_message(data_root()) << "\n";
    return false;
  }
  if (file_exists(root + "/templates/packet.json")) return true;
  std::cerr << "p2pdoc: " << root << " holds no templates/packet.json (given by --root, $P2PDOC_ROOT or root = ...); "
            << "pass the folder that holds templates/ and fonts/\n";
  return false;
}

struct Input {
  std::string name;  // file name, or "<stdin>"
  std::optional<std::string> text;
};

Input read_input(const std::string& arg) {
  if (arg == "-") {
    std::string all((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    return {"<stdin>", all};
  }
  return {arg, read_file(arg)};
}

void print_diagnostics(const std::string& name, const Diagnostics& ds) {
  for (const Diagnostic& d : ds) std::cerr << name << ": " << d.to_string() << "\n";
}

struct Counts {
  int ok = 0, invalid = 0, internal = 0;
  int exit_code() const { return internal ? kInternal : invalid ? kInvalid : kOk; }
};

struct LoadedCase {
  Case c;
  Diagnostics warnings;
};

// Validates one input (format rules and library keys); prints what is wrong.
// Returns the case when valid.
// With `strict` (--strict), a warning makes the case invalid too.
std::optional<LoadedCase> load_input(const std::string& arg, const Resources& res, const Env& env, Counts& n,
                                     bool strict) {
  Input in = read_input(arg);
  if (!in.text) {
    std::cerr << in.name << ": cannot read the file\n";
    ++n.invalid;
    return std::nullopt;
  }
  auto loaded = load_case_checked(*in.text, res, env);
  print_diagnostics(in.name, loaded.diagnostics());
  if (!loaded.is_ok()) {
    ++n.invalid;
    return std::nullopt;
  }
  if (strict && !loaded.diagnostics().empty()) {
    std::cerr << in.name << ": --strict: warnings are fatal, nothing written\n";
    ++n.invalid;
    return std::nullopt;
  }
  Diagnostics warnings = loaded.diagnostics();
  return LoadedCase{loaded.take(), std::move(warnings)};
}

// `pdfa`: every PDF made with these resources is PDF/A-2b (--pdfa, `pdfa = true`).
std::optional<Resources> resources_or_report(const std::string& root, const std::string& site_templates,
                                             bool pdfa = false) {
  if (!root_found(root)) return std::nullopt;
  auto res = load_resources(root, site_templates);
  if (!res.is_ok()) {
    print_diagnostics("p2pdoc", res.diagnostics());
    return std::nullopt;
  }
  if (pdfa) {
    if (auto d = use_archival_pdf(res.value()); !d.empty()) {
      print_diagnostics("p2pdoc", d);
      return std::nullopt;
    }
  }
  return res.take();
}

// A command's resources, kept until the process ends. Freeing them (eight
// font files unmapped, a few thousand JSON nodes of the library) took
// 1.4 ms of a 13.7 ms one-shot brief (docs/performance.md, session 23); the
// kernel takes the whole address space back at exit anyway. Reachable from
// a static, so a leak checker does not count them.
const Resources& kept_until_exit(Resources res) {
  static std::deque<Resources>& kept = *new std::deque<Resources>;
  return kept.emplace_back(std::move(res));
}

// Loads the resources, then hands each valid case to `each`, which returns
// false on an internal error (already reported). Invalid inputs are reported
// and counted by load_input. Returns the exit code for the counts.
template <typename Each>
int for_each_case(const std::vector<std::string>& files, const std::string& root, const Env& env, Counts& n,
                  Each each, bool strict = false, bool pdfa = false) {
  auto loaded_res = resources_or_report(root, cli::site_templates_for(root), pdfa);
  if (!loaded_res) return kInternal;
  if (files.size() > 1) keep_templates_in_memory(*loaded_res);  // a batch: each template read once (one case: no gain)
  const Resources& res = kept_until_exit(std::move(*loaded_res));
  for (const std::string& f : files) {
    auto loaded = load_input(f, res, env, n, strict);
    if (!loaded) continue;
    if (each(f, *loaded, res)) ++n.ok;
    else ++n.internal;
  }
  return n.exit_code();
}

// Exit 3 when nothing is invalid but some files are drafts (docs/case-format.md, "Drafts").
int run_validate(const std::vector<std::string>& all, const std::string& root, bool strict) {
  Counts n;
  int drafts = 0;
  std::vector<std::string> files;
  for (const std::string& f : all)
    if (!cli::validate_if_draft(f, drafts, n.invalid)) files.push_back(f);
  int code = for_each_case(files, root, Env::from_process(), n, [](const std::string& f, const LoadedCase& l,
                                                                    const Resources&) {
    std::cout << "valid    " << l.c.id << "  (" << f << ")\n";
    return true;
  }, strict);
  std::cout << "validated " << all.size() << " case(s): " << n.ok << " valid, " << n.invalid << " invalid";
  if (drafts) std::cout << ", " << drafts << " draft(s) to complete";
  std::cout << "\n";
  return code == kOk && drafts ? 3 : code;
}

// --pubmed, --pubmed-base, --pubmed-cache (any of them turns the look-ups on).
struct PubMedArgs {
  bool on = false;
  std::string base, cache;
};

// The front never looks up: it hands --pubmed runs to p2pdoc-full.
std::unique_ptr<CitationLookup> pubmed_lookup(const PubMedArgs& a, const std::string& out) {
  if (!a.on && a.base.empty() && a.cache.empty()) return nullptr;
#ifdef P2PDOC_LEAN
  (void)out;
  return nullptr;
#else
  pubmed::PubMedConfig pc;
  if (!a.base.empty()) pc.base_url = a.base;
  pc.cache_dir = a.cache.empty() ? out + "/.pubmed-cache" : a.cache;
  return std::make_unique<pubmed::PubMedLookup>(pc);
#endif
}

// "ok       <case_id>  <path>  (1 page, 24276 bytes)": one line per file written.
std::string written_line(const std::string& case_id, const std::string& path, const GeneratedDocument& d) {
  std::string size = d.pages == 0 ? "text" : std::to_string(d.pages) + (d.pages == 1 ? " page" : " pages");
  return "ok       " + case_id + "  " + path + "  (" + size + ", " + std::to_string(d.pdf.size()) + " bytes)\n";
}

int run_generate(const std::vector<std::string>& files, const std::string& out, const std::string& root,
                 const PubMedArgs& pm, bool strict, bool pdfa, const cli::LedgerChoice& ledger) {
  Env env = Env::from_process();
  auto lookup = pubmed_lookup(pm, out);
  env.citations = lookup.get();
  Counts n;
  std::unique_ptr<cli::PacketRecorder> recorder;  // opened with the resources, before the first packet
  int code = for_each_case(files, root, env, n, [&](const std::string& f, const LoadedCase& l, const Resources& res) {
    if (!recorder) recorder = std::make_unique<cli::PacketRecorder>(ledger, out, res);
    std::optional<TriageHistory> history = recorder->history_for(l.c);  // before the packet: the triage shows it
    auto packet = generate_packet(l.c, res, env, history ? &*history : nullptr);
    if (!packet.is_ok()) {
      print_diagnostics(f, packet.diagnostics());
      return false;
    }
    packet.value().warnings = l.warnings;
    auto written = write_packet(packet.value(), out, env);
    if (!written.is_ok()) {
      print_diagnostics(f, written.diagnostics());
      return false;
    }
    for (const GeneratedDocument& d : packet.value().documents)
      std::cout << written_line(l.c.id, written.value().dir + "/" + d.file_name, d);
    recorder->record(l.c, written.value().manifest, env);  // packet first, event after
    return true;
  }, strict, pdfa);
  if (recorder && recorder->failed()) code = kInternal;
  std::cout << "generated " << n.ok << " ok, " << (n.invalid + n.internal) << " failed (" << n.invalid
            << " invalid input, " << n.internal << " internal error)\n";
  return code;
}

// Opens an existing ledger to read the practice's record for the triage
// (explain, render): never creates one. Null with `code` set when it fails;
// null with code kOk when no location was given.
std::unique_ptr<Ledger> ledger_to_read(const std::string& location, const char* command, int& code) {
  code = kOk;
  if (location.empty()) return nullptr;
  if (!is_postgres_location(location) && !file_exists(location)) {
    std::cerr << "p2pdoc " << command << ": no ledger at " << location << "\n";
    code = kInvalid;
    return nullptr;
  }
  auto opened = open_ledger(location);
  if (!opened.is_ok()) {
    print_diagnostics(std::string("p2pdoc ") + command, opened.diagnostics());
    code = kInternal;
    return nullptr;
  }
  return opened.take();
}

// `p2pdoc render KIND CASE...`: one document of each case's packet, nothing
// else written and nothing recorded. One case: -o names the file ("-":
// standard output); several: -o names a folder (default: the working one).
// Files are <case_id>-<file> unless named. With --ledger the brief's triage
// line reads the practice's record from it.
struct RenderArgs {
  std::string kind, out, root, ledger;
  std::vector<std::string> files;
  bool strict = false, pdfa = false;
};

int run_render(const RenderArgs& a) {
  bool many = a.files.size() > 1;
  if (many && a.out == "-") {
    std::cerr << "p2pdoc render: -o - prints one document; with " << a.files.size() << " cases, -o names a folder\n";
    return kInvalid;
  }
  int code = kOk;
  std::unique_ptr<Ledger> ledger = ledger_to_read(a.ledger, "render", code);
  if (code != kOk) return code;
  Env env = Env::from_process();
  Counts n;
  bool unknown_kind = false;
  code = for_each_case(a.files, a.root, env, n, [&](const std::string& f, const LoadedCase& l, const Resources& res) {
    unknown_kind = std::none_of(res.documents.begin(), res.documents.end(),
                                [&](const DocumentKind& k) { return k.kind == a.kind; });
    std::optional<TriageHistory> history;
    if (ledger) {
      auto h = triage_history(*ledger, l.c, res, a.ledger);
      if (!h.is_ok()) {
        print_diagnostics(f, h.diagnostics());
        return false;
      }
      history = h.take();
    }
    auto doc = generate_document(l.c, a.kind, res, env, history ? &*history : nullptr);
    if (!doc.is_ok()) {
      print_diagnostics(f, doc.diagnostics());
      return false;
    }
    const GeneratedDocument& d = doc.value();
    if (a.out == "-") {
      std::cout.write(d.pdf.data(), static_cast<std::streamsize>(d.pdf.size()));
      std::cout.flush();
      return static_cast<bool>(std::cout);
    }
    std::string own_name = l.c.id + "-" + d.file_name;
    std::string target = many ? (a.out.empty() ? own_name : a.out + "/" + own_name) : (a.out.empty() ? own_name : a.out);
    // a print copy: whole or absent, never flushed (nothing records it, and
    // the same command makes it again); `generate` is what files a packet
    auto written = write_file_atomic(target, d.pdf, Durability::remade_at_will);
    if (!written.is_ok()) {
      print_diagnostics(target, written.diagnostics());
      return false;
    }
    std::cerr << written_line(l.c.id, target, d);
    return true;
  }, a.strict, a.pdfa);
  if (unknown_kind) return kInvalid;  // a kind the packet lacks is the caller's mistake, not ours
  return code;
}

// With --ledger, the triage reads the practice's record from that ledger
// (which must exist: explain never creates one); without, it says it used
// the benchmark.
int run_explain(const std::vector<std::string>& files, const std::string& root, const std::string& ledger_location) {
  int code = kOk;
  std::unique_ptr<Ledger> ledger = ledger_to_read(ledger_location, "explain", code);
  if (code != kOk) return code;
  Counts n;
  return for_each_case(files, root, Env::from_process(), n, [&](const std::string& f, const LoadedCase& l,
                                                                const Resources& res) {
    std::optional<TriageHistory> history;
    if (ledger) {
      auto h = triage_history(*ledger, l.c, res, ledger_location);
      if (!h.is_ok()) {
        print_diagnostics(f, h.diagnostics());
        return false;
      }
      history = h.take();
    }
    std::cout << explain_case(l.c, res, history ? &*history : nullptr) << "\n";
    return true;
  });
}

// The data a template sees, for case managers writing templates.
int run_view(const std::vector<std::string>& files, const std::string& root) {
  Counts n;
  return for_each_case(files, root, Env::from_process(), n, [](const std::string& f, const LoadedCase& l,
                                                               const Resources& res) {
    auto view = case_view(l.c, res);
    if (!view.is_ok()) {
      print_diagnostics(f, view.diagnostics());
      return false;
    }
    std::cout << view.value().dump(2) << "\n";
    return true;
  });
}

// Every template against every case given (default: ROOT/samples/*.json).
// Exit 1 when a template leaves an artefact or does not expand, 2 when a
// case is invalid, 0 when all is clean.
int run_check_templates(std::vector<std::string> files, const std::string& root) {
  if (files.empty()) {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(root + "/samples", ec))
      if (e.path().extension() == ".json") files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
  }
  auto res = resources_or_report(root, cli::site_templates_for(root));
  if (!res) return kInternal;
  Env env = Env::from_process();
  Counts n;
  std::vector<NamedCase> cases;
  for (const std::string& f : files)
    if (auto loaded = load_input(f, *res, env, n, false)) cases.push_back({f, std::move(loaded->c)});
  if (cases.empty()) {
    std::cerr << "p2pdoc check-templates: no valid case to check the templates with\n";
    return n.invalid ? kInvalid : kInternal;
  }
  TemplateCheckReport report = check_templates(*res, cases);
  for (const TemplateFinding& f : report.findings)
    std::cout << f.template_path << ": with " << f.case_name << ": " << f.what << ": " << f.context << "\n";
  std::cout << "checked " << report.templates << " template(s) against " << cases.size() << " case(s) ("
            << report.expansions << " expansions): " << report.findings.size() << " problem(s)";
  if (n.invalid) std::cout << ", " << n.invalid << " case(s) invalid";
  std::cout << "\n";
  if (!report.findings.empty()) return kInternal;
  return n.invalid ? kInvalid : kOk;
}

#ifndef P2PDOC_LEAN
// The watcher (watch/watch.h): settings from --config, then the flags given.
struct WatchArgs {
  std::string inbox, out, config, log, root;
  int workers = 0;
  double timeout = 0;
  int quiet_ms = 0;
  bool once = false;
  bool strict = false;
  bool pdfa = false;
  std::string ledger;
  bool no_ledger = false;
  delivery::DeliverySettings delivery;
};

int run_watch(const WatchArgs& a, const CLI::App& cmd) {
  watch::WatchConfig cfg;
  cfg.root = default_root();
  if (!a.config.empty()) {
    auto loaded = watch::load_watch_config(a.config, cfg);
    if (!loaded.is_ok()) {
      for (const Diagnostic& d : loaded.diagnostics()) std::cerr << "p2pdoc watch: " << d.message << "\n";
      return kInvalid;
    }
    cfg = loaded.take();
  }
  auto given = [&](const char* flag) { return cmd.get_option(flag)->count() > 0; };
  if (given("inbox")) cfg.inbox = a.inbox;
  if (given("--out")) cfg.out = a.out;
  if (given("--root")) cfg.root = a.root;
  if (!cfg.site_templates) cfg.site_templates = cli::site_templates_for(cfg.root);
  if (given("--log")) cfg.log = a.log;
  if (given("--workers")) cfg.workers = a.workers;
  if (given("--timeout")) cfg.timeout_s = a.timeout;
  if (given("--quiet-period")) cfg.quiet_period_ms = a.quiet_ms;
  if (a.once) cfg.once = true;
  if (a.strict) cfg.strict = true;
  if (a.pdfa) cfg.pdfa = true;
  if (given("--ledger")) cfg.ledger = a.ledger;
  if (a.no_ledger) cfg.no_ledger = true;
  if (given("--deliver-fhir")) cfg.delivery.deliver_fhir = a.delivery.deliver_fhir;
  if (given("--deliver-webhook")) cfg.delivery.deliver_webhook = a.delivery.deliver_webhook;
  if (given("--deliver-mllp")) cfg.delivery.deliver_mllp = a.delivery.deliver_mllp;
  if (given("--deliver-token-file")) cfg.delivery.deliver_token_file = a.delivery.deliver_token_file;
  if (given("--outbox")) cfg.delivery.outbox = a.delivery.outbox;
  if (given("--retry-initial-ms")) cfg.delivery.retry_initial_ms = a.delivery.retry_initial_ms;
  if (given("--retry-max-ms")) cfg.delivery.retry_max_ms = a.delivery.retry_max_ms;
  if (given("--fhir-mrn-system")) cfg.delivery.fhir.mrn_system = a.delivery.fhir.mrn_system;
  if (given("--fhir-member-system")) cfg.delivery.fhir.member_system = a.delivery.fhir.member_system;
  Diagnostics problems = watch::check_watch_config(cfg);
  if (!problems.empty()) {
    for (const Diagnostic& d : problems) std::cerr << "p2pdoc watch: " << d.message << "\n";
    return kInvalid;
  }
  auto res = resources_or_report(cfg.root, *cfg.site_templates, cfg.pdfa);
  if (!res) return kInternal;
  return watch::watch_inbox(cfg, std::move(*res));
}

// The service (serve/serve.h): settings from --config, then the flags given.
struct ServeArgs {
  serve::ServeConfig flags;
  std::string config;
  PubMedArgs pubmed;
  bool no_ledger = false;
};

int run_serve(const ServeArgs& a, const CLI::App& cmd) {
  serve::ServeConfig cfg;
  cfg.root = default_root();
  if (!a.config.empty()) {
    auto loaded = serve::load_serve_config(a.config, cfg);
    if (!loaded.is_ok()) {
      print_diagnostics("p2pdoc serve", loaded.diagnostics());
      return kInvalid;
    }
    cfg = loaded.take();
  }
  auto given = [&](const char* flag) { return cmd.get_option(flag)->count() > 0; };
  const serve::ServeConfig& f = a.flags;
  if (given("--listen")) cfg.listen = f.listen;
  if (given("--out")) cfg.out = f.out;
  if (given("--root")) cfg.root = f.root;
  if (!cfg.site_templates) cfg.site_templates = cli::site_templates_for(cfg.root);
  if (given("--token-file")) cfg.token_file = f.token_file;
  if (given("--log")) cfg.log = f.log;
  if (given("--ledger")) cfg.ledger = f.ledger;
  if (a.no_ledger) cfg.no_ledger = true;
  if (given("--max-body")) cfg.max_body = f.max_body;
  if (given("--threads")) cfg.threads = f.threads;
  if (given("--workers")) cfg.workers = f.workers;
  if (given("--max-connections")) cfg.max_connections = f.max_connections;
  if (given("--worker-timeout")) cfg.worker_timeout_s = f.worker_timeout_s;
  if (given("--worker-memory")) cfg.worker_memory_mb = f.worker_memory_mb;
  if (given("--header-timeout")) cfg.header_timeout_s = f.header_timeout_s;
  if (given("--max-queue")) cfg.max_queue = f.max_queue;
  if (given("--timeout")) cfg.timeout_s = f.timeout_s;
  if (f.strict) cfg.strict = true;
  if (f.pdfa) cfg.pdfa = true;
  if (given("--tls-cert")) cfg.tls_cert = f.tls_cert;
  if (given("--tls-key")) cfg.tls_key = f.tls_key;
  if (given("--deliver-fhir")) cfg.deliver_fhir = f.deliver_fhir;
  if (given("--deliver-webhook")) cfg.deliver_webhook = f.deliver_webhook;
  if (given("--deliver-mllp")) cfg.deliver_mllp = f.deliver_mllp;
  if (given("--deliver-token-file")) cfg.deliver_token_file = f.deliver_token_file;
  if (given("--outbox")) cfg.outbox = f.outbox;
  if (given("--retry-initial-ms")) cfg.retry_initial_ms = f.retry_initial_ms;
  if (given("--retry-max-ms")) cfg.retry_max_ms = f.retry_max_ms;
  if (given("--fhir-mrn-system")) cfg.fhir.mrn_system = f.fhir.mrn_system;
  if (given("--fhir-member-system")) cfg.fhir.member_system = f.fhir.member_system;
  if (a.pubmed.on) cfg.pubmed = true;
  if (given("--pubmed-base")) cfg.pubmed = true, cfg.pubmed_config.base_url = a.pubmed.base;
  if (given("--pubmed-cache")) cfg.pubmed = true, cfg.pubmed_config.cache_dir = a.pubmed.cache;
  Diagnostics problems = serve::check_serve_config(cfg);
  if (!problems.empty()) {
    print_diagnostics("p2pdoc serve", problems);
    return kInvalid;
  }
  auto res = resources_or_report(cfg.root, *cfg.site_templates, cfg.pdfa);
  if (!res) return kInternal;
  return serve::run_serve(cfg, std::move(*res));
}

// `p2pdoc serve-worker`: not for people. The service starts it as a
// generation worker (serve/workers.h) talking over fd 3.
int run_serve_worker(const std::string& root, const std::string& site_templates, long long memory_mb, bool pdfa) {
  auto res = resources_or_report(root, site_templates, pdfa);
  if (!res) return kInternal;
  keep_templates_in_memory(*res);  // a worker makes packet after packet, and never forks
  return serve::run_generation_worker(*res, static_cast<size_t>(memory_mb) << 20);
}

#endif  // P2PDOC_LEAN

}  // namespace

int main(int argc, char** argv) {
#ifdef P2PDOC_LEAN
  if (cli::needs_full_binary(argc, argv)) return cli::run_full_binary(argv);
  cli::use_huge_pages_for_heap();  // a one-shot from here on (cli/huge_heap.h)
#endif
  CLI::App app{"p2pdoc: peer-to-peer call packets for prior-authorization denials"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("p2pdoc ") + P2P_VERSION);

  std::vector<std::string> files;
  std::string out = "out";
  std::string root = default_root();

  CLI::App* gen = app.add_subcommand("generate", "Validate cases and write their documents to DIR/<case_id>/");
  gen->add_option("cases", files, "Case JSON files (format p2p-case/1); - reads one case from stdin")->required();
  gen->add_option("-o,--out", out, "Output folder (default: out)");
  gen->add_option("--root", root, "Folder holding templates/ and fonts/ (default: $P2PDOC_ROOT, else ../share/p2pdoc beside the binary, else the source tree)");
  bool strict = false;
  gen->add_flag("--strict", strict, "Treat warnings (an unknown citation key, unknown case keys ...) as errors: exit 2, write nothing");
  bool pdfa = false;
  gen->add_flag("--pdfa", pdfa, "Write archival PDF/A-2b (needs Debian's icc-profiles-free; docs/archival.md)");
  PubMedArgs gen_pubmed;
  gen->add_flag("--pubmed", gen_pubmed.on, "Complete citations that carry a PMID from PubMed (docs/service.md)");
  gen->add_option("--pubmed-base", gen_pubmed.base, "E-utilities base URL (implies --pubmed)");
  gen->add_option("--pubmed-cache", gen_pubmed.cache, "PubMed cache folder (default: OUT/.pubmed-cache; implies --pubmed)");

  cli::LedgerChoice ledger;
  gen->add_option("--ledger", ledger.location, "Record into this ledger: a file, or a postgresql:// URI (default: OUT/p2pdoc.db)");
  gen->add_flag("--no-ledger", ledger.off, "Record nothing (a one-off run)");

  cli::EventArgs ev;
  CLI::App* evt = app.add_subcommand("event", "Record a step taken by phone or fax in the case ledger (docs/ledger.md)");
  evt->add_option("case_id", ev.case_id, "The case")->required();
  evt->add_option("step", ev.step,
                  "requested | scheduled | appeal-filed | appeal-decided | external-review-filed | external-review-decided | closed")
      ->required();
  evt->add_option("--at", ev.at, "When it happened (2026-11-18 or 2026-11-18T14:00:00-08:00; default: now)");
  evt->add_option("--note", ev.note, "A short note (no patient details)");
  evt->add_option("--decision", ev.decision, "overturned | upheld | modified (appeal-decided, external-review-decided)");
  evt->add_option("--call-time", ev.call_time, "The call's date and time (scheduled)");
  evt->add_option("--by", ev.by, "Who records it (default: cli)");
  evt->add_option("--ledger", ledger.location, "The ledger: a file or a postgresql:// URI (default: OUT/p2pdoc.db)");
  evt->add_option("-o,--out", out, "The output folder of generate, holding p2pdoc.db (default: out)");
  evt->add_option("--root", root, "Folder holding templates/ (the deadline rules)");

  cli::DueArgs du;
  CLI::App* due = app.add_subcommand("due", "The work queue: open cases by their next deadline (docs/ledger.md)");
  due->add_option("--within", du.within, "Only deadlines ending within this time (3d, 36h, 2w); missed ones included");
  due->add_option("--format", du.format, "table | json | csv (default: table)");
  due->add_flag("--weekly", du.weekly, "The weekly review: calls this week, windows missed, appeals due");
  due->add_option("--ledger", ledger.location, "The ledger: a file or a postgresql:// URI (default: OUT/p2pdoc.db)");
  due->add_option("-o,--out", out, "The output folder of generate, holding p2pdoc.db (default: out)");

  cli::ReportArgs rep;
  rep.root = root;
  CLI::App* rpt = app.add_subcommand("report", "The overturn report over a period of the ledger: PDF, CSV or JSON (docs/report.md)");
  rpt->add_option("--from", rep.from, "First denial date of the period (YYYY-MM-DD)")->required();
  rpt->add_option("--to", rep.to, "Last denial date of the period (YYYY-MM-DD), inclusive")->required();
  rpt->add_option("--ledger", rep.ledger, "The ledger: a file or a postgresql:// URI (default: out/p2pdoc.db)");
  rpt->add_option("--format", rep.format, "pdf | csv | json (default: from --out's extension, else pdf)");
  rpt->add_option("--out", rep.out, "Write to FILE (default: standard output for csv and json)");
  rpt->add_option("--min-group", rep.min_group, "Fewest decided P2P calls for a group to show a rate (default 10)");
  rpt->add_option("--practice", rep.practice, "The practice's name, printed under the PDF report's title");
  rpt->add_option("--root", rep.root, "Folder holding templates/ (labels and benchmarks)");
  rpt->add_flag("--pdfa", rep.pdfa, "Write the PDF as archival PDF/A-2b (docs/archival.md)");

  cli::DemoLedgerArgs demo;
  CLI::App* dml = app.add_subcommand("demo-ledger", "Fill a new ledger with synthetic history, to try `report` on (docs/report.md)");
  dml->add_option("--ledger", demo.ledger, "The new ledger: a file (its folder is created) or a postgresql:// URI")->required();
  dml->add_option("--cases", demo.cases, "How many cases (default 1500)");
  dml->add_option("--seed", demo.seed, "The generator's seed: the same seed gives the same history (default 1)");
  dml->add_option("--until", demo.until, "Last day of the history, YYYY-MM-DD (default: today, or SOURCE_DATE_EPOCH's day)");

  cli::RecordArgs rec;
  rec.root = root;
  CLI::App* rcd = app.add_subcommand("record", "Record filled post-call forms in the ledger, regenerate the follow-up documents and file each form as filled, flattened (docs/ledger.md)");
  rcd->add_option("forms", rec.forms, "Filled post-call.pdf files")->required();
  rcd->add_option("-o,--out", rec.out, "The output folder of generate: packets in OUT/<case_id>/, the ledger OUT/p2pdoc.db (default: out)");
  rcd->add_option("--ledger", rec.ledger, "Record into this ledger: a file, or a postgresql:// URI (default: OUT/p2pdoc.db)");
  rcd->add_flag("--no-ledger", rec.no_ledger, "Record nothing in a ledger; only regenerate the documents");
  rcd->add_option("--case", rec.case_file, "The case to regenerate from (default: OUT/<case_id>/case.json, kept with the packet)");
  rcd->add_option("--case-id", rec.case_id, "The case, when the form's title does not name it");
  rcd->add_flag("--no-regenerate", rec.no_regenerate, "Record the call only; leave the packet as it is");
  rcd->add_option("--root", rec.root, "Folder holding templates/ and fonts/");
  rcd->add_flag("--pdfa", rec.pdfa, "Regenerate the documents and file the flattened form as archival PDF/A-2b (docs/archival.md)");

  CLI::App* val = app.add_subcommand("validate", "Check cases against format p2p-case/1; write nothing");
  val->add_option("cases", files, "Case JSON files; - reads one case from stdin")->required();
  val->add_option("--root", root, "Folder holding templates/ and fonts/");
  val->add_flag("--strict", strict, "Treat warnings as errors (exit 2)");

  CLI::App* exp = app.add_subcommand("explain", "Show which templates and library entries a case would use");
  exp->add_option("cases", files, "Case JSON files; - reads one case from stdin")->required();
  exp->add_option("--root", root, "Folder holding templates/ and fonts/");
  std::string explain_ledger;
  exp->add_option("--ledger", explain_ledger, "Read the practice's P2P record for the triage from this ledger (a file or a postgresql:// URI)");

  RenderArgs rn;
  CLI::App* rnd = app.add_subcommand("render", "Write one document of the packet (e.g. the brief) to a file; nothing else is written or recorded. "
                                        "The file is a copy to print: written whole under a temporary name and renamed, "
                                        "but not flushed to disk (generate files the packet durably)");
  rnd->add_option("kind", rn.kind, "The document, as templates/packet.json names it: brief, p2p-script, lomn, appeal-cover, post-call, notice")->required();
  rnd->add_option("cases", rn.files, "Case JSON files; - reads one case from stdin")->required();
  rnd->add_option("-o,--out", rn.out, "One case: the file to write, - for standard output; several: the folder (default: <case_id>-<file>, e.g. RSP-1-brief.pdf, here)");
  rnd->add_option("--root", rn.root, "Folder holding templates/ and fonts/");
  rnd->add_flag("--strict", rn.strict, "Treat warnings as errors: exit 2, write nothing");
  rnd->add_flag("--pdfa", rn.pdfa, "Write archival PDF/A-2b (docs/archival.md)");
  rnd->add_option("--ledger", rn.ledger, "Read the practice's P2P record for the triage from this ledger (a file or a postgresql:// URI)");

  CLI::App* vw = app.add_subcommand("view", "Print the data templates see for a case (JSON), for template authors");
  vw->add_option("cases", files, "Case JSON files; - reads one case from stdin")->required();
  vw->add_option("--root", root, "Folder holding templates/ and fonts/");

  std::vector<std::string> check_files;
  CLI::App* chk = app.add_subcommand("check-templates",
                                     "Expand every template against every case (default: the samples); fail on artefacts");
  chk->add_option("cases", check_files, "Case JSON files to expand the templates with (default: ROOT/samples/*.json)");
  chk->add_option("--root", root, "Folder holding templates/ and fonts/");

  cli::ImportArgs imp;
  CLI::App* imt = app.add_subcommand("import", "Read a payer's decision into a draft case (docs/fhir.md)");
  imt->require_subcommand(1);
  CLI::App* pas = imt->add_subcommand("pas", "A Da Vinci PAS response: a denial becomes a draft case; exit 3 approved, 4 pended, 5 error response");
  pas->add_option("response", imp.response, "The PAS response Bundle (or ClaimResponse); - reads stdin")->required();
  pas->add_option("--request", imp.request, "The PAS request Bundle it answers (Claim, Patient, Coverage ...)");
  pas->add_option("-o,--out", imp.out, "The draft's file (default: <case_id>.draft.json)");
  pas->add_flag("--force", imp.force, "Overwrite an existing draft file");
  pas->add_option("--clinical", imp.clinical, "The EHR's FHIR Bundle for the patient (US Core, Synthea): propose prior treatments, outcomes, findings");
  pas->add_option("--root", root, "Folder holding templates/ and fonts/ (the deadlines, the sheet, the clinical code table)");
  pas->add_option("--ledger", imp.ledger, "Record the response in this ledger (a draft: denial_received): a file or a postgresql:// URI");
  pas->add_option("--sheet", imp.sheet, "Write a draft's one-page preparation sheet (PDF) here");

#ifndef P2PDOC_LEAN  // the front forwards these to p2pdoc-full (cli/full_binary.h)
  WatchArgs wa;
  CLI::App* wat = app.add_subcommand("watch", "Generate packets for case files dropped into INBOX (docs/watch.md)");
  wat->add_option("inbox", wa.inbox, "The watched folder (or inbox = ... in the config file)");
  wat->add_option("-o,--out", wa.out, "Packets go to DIR/<case_id>/");
  wat->add_option("-j,--workers", wa.workers, "Worker processes (default: one per CPU)");
  wat->add_flag("--once", wa.once, "Drain the inbox (and working/) and exit");
  wat->add_flag("--strict", wa.strict, "Treat warnings as errors: such a case goes to failed/ with its error file");
  wat->add_flag("--pdfa", wa.pdfa, "Write archival PDF/A-2b (docs/archival.md)");
  wat->add_option("--timeout", wa.timeout, "Seconds one case may take before it fails (default 120)");
  wat->add_option("--quiet-period", wa.quiet_ms, "Milliseconds a scanned file must stay unchanged (default 1000)");
  wat->add_option("--config", wa.config, "Settings file (key = value lines); flags override it");
  wat->add_option("--log", wa.log, "Append the JSON log lines to FILE instead of stderr");
  wat->add_option("--ledger", wa.ledger, "Record into this ledger: a file or a postgresql:// URI (default: OUT/p2pdoc.db)");
  wat->add_flag("--no-ledger", wa.no_ledger, "Record nothing");
  wat->add_option("--root", wa.root, "Folder holding templates/ and fonts/");
  wat->add_option("--deliver-fhir", wa.delivery.deliver_fhir, "FHIR R4 base URL: POST each PDF as a DocumentReference");
  wat->add_option("--deliver-webhook", wa.delivery.deliver_webhook, "URL: POST each PDF as JSON");
  wat->add_option("--deliver-mllp", wa.delivery.deliver_mllp,
                  "HOST:PORT: send each PDF as HL7 v2 MDM^T02 over MLLP (hl7_* settings in --config)");
  wat->add_option("--deliver-token-file", wa.delivery.deliver_token_file, "Bearer token for the EHR (also $P2PDOC_DELIVER_TOKEN)");
  wat->add_option("--outbox", wa.delivery.outbox, "Deliveries not yet accepted (default: OUT/.outbox)");
  wat->add_option("--retry-initial-ms", wa.delivery.retry_initial_ms, "First retry of a failed delivery after (default 1000)");
  wat->add_option("--retry-max-ms", wa.delivery.retry_max_ms, "Longest wait between retries (default 300000)");
  wat->add_option("--fhir-mrn-system", wa.delivery.fhir.mrn_system,
                  "Identifier system of the patient's MRN, e.g. urn:oid:... (required with --deliver-fhir)");
  wat->add_option("--fhir-member-system", wa.delivery.fhir.member_system,
                  "Identifier system of the member ID, for cases without an MRN");

  ServeArgs sa;
  CLI::App* srv = app.add_subcommand("serve", "Run the HTTP service for an EHR (docs/service.md)");
  srv->add_option("--listen", sa.flags.listen, "HOST:PORT to listen on (default 127.0.0.1:8080; port 0 = any free port)");
  srv->add_option("-o,--out", sa.flags.out, "Packets go to DIR/<case_id>/");
  srv->add_option("--token-file", sa.flags.token_file, "Bearer tokens, one per line (also $P2PDOC_TOKENS, comma-separated)");
  srv->add_option("--max-body", sa.flags.max_body, "Largest request body in bytes (default 1048576)");
  srv->add_option("--threads", sa.flags.threads, "HTTP threads started at once (default 64)");
  srv->add_option("--max-connections", sa.flags.max_connections, "Connections served at once (default 512)");
  srv->add_option("-j,--workers", sa.flags.workers, "Worker processes: packets generated at once (default: one per CPU)");
  srv->add_option("--worker-timeout", sa.flags.worker_timeout_s, "Seconds one packet may take before its worker is killed (default 20)");
  srv->add_option("--worker-memory", sa.flags.worker_memory_mb, "MiB of address space per worker; 0 = no limit (default 1024)");
  srv->add_option("--header-timeout", sa.flags.header_timeout_s, "Seconds for a request's headers to arrive (default 10)");
  srv->add_option("--max-queue", sa.flags.max_queue, "Packet requests waiting for a worker before 503 (default 512)");
  srv->add_option("--timeout", sa.flags.timeout_s, "Seconds for a request's body to arrive, and for each write (default 30)");
  srv->add_flag("--strict", sa.flags.strict, "Treat warnings as errors: such a case gets 422 (packets and validate)");
  srv->add_flag("--pdfa", sa.flags.pdfa, "Write archival PDF/A-2b (docs/archival.md)");
  srv->add_option("--config", sa.config, "Settings file (key = value lines); flags override it");
  srv->add_option("--log", sa.flags.log, "Append the JSON log lines to FILE instead of stderr");
  srv->add_option("--ledger", sa.flags.ledger, "Record into this ledger: a file or a postgresql:// URI (default: OUT/p2pdoc.db)");
  srv->add_flag("--no-ledger", sa.no_ledger, "Record nothing; GET /v1/queue answers 404");
  srv->add_option("--root", sa.flags.root, "Folder holding templates/ and fonts/");
  srv->add_option("--tls-cert", sa.flags.tls_cert, "PEM certificate: serve HTTPS (with --tls-key)");
  srv->add_option("--tls-key", sa.flags.tls_key, "PEM private key for --tls-cert");
  srv->add_option("--deliver-fhir", sa.flags.deliver_fhir, "FHIR R4 base URL: POST each PDF as a DocumentReference");
  srv->add_option("--deliver-webhook", sa.flags.deliver_webhook, "URL: POST each PDF as JSON");
  srv->add_option("--deliver-mllp", sa.flags.deliver_mllp,
                  "HOST:PORT: send each PDF as HL7 v2 MDM^T02 over MLLP (hl7_* settings in --config)");
  srv->add_option("--deliver-token-file", sa.flags.deliver_token_file, "Bearer token for the EHR (also $P2PDOC_DELIVER_TOKEN)");
  srv->add_option("--outbox", sa.flags.outbox, "Deliveries not yet accepted (default: OUT/.outbox)");
  srv->add_option("--retry-initial-ms", sa.flags.retry_initial_ms, "First retry of a failed delivery after (default 1000)");
  srv->add_option("--retry-max-ms", sa.flags.retry_max_ms, "Longest wait between retries (default 300000)");
  srv->add_option("--fhir-mrn-system", sa.flags.fhir.mrn_system,
                  "Identifier system of the patient's MRN, e.g. urn:oid:... (required with --deliver-fhir)");
  srv->add_option("--fhir-member-system", sa.flags.fhir.member_system,
                  "Identifier system of the member ID, for cases without an MRN");
  srv->add_flag("--pubmed", sa.pubmed.on, "Complete citations that carry a PMID from PubMed");
  srv->add_option("--pubmed-base", sa.pubmed.base, "E-utilities base URL (implies --pubmed)");
  srv->add_option("--pubmed-cache", sa.pubmed.cache, "PubMed cache folder (default: OUT/.pubmed-cache; implies --pubmed)");

  std::string worker_root = root;
  long long worker_memory_mb = 0;
  CLI::App* swk = app.add_subcommand("serve-worker", "The service's generation worker (started by `serve`)");
  swk->group("");  // hidden from --help
  swk->add_option("--root", worker_root);
  std::string worker_site;
  swk->add_option("--site-templates", worker_site);
  swk->add_option("--memory-mb", worker_memory_mb);
  bool worker_pdfa = false;
  swk->add_flag("--pdfa", worker_pdfa);
#endif

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kOk : kInvalid;
  }
  try {
    if (*gen) return run_generate(files, out, root, gen_pubmed, strict, pdfa, ledger);
    if ((*evt || *rcd || *rpt) && !root_found(*rcd ? rec.root : *rpt ? rep.root : root)) return kInternal;
    if (*evt) return cli::run_event(ev, ledger, out, root);
    if (*due) return cli::run_due(du, ledger, out);
#ifndef P2PDOC_LEAN  // the front hands `record` (it reads PDFs) to p2pdoc-full
    if (*rcd) return cli::run_record(rec);
#endif
    if (*imt) {
      imp.root = root;
      return cli::run_import_pas(imp);
    }
    if (*rpt) return cli::run_report(rep);
    if (*dml) return cli::run_demo_ledger(demo);
    if (*exp) return run_explain(files, root, explain_ledger);
    if (*vw) return run_view(files, root);
    if (*rnd) {
      if (rn.root.empty()) rn.root = root;
      return run_render(rn);
    }
    if (*chk) return run_check_templates(check_files, root);
#ifndef P2PDOC_LEAN
    if (*wat) return run_watch(wa, *wat);
    if (*srv) return run_serve(sa, *srv);
    if (*swk) return run_serve_worker(worker_root, worker_site, worker_memory_mb, worker_pdfa);
#endif
    return run_validate(files, root, strict);
  } catch (const std::exception& e) {
    std::cerr << "p2pdoc: internal error: " << e.what() << "\n";
    return kInternal;
  }
}
