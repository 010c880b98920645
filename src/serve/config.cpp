// Serve configuration: "key = value" lines (docs/service.md lists the keys).
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>

#include "core/settings_file.h"
#include "pipeline/files.h"
#include "serve/auth.h"
#include "serve/serve.h"

namespace p2p::serve {

namespace {

using Setter = p2p::Setter<ServeConfig>;

Setter text(std::string ServeConfig::*field) {
  return [field](ServeConfig& c, const std::string& v) {
    c.*field = v;
    return std::string();
  };
}

Setter integer(long long ServeConfig::*field) {
  return [field](ServeConfig& c, const std::string& v) {
    auto n = setting_integer(v);
    if (!n) return std::string("is not a whole number");
    c.*field = *n;
    return std::string();
  };
}

Setter seconds(double ServeConfig::*field) {
  return [field](ServeConfig& c, const std::string& v) {
    auto d = setting_number(v);
    if (!d) return std::string("is not a number of seconds");
    c.*field = *d;
    return std::string();
  };
}

// Setting any PubMed key turns the look-ups on.
Setter pubmed_text(std::string pubmed::PubMedConfig::*field) {
  return [field](ServeConfig& c, const std::string& v) {
    c.pubmed_config.*field = v;
    c.pubmed = true;
    return std::string();
  };
}

Setter fhir_text(std::string delivery::FhirOptions::*field) {
  return [field](ServeConfig& c, const std::string& v) {
    c.fhir.*field = v;
    return std::string();
  };
}

const SetterTable<ServeConfig>& setters() {
  static const SetterTable<ServeConfig> table = {
      {"listen", text(&ServeConfig::listen)},
      {"out", text(&ServeConfig::out)},
      {"root", text(&ServeConfig::root)},
      {"token_file", text(&ServeConfig::token_file)},
      {"log", text(&ServeConfig::log)},
      {"ledger", text(&ServeConfig::ledger)},
      {"no_ledger",
       [](ServeConfig& c, const std::string& v) {
         auto b = setting_bool(v);
         if (!b) return std::string("is not true or false");
         c.no_ledger = *b;
         return std::string();
       }},
      {"max_body", integer(&ServeConfig::max_body)},
      {"threads",
       [](ServeConfig& c, const std::string& v) {
         auto n = setting_integer(v);
         if (!n) return std::string("is not a whole number");
         c.threads = static_cast<int>(*n);
         return std::string();
       }},
      {"workers",
       [](ServeConfig& c, const std::string& v) {
         auto n = setting_integer(v);
         if (!n) return std::string("is not a whole number");
         c.workers = static_cast<int>(*n);
         return std::string();
       }},
      {"max_connections",
       [](ServeConfig& c, const std::string& v) {
         auto n = setting_integer(v);
         if (!n) return std::string("is not a whole number");
         c.max_connections = static_cast<int>(*n);
         return std::string();
       }},
      {"worker_timeout", seconds(&ServeConfig::worker_timeout_s)},
      {"worker_memory", integer(&ServeConfig::worker_memory_mb)},
      {"header_timeout", seconds(&ServeConfig::header_timeout_s)},
      {"max_queue",
       [](ServeConfig& c, const std::string& v) {
         auto n = setting_integer(v);
         if (!n) return std::string("is not a whole number");
         c.max_queue = static_cast<int>(*n);
         return std::string();
       }},
      {"queue_timeout", seconds(&ServeConfig::queue_timeout_s)},
      {"timeout", seconds(&ServeConfig::timeout_s)},
      {"keep_alive", seconds(&ServeConfig::keep_alive_s)},
      {"tls_cert", text(&ServeConfig::tls_cert)},
      {"tls_key", text(&ServeConfig::tls_key)},
      {"deliver_fhir", text(&ServeConfig::deliver_fhir)},
      {"deliver_webhook", text(&ServeConfig::deliver_webhook)},
      {"deliver_token_file", text(&ServeConfig::deliver_token_file)},
      {"deliver_ca_file", text(&ServeConfig::deliver_ca_file)},
      {"outbox", text(&ServeConfig::outbox)},
      {"retry_initial_ms", integer(&ServeConfig::retry_initial_ms)},
      {"retry_max_ms", integer(&ServeConfig::retry_max_ms)},
      {"deliver_timeout", seconds(&ServeConfig::deliver_timeout_s)},
      {"fhir_type_code", fhir_text(&delivery::FhirOptions::type_code)},
      {"fhir_type_display", fhir_text(&delivery::FhirOptions::type_display)},
      {"fhir_type_system", fhir_text(&delivery::FhirOptions::type_system)},
      {"fhir_mrn_system", fhir_text(&delivery::FhirOptions::mrn_system)},
      {"fhir_member_system", fhir_text(&delivery::FhirOptions::member_system)},
      {"pubmed",
       [](ServeConfig& c, const std::string& v) {
         auto b = setting_bool(v);
         if (!b) return std::string("is not true or false");
         c.pubmed = *b;
         return std::string();
       }},
      {"pubmed_base", pubmed_text(&pubmed::PubMedConfig::base_url)},
      {"pubmed_cache", pubmed_text(&pubmed::PubMedConfig::cache_dir)},
      {"pubmed_email", pubmed_text(&pubmed::PubMedConfig::email)},
      {"pubmed_api_key", pubmed_text(&pubmed::PubMedConfig::api_key)},
      {"pubmed_timeout",
       [](ServeConfig& c, const std::string& v) {
         auto d = setting_number(v);
         if (!d || *d <= 0) return std::string("is not a positive number of seconds");
         c.pubmed_config.timeout_ms = static_cast<long>(*d * 1000);
         c.pubmed = true;
         return std::string();
       }},
      {"pubmed_rate",
       [](ServeConfig& c, const std::string& v) {
         auto d = setting_number(v);
         if (!d || *d <= 0) return std::string("is not a positive number of requests per second");
         c.pubmed_config.requests_per_second = *d;
         c.pubmed = true;
         return std::string();
       }},
  };
  return table;
}

bool is_web_address(const std::string& s) { return s.starts_with("http://") || s.starts_with("https://"); }

}  // namespace

Result<ServeConfig> parse_serve_config(std::string_view text, ServeConfig base, const std::string& source) {
  return parse_settings(text, std::move(base), source, setters());
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
  if (!c.deliver_fhir.empty() && !c.deliver_webhook.empty()) bad("deliver to FHIR or to a webhook, not both");
  for (const std::string* url : {&c.deliver_fhir, &c.deliver_webhook})
    if (!url->empty() && !is_web_address(*url)) bad("\"" + *url + "\" is not an http:// or https:// address");
  if (c.retry_initial_ms < 1 || c.retry_max_ms < c.retry_initial_ms)
    bad("retry_initial_ms must be at least 1 and retry_max_ms at least retry_initial_ms");
  if (!(c.deliver_timeout_s > 0)) bad("deliver_timeout must be more than 0 seconds");
  if (c.pubmed && !is_web_address(c.pubmed_config.base_url))
    bad("pubmed_base \"" + c.pubmed_config.base_url + "\" is not an http:// or https:// address");
  return d;
}

}  // namespace p2p::serve
