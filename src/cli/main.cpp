// p2pdoc command line: `generate`, `validate`, `explain` and `view`. A thin shell over the
// pipeline library: read files, call the stages, print results, choose the
// exit code (0 all ok, 2 some input invalid, 1 internal error).
// Diagnostics go to stderr and name the input file and JSON path; the
// summary line carries counts only.
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "pipeline/files.h"
#include "pipeline/pipeline.h"

namespace {

using namespace p2p;

enum Exit { kOk = 0, kInternal = 1, kInvalid = 2 };

std::string default_root() {
  if (const char* r = std::getenv("P2PDOC_ROOT")) return r;
#ifdef P2P_SOURCE_ROOT
  if (std::filesystem::exists(std::string(P2P_SOURCE_ROOT) + "/templates")) return P2P_SOURCE_ROOT;
#endif
  return ".";
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
std::optional<LoadedCase> load_input(const std::string& arg, const Resources& res, const Env& env, Counts& n) {
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
  Diagnostics warnings = loaded.diagnostics();
  return LoadedCase{loaded.take(), std::move(warnings)};
}

std::optional<Resources> resources_or_report(const std::string& root) {
  auto res = load_resources(root);
  if (res.is_ok()) return res.take();
  print_diagnostics("p2pdoc", res.diagnostics());
  return std::nullopt;
}

int run_validate(const std::vector<std::string>& files, const std::string& root) {
  Env env = Env::from_process();
  auto res = resources_or_report(root);
  if (!res) return kInternal;
  Counts n;
  for (const std::string& f : files) {
    if (auto loaded = load_input(f, *res, env, n)) {
      ++n.ok;
      std::cout << "valid    " << loaded->c.id << "  (" << f << ")\n";
    }
  }
  std::cout << "validated " << files.size() << " case(s): " << n.ok << " valid, " << n.invalid << " invalid\n";
  return n.exit_code();
}

int run_generate(const std::vector<std::string>& files, const std::string& out, const std::string& root) {
  Env env = Env::from_process();
  auto res = resources_or_report(root);
  if (!res) return kInternal;
  Counts n;
  for (const std::string& f : files) {
    auto loaded = load_input(f, *res, env, n);
    if (!loaded) continue;
    const Case& c = loaded->c;
    auto packet = generate_packet(c, *res, env);
    if (!packet.is_ok()) {
      print_diagnostics(f, packet.diagnostics());
      ++n.internal;
      continue;
    }
    packet.value().warnings = loaded->warnings;
    auto dir = write_packet(packet.value(), out, env);
    if (!dir.is_ok()) {
      print_diagnostics(f, dir.diagnostics());
      ++n.internal;
      continue;
    }
    ++n.ok;
    for (const GeneratedDocument& d : packet.value().documents)
      std::cout << "ok       " << c.id << "  " << dir.value() << "/" << d.file_name << "  (" << d.pages
                << (d.pages == 1 ? " page, " : " pages, ") << d.pdf.size() << " bytes)\n";
  }
  std::cout << "generated " << n.ok << " ok, " << (n.invalid + n.internal) << " failed (" << n.invalid
            << " invalid input, " << n.internal << " internal error)\n";
  return n.exit_code();
}

int run_explain(const std::vector<std::string>& files, const std::string& root) {
  Env env = Env::from_process();
  auto res = resources_or_report(root);
  if (!res) return kInternal;
  Counts n;
  for (const std::string& f : files) {
    if (auto loaded = load_input(f, *res, env, n)) {
      ++n.ok;
      std::cout << explain_case(loaded->c, *res) << "\n";
    }
  }
  return n.exit_code();
}

// The data a template sees, for case managers writing templates.
int run_view(const std::vector<std::string>& files, const std::string& root) {
  Env env = Env::from_process();
  auto res = resources_or_report(root);
  if (!res) return kInternal;
  Counts n;
  for (const std::string& f : files) {
    auto loaded = load_input(f, *res, env, n);
    if (!loaded) continue;
    auto view = case_view(loaded->c, *res);
    if (!view.is_ok()) {
      print_diagnostics(f, view.diagnostics());
      ++n.internal;
      continue;
    }
    ++n.ok;
    std::cout << view.value().dump(2) << "\n";
  }
  return n.exit_code();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"p2pdoc: peer-to-peer call packets for prior-authorization denials"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("p2pdoc ") + P2P_VERSION);

  std::vector<std::string> files;
  std::string out = "out";
  std::string root = default_root();

  CLI::App* gen = app.add_subcommand("generate", "Validate cases and write their documents to DIR/<case_id>/");
  gen->add_option("cases", files, "Case JSON files (format p2p-case/1); - reads one case from stdin")->required();
  gen->add_option("-o,--out", out, "Output folder (default: out)");
  gen->add_option("--root", root, "Folder holding templates/ and fonts/ (default: $P2PDOC_ROOT or the source tree)");

  CLI::App* val = app.add_subcommand("validate", "Check cases against format p2p-case/1; write nothing");
  val->add_option("cases", files, "Case JSON files; - reads one case from stdin")->required();
  val->add_option("--root", root, "Folder holding templates/ and fonts/");

  CLI::App* exp = app.add_subcommand("explain", "Show which templates and library entries a case would use");
  exp->add_option("cases", files, "Case JSON files; - reads one case from stdin")->required();
  exp->add_option("--root", root, "Folder holding templates/ and fonts/");

  CLI::App* vw = app.add_subcommand("view", "Print the data templates see for a case (JSON), for template authors");
  vw->add_option("cases", files, "Case JSON files; - reads one case from stdin")->required();
  vw->add_option("--root", root, "Folder holding templates/ and fonts/");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kOk : kInvalid;
  }
  try {
    if (*gen) return run_generate(files, out, root);
    if (*exp) return run_explain(files, root);
    if (*vw) return run_view(files, root);
    return run_validate(files, root);
  } catch (const std::exception& e) {
    std::cerr << "p2pdoc: internal error: " << e.what() << "\n";
    return kInternal;
  }
}
