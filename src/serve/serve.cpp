// run_serve: settings in, a running service out. Reads the tokens, applies
// the loopback rule, opens the log, the outbox and the PubMed cache, then
// serves until a signal.
#include "serve/serve.h"

#include <pthread.h>
#include <signal.h>

#include <csignal>
#include <cstdlib>
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>

#include "delivery/http_client.h"
#include "ledger/packet_events.h"
#include "pipeline/files.h"
#include "serve/auth.h"
#include "serve/http_server.h"
#include "serve/log.h"
#include "serve/metrics.h"
#include "serve/service.h"
#include "serve/workers.h"

namespace p2p::serve {

namespace {

using json = nlohmann::json;

enum Exit { kOk = 0, kStartFailed = 1, kRefused = 2 };

void report(const Diagnostics& ds) {
  for (const Diagnostic& d : ds) std::cerr << "p2pdoc serve: " << d.message << "\n";
}

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// The delivery token: first line of the file, else $P2PDOC_DELIVER_TOKEN.
Result<std::string> delivery_token(const std::string& file) {
  if (file.empty()) return Result<std::string>::ok(env_or_empty("P2PDOC_DELIVER_TOKEN"));
  auto text = read_file(file);
  if (!text) return Result<std::string>::fail({error_at("", "cannot read the delivery token file " + file)});
  std::string token = text->substr(0, text->find('\n'));
  while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
  return Result<std::string>::ok(token);
}

}  // namespace

int run_serve(const ServeConfig& cfg, Resources res) {
  Diagnostics problems = check_serve_config(cfg);
  if (!problems.empty()) {
    report(problems);
    return kRefused;
  }
  ListenAddress addr = parse_listen(cfg.listen).value();
  auto tokens = TokenSet::load(cfg.token_file, env_or_empty("P2PDOC_TOKENS"));
  if (!tokens.is_ok()) {
    report(tokens.diagnostics());
    return kRefused;
  }
  if (tokens.value().empty() && !is_loopback(addr.host)) {
    std::cerr << "p2pdoc serve: refusing to listen on " << format_address(addr.host, addr.port)
              << " without authentication: set P2PDOC_TOKENS or --token-file, or listen on loopback "
                 "(127.0.0.1 or [::1])\n";
    return kRefused;
  }

  JsonLog log;
  if (auto opened = log.open(cfg.log); !opened.is_ok()) {
    report(opened.diagnostics());
    return kStartFailed;
  }
  std::error_code ec;
  std::filesystem::create_directories(cfg.out, ec);
  if (ec) {
    std::cerr << "p2pdoc serve: cannot create " << cfg.out << ": " << ec.message() << "\n";
    return kStartFailed;
  }

  // Signals: blocked here, before any thread starts, so every thread inherits
  // the mask and only the signal thread below receives SIGINT and SIGTERM.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);  // a client that hangs up must not kill the service

  http_global_init();

  Metrics metrics;

  std::unique_ptr<pubmed::PubMedLookup> lookup;
  if (cfg.pubmed) {
    pubmed::PubMedConfig pc = cfg.pubmed_config;
    if (pc.cache_dir.empty()) pc.cache_dir = cfg.out + "/.pubmed-cache";
    std::filesystem::create_directories(pc.cache_dir, ec);
    if (ec) {
      std::cerr << "p2pdoc serve: cannot create the PubMed cache " << pc.cache_dir << ": " << ec.message() << "\n";
      return kStartFailed;
    }
    lookup = std::make_unique<pubmed::PubMedLookup>(pc);
    pubmed::PubMedLookup* l = lookup.get();
    metrics.add_sampled("p2pdoc_pubmed_cache_hits_total", "counter", "PMID look-ups answered from the cache.",
                        [l] { return static_cast<double>(l->stats().cache_hits); });
    metrics.add_sampled("p2pdoc_pubmed_requests_total", "counter", "PMID look-ups answered by E-utilities.",
                        [l] { return static_cast<double>(l->stats().fetched); });
    metrics.add_sampled("p2pdoc_pubmed_failures_total", "counter", "PMID look-ups that failed (case generated anyway).",
                        [l] { return static_cast<double>(l->stats().failures); });
  }

  std::unique_ptr<delivery::Deliverer> deliverer;
  if (!cfg.deliver_fhir.empty() || !cfg.deliver_webhook.empty() || !cfg.deliver_mllp.empty()) {
    delivery::DeliveryConfig dc;
    dc.target = !cfg.deliver_fhir.empty()   ? delivery::Target::fhir
                : !cfg.deliver_mllp.empty() ? delivery::Target::hl7v2
                                            : delivery::Target::webhook;
    dc.url = !cfg.deliver_fhir.empty() ? cfg.deliver_fhir : !cfg.deliver_mllp.empty() ? cfg.deliver_mllp : cfg.deliver_webhook;
    dc.hl7 = cfg.hl7;
    auto token = delivery_token(cfg.deliver_token_file);
    if (!token.is_ok()) {
      report(token.diagnostics());
      return kRefused;
    }
    dc.bearer_token = token.value();
    dc.ca_file = cfg.deliver_ca_file;
    dc.outbox_dir = cfg.outbox.empty() ? cfg.out + "/.outbox" : cfg.outbox;
    dc.retry_initial_ms = cfg.retry_initial_ms;
    dc.retry_max_ms = cfg.retry_max_ms;
    dc.timeout_ms = static_cast<long>(cfg.deliver_timeout_s * 1000);
    dc.fhir = cfg.fhir;
    auto types = delivery::load_document_types(res.templates_dir + "/knowledge/document_types.json");
    if (!types.is_ok()) {
      report(types.diagnostics());
      return kStartFailed;
    }
    dc.fhir.types = types.take();
    deliverer = std::make_unique<delivery::Deliverer>(dc, [&log](const json& e) { log.write(e); });
    auto waiting = deliverer->open();
    if (!waiting.is_ok()) {
      report(waiting.diagnostics());
      return kStartFailed;
    }
    if (waiting.value()) log.write({{"event", "outbox"}, {"waiting", waiting.value()}});
    delivery::Deliverer* d = deliverer.get();
    metrics.add_sampled("p2pdoc_deliveries_pending", "gauge", "Deliveries waiting in the outbox.",
                        [d] { return static_cast<double>(d->stats().pending); });
    metrics.add_sampled("p2pdoc_deliveries_failed", "gauge", "Deliveries the EHR refused for good (outbox failed/).",
                        [d] { return static_cast<double>(d->stats().failed); });
    metrics.add_sampled("p2pdoc_deliveries_delivered_total", "counter", "Deliveries the EHR accepted (2xx).",
                        [d] { return static_cast<double>(d->stats().delivered); });
    metrics.add_sampled("p2pdoc_delivery_attempts_failed_total", "counter", "Delivery attempts without a 2xx.",
                        [d] { return static_cast<double>(d->stats().attempts_failed); });
    deliverer->start();
  }

  // the ledger: opened (and migrated) before the first request, packets an
  // earlier run wrote but did not record are recorded now (docs/ledger.md)
  std::unique_ptr<Ledger> ledger;
  if (!cfg.no_ledger) {
    std::string location = cfg.ledger.empty() ? default_ledger_location(cfg.out) : cfg.ledger;
    auto opened = open_ledger(location);
    if (!opened.is_ok()) {
      report(opened.diagnostics());
      return kStartFailed;
    }
    ledger = opened.take();
    auto recovered = recover_packets(*ledger, cfg.out, "serve");
    if (!recovered.is_ok()) {
      report(recovered.diagnostics());
      return kStartFailed;
    }
    if (recovered.value().recorded)
      log.write({{"event", "ledger_recovered"}, {"packets", recovered.value().recorded},
                 {"without_row", recovered.value().without_row}});
  }

  ServiceParts parts;
  parts.resources = &res;
  parts.ledger = ledger.get();
  if (!cfg.no_ledger) parts.ledger_location = cfg.ledger.empty() ? default_ledger_location(cfg.out) : cfg.ledger;
  parts.out_dir = cfg.out;
  parts.tokens = tokens.take();
  parts.max_body = static_cast<size_t>(cfg.max_body);
  parts.deliverer = deliverer.get();
  parts.citations = lookup.get();
  parts.metrics = &metrics;
  parts.log = &log;
  int cpus = static_cast<int>(std::thread::hardware_concurrency());
  parts.workers = cfg.workers > 0 ? cfg.workers : std::max(1, cpus);
  parts.max_queue = cfg.max_queue;
  parts.strict = cfg.strict;
  parts.queue_timeout = std::chrono::milliseconds(static_cast<long long>(cfg.queue_timeout_s * 1000));
  int workers = parts.workers;
  // the worker processes: this same program, started again (workers.h)
  WorkerLimits limits;
  limits.time = std::chrono::milliseconds(static_cast<long long>(cfg.worker_timeout_s * 1000));
  limits.memory_bytes = static_cast<size_t>(cfg.worker_memory_mb) << 20;
  WorkerPool pool("/proc/self/exe", res.root, res.site_templates_dir, workers, limits, res.output_intent != nullptr);
  if (auto started = pool.start(); !started.is_ok()) {
    report(started.diagnostics());
    return kStartFailed;
  }
  parts.pool = &pool;
  bool authenticated = !parts.tokens.empty();
  Service service(std::move(parts));

  HttpSettings hs;
  hs.host = addr.host;
  hs.port = addr.port;
  hs.threads = cfg.threads;
  hs.max_connections = cfg.max_connections;
  hs.header_timeout_s = cfg.header_timeout_s;
  hs.max_body = static_cast<size_t>(cfg.max_body);
  hs.timeout_s = cfg.timeout_s;
  hs.keep_alive_s = cfg.keep_alive_s;
  hs.tls_cert = cfg.tls_cert;
  hs.tls_key = cfg.tls_key;
  HttpServer server(hs, service);
  auto port = server.bind();
  if (!port.is_ok()) {
    report(port.diagnostics());
    return kStartFailed;
  }
  std::string where = format_address(addr.host, port.value());
  std::cout << "listening on " << where << std::endl;
  log.write({{"event", "start"},
             {"listen", where},
             {"version", P2P_VERSION},
             {"tls", !cfg.tls_cert.empty()},
             {"authentication", authenticated},
             {"threads", cfg.threads},
             {"max_connections", cfg.max_connections},
             {"workers", workers},
             {"worker_timeout_s", cfg.worker_timeout_s},
             {"worker_memory_mb", cfg.worker_memory_mb},
             {"delivery", deliverer ? delivery::target_name(deliverer->config().target) : "off"},
             {"pubmed", lookup ? "on" : "off"}});

  std::thread signals([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    server.stop();
  });
  bool ran = server.run();
  // however run() ended, wake the signal thread so it can be joined
  pthread_kill(signals.native_handle(), SIGTERM);
  signals.join();
  if (deliverer) deliverer->stop();
  log.write({{"event", "stop"}});
  return ran ? kOk : kStartFailed;
}

}  // namespace p2p::serve
