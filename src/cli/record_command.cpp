// `p2pdoc record` (see record_command.h).
#include "cli/record_command.h"

#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/data_root.h"
#include "ledger/packet_events.h"
#include "outcome/record.h"
#include "pipeline/files.h"

namespace p2p::cli {

namespace {

void print(const std::string& name, const Diagnostics& ds) {
  for (const Diagnostic& d : ds) std::cerr << name << ": " << d.to_string() << "\n";
}

}  // namespace

int run_record(const RecordArgs& a) {
  auto res = load_resources(a.root, site_templates_for(a.root));
  if (!res.is_ok()) {
    print("p2pdoc", res.diagnostics());
    return 1;
  }
  if (a.pdfa) {
    if (Diagnostics d = use_archival_pdf(res.value()); !d.empty()) {
      print("p2pdoc record", d);
      return 1;
    }
  }
  Env env = Env::from_process();
  std::unique_ptr<Ledger> ledger;
  if (!a.no_ledger) {
    std::string where = a.ledger.empty() ? default_ledger_location(a.out) : a.ledger;
    auto opened = open_ledger(where);
    if (!opened.is_ok()) {
      print("p2pdoc record: ledger", opened.diagnostics());
      return 1;
    }
    ledger = opened.take();
  }
  int recorded = 0, repeated = 0, invalid = 0, internal = 0;
  for (const std::string& f : a.forms) {
    auto bytes = read_file(f);
    if (!bytes) {
      std::cerr << f << ": cannot read the file\n";
      ++invalid;
      continue;
    }
    RecordRequest req;
    req.out_dir = a.out;
    req.case_id = a.case_id;
    req.case_file = a.case_file;
    req.regenerate = !a.no_regenerate;
    RecordResult rr = record_call_form(*bytes, req, ledger.get(), res.value(), env);
    const auto& r = rr.outcome;
    print(f, r.diagnostics());
    if (!r.is_ok()) {
      ++(rr.our_fault ? internal : invalid);
      continue;
    }
    const RecordedCall& rc = r.value();
    std::string disposition = rc.call.value("disposition", "");
    if (rc.already_recorded) {
      ++repeated;
      std::cout << "already  " << rc.case_id << "  " << disposition << "  (" << f
                << "): this call (its start and outcome) was recorded before; not counted again\n";
    } else {
      ++recorded;
      std::cout << "recorded " << rc.case_id << "  " << disposition << "  (" << f << ")"
                << (ledger ? "" : " (--no-ledger: not in a ledger)") << "\n";
    }
    if (!rc.packet_dir.empty()) {
      std::cout << "packet   " << rc.case_id << "  " << rc.packet_dir << "/  regenerated with the call";
      if (std::filesystem::is_directory(rc.packet_dir + ".prev")) std::cout << " (the version before: " << rc.packet_dir << ".prev/)";
      std::cout << "\n";
    }
    if (!rc.filed_copy.empty())
      std::cout << "filed    " << rc.case_id << "  " << rc.filed_copy << "  the form as filled, flattened\n";
  }
  std::cout << "recorded " << recorded << ", already recorded " << repeated << ", failed " << (invalid + internal)
            << "\n";
  return internal ? 1 : invalid ? 2 : 0;
}

}  // namespace p2p::cli
