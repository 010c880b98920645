// The PostgreSQL ledger (libpq). The only file that includes libpq-fe.h.
#include "ledger/backends.h"

namespace p2p::ledger_backend {

Result<std::unique_ptr<Ledger>> open_postgres(const std::string&) {
  return Result<std::unique_ptr<Ledger>>::fail({ledger_error("(PostgreSQL)", "not available yet")});
}

}  // namespace p2p::ledger_backend
