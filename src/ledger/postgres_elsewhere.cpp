// The PostgreSQL backend as the front binary (cli/full_binary.h) links it:
// absent. The front hands every command line naming a postgresql:// ledger
// to p2pdoc-full before opening anything, so this is reached only if that
// rule and a new way of naming a ledger ever drift apart; it then fails
// clearly instead of the front carrying libpq and its 20 libraries.
#include "ledger/backends.h"

namespace p2p::ledger_backend {

Result<std::unique_ptr<Ledger>> open_postgres(const std::string&) {
  return Result<std::unique_ptr<Ledger>>::fail(
      {ledger_error("PostgreSQL ledger", "this p2pdoc front has no PostgreSQL backend; run the command with p2pdoc-full")});
}

}  // namespace p2p::ledger_backend
