// Serve configuration: "key = value" lines (docs/service.md lists the keys).
#include "core/settings_file.h"
#include "delivery/sender_process.h"
#include "pipeline/files.h"
#include "serve/auth.h"
#include "serve/serve.h"

namespace p2p::serve {

namespace {

bool is_web_address(const std::string& s) { return s.starts_with("http://") || s.starts_with("https://"); }

}  // namespace

Result<ServeConfig> parse_serve_config(std::string_view text, ServeConfig base, const std::string& source) {
  ServeConfig& c = base;
  // setting any PubMed key turns the look-ups on
  auto pubmed_text = [&c](std::string& field) {
    return [&c, &field](const std::string& v) {
      field = v;
      c.pubmed = true;
      return std::string();
    };
  };
  auto pubmed_positive = [&c](const char* what, auto store) {
    return [&c, what, store](const std::string& v) {
      auto d = setting_number(v);
      if (!d || *d <= 0) return std::string("is not a positive number of ") + what;
      store(*d);
      c.pubmed = true;
      return std::string();
    };
  };
  SettingsReader r;
  r.text("listen", c.listen)
      .path("out", c.out)
      .path("root", c.root)
      .custom("site_templates", [&c](const std::string& v) { return c.site_templates = v, std::string(); })
      .path("token_file", c.token_file)
      .text("log", c.log)
      .text("ledger", c.ledger)
      .flag("no_ledger", c.no_ledger)
      .bytes("max_body", c.max_body)
      .whole("threads", c.threads)
      .whole("workers", c.workers)
      .whole("max_connections", c.max_connections)
      .seconds("worker_timeout", c.worker_timeout_s)
      .whole("worker_memory", c.worker_memory_mb, "MiB")
      .seconds("header_timeout", c.header_timeout_s)
      .whole("max_queue", c.max_queue)
      .seconds("queue_timeout", c.queue_timeout_s)
      .seconds("timeout", c.timeout_s)
      .seconds("keep_alive", c.keep_alive_s)
      .flag("strict", c.strict)
      .flag("pdfa", c.pdfa)
      .path("tls_cert", c.tls_cert)
      .path("tls_key", c.tls_key)
      .text("deliver_fhir", c.deliver_fhir)
      .text("deliver_webhook", c.deliver_webhook)
      .path("deliver_token_file", c.deliver_token_file)
      .path("deliver_ca_file", c.deliver_ca_file)
      .path("outbox", c.outbox)
      .whole("retry_initial_ms", c.retry_initial_ms, "milliseconds")
      .whole("retry_max_ms", c.retry_max_ms, "milliseconds")
      .seconds("deliver_timeout", c.deliver_timeout_s)
      .text("fhir_type_code", c.fhir.type_code)
      .text("fhir_type_display", c.fhir.type_display)
      .text("fhir_type_system", c.fhir.type_system)
      .text("fhir_mrn_system", c.fhir.mrn_system)
      .text("fhir_member_system", c.fhir.member_system)
      .flag("pubmed", c.pubmed)
      .custom("pubmed_base", pubmed_text(c.pubmed_config.base_url))
      .custom("pubmed_cache", pubmed_text(c.pubmed_config.cache_dir))
      .custom("pubmed_email", pubmed_text(c.pubmed_config.email))
      .custom("pubmed_api_key", pubmed_text(c.pubmed_config.api_key))
      .custom("pubmed_timeout", pubmed_positive("seconds", [&c](double d) {
                c.pubmed_config.timeout_ms = static_cast<long>(d * 1000);
              }))
      .custom("pubmed_rate", pubmed_positive("requests per second", [&c](double d) {
                c.pubmed_config.requests_per_second = d;
              }));
  delivery::add_hl7_keys(r, c.deliver_mllp, c.hl7);
  Diagnostics errors = r.read(text, source);
  if (!errors.empty()) return Result<ServeConfig>::fail(errors);
  return Result<ServeConfig>::ok(std::move(base));
}

Result<ServeConfig> load_serve_config(const std::string& path, ServeConfig base) {
  auto text = read_file(path);
  if (!text) return Result<ServeConfig>::fail({error_at("", "cannot read the config file " + path)});
  return parse_serve_config(*text, std::move(base), path);
}

Diagnostics check_serve_config(const ServeConfig& c) {
  Diagnostics d;
  auto bad = [&](const std::string& m) { d.push_back(error_at("", m)); };
  if (c.out.empty()) bad("no output folder: give --out DIR (or out = DIR in the config file)");
  auto listen = parse_listen(c.listen);
  if (!listen.is_ok()) d.insert(d.end(), listen.diagnostics().begin(), listen.diagnostics().end());
  if (c.threads < 1 || c.threads > 1024) bad("threads must be from 1 to 1024 (got " + std::to_string(c.threads) + ")");
  if (c.workers < 0 || c.workers > 256) bad("workers must be from 0 (one per CPU) to 256");
  if (c.max_connections < c.threads || c.max_connections > 16384)
    bad("max_connections must be from threads (" + std::to_string(c.threads) + ") to 16384");
  if (!(c.worker_timeout_s > 0 && c.worker_timeout_s <= 3600)) bad("worker_timeout must be more than 0 and at most 3600 seconds");
  if (c.worker_memory_mb != 0 && (c.worker_memory_mb < 256 || c.worker_memory_mb > (1 << 20)))
    bad("worker_memory must be 0 (no limit) or from 256 to 1048576 MiB");
  if (!(c.header_timeout_s > 0 && c.header_timeout_s <= 3600)) bad("header_timeout must be more than 0 and at most 3600 seconds");
  if (c.max_queue < 0 || c.max_queue > 100000) bad("max_queue must be from 0 to 100000");
  if (!(c.queue_timeout_s > 0)) bad("queue_timeout must be more than 0 seconds");
  if (c.max_body < 1024 || c.max_body > (256LL << 20))
    bad("max_body must be from 1024 bytes to 256 MiB (got " + std::to_string(c.max_body) + ")");
  if (!(c.timeout_s > 0 && c.timeout_s <= 3600)) bad("timeout must be more than 0 and at most 3600 seconds");
  if (!(c.keep_alive_s >= 1 && c.keep_alive_s <= 300)) bad("keep_alive must be from 1 to 300 seconds");
  if (c.tls_cert.empty() != c.tls_key.empty()) bad("tls_cert and tls_key go together");
  if (std::string m = delivery::check_one_target(c.deliver_fhir, c.deliver_webhook, c.deliver_mllp); !m.empty()) bad(m);
  for (const std::string* url : {&c.deliver_fhir, &c.deliver_webhook})
    if (!url->empty() && !is_web_address(*url)) bad("\"" + *url + "\" is not an http:// or https:// address");
  if (c.retry_initial_ms < 1 || c.retry_max_ms < c.retry_initial_ms)
    bad("retry_initial_ms must be at least 1 and retry_max_ms at least retry_initial_ms");
  if (!(c.deliver_timeout_s > 0)) bad("deliver_timeout must be more than 0 seconds");
  for (const std::string& m : delivery::check_fhir_settings(!c.deliver_fhir.empty(), c.fhir)) bad(m);
  for (const std::string& m : delivery::check_hl7_settings(c.deliver_mllp, c.hl7)) bad(m);
  if (c.pubmed && !is_web_address(c.pubmed_config.base_url))
    bad("pubmed_base \"" + c.pubmed_config.base_url + "\" is not an http:// or https:// address");
  return d;
}

}  // namespace p2p::serve
