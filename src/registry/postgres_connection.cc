#include "postgres_connection.h"

#include <pqxx/pqxx>

namespace onemcp::registry {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

std::string toHex(const std::string& bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHexDigits[c >> 4]);
    out.push_back(kHexDigits[c & 15]);
  }
  return out;
}

// The URI without its password, for messages.
std::string redact(const std::string& url) {
  const auto scheme = url.find("://");
  const auto at = url.find('@');
  if (scheme == std::string::npos || at == std::string::npos || at < scheme) return url;
  const auto colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon) + ":***" + url.substr(at);
}

Error fromException(const std::exception& e, std::string_view what) {
  std::string msg = e.what();
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  ErrorCode code = ErrorCode::kIo;
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) code = ErrorCode::kUnavailable;
  if (dynamic_cast<const pqxx::integrity_constraint_violation*>(&e) != nullptr ||
      dynamic_cast<const pqxx::data_exception*>(&e) != nullptr) {
    code = ErrorCode::kInvalidInput;
  }
  return Error(code, "PostgreSQL: " + std::string(what) + ": " + msg);
}

}  // namespace

struct PostgresConnection::State {
  std::unique_ptr<pqxx::connection> conn;
  std::unique_ptr<pqxx::dbtransaction> txn;  // the open transaction, if any

  ~State() { txn.reset(); }  // aborts an unfinished transaction before the connection closes
};

PostgresConnection::PostgresConnection(std::unique_ptr<State> state) : state_(std::move(state)) {}

PostgresConnection::~PostgresConnection() = default;

Result<std::unique_ptr<PostgresConnection>> PostgresConnection::open(const std::string& url) {
  try {
    auto state = std::make_unique<State>();
    state->conn = std::make_unique<pqxx::connection>(url);
    return std::unique_ptr<PostgresConnection>(new PostgresConnection(std::move(state)));
  } catch (const std::exception& e) {
    return fail(ErrorCode::kUnavailable,
                "cannot connect to PostgreSQL at '" + redact(url) + "': " + e.what());
  }
}

Result<SqlRows> PostgresConnection::query(std::string_view sql, const SqlParams& params) {
  std::vector<std::string> storage;
  storage.reserve(params.size());
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) {
    if (std::holds_alternative<std::nullptr_t>(p)) {
      storage.emplace_back();
    } else if (const auto* i = std::get_if<std::int64_t>(&p)) {
      storage.push_back(std::to_string(*i));
    } else if (const auto* s = std::get_if<std::string>(&p)) {
      storage.push_back(*s);
    } else {
      storage.push_back(toHex(std::get<Blob>(p).bytes));
    }
  }
  for (std::size_t i = 0; i < params.size(); ++i) {
    values.push_back(std::holds_alternative<std::nullptr_t>(params[i]) ? nullptr
                                                                       : storage[i].c_str());
  }
  try {
    std::unique_ptr<pqxx::nontransaction> auto_txn;
    pqxx::transaction_base* txn = state_->txn.get();
    if (txn == nullptr) {
      auto_txn = std::make_unique<pqxx::nontransaction>(*state_->conn);
      txn = auto_txn.get();
    }
    const pqxx::result r =
        txn->exec_params(std::string(sql), pqxx::prepare::make_dynamic_params(values));
    SqlRows rows;
    rows.reserve(r.size());
    for (const auto& row : r) {
      SqlRow out;
      out.reserve(row.size());
      for (const auto& field : row) {
        if (field.is_null()) {
          out.emplace_back(std::nullopt);
        } else {
          out.emplace_back(std::string(field.c_str(), field.size()));
        }
      }
      rows.push_back(std::move(out));
    }
    return rows;
  } catch (const std::exception& e) {
    return fail(fromException(e, "running statement"));
  }
}

Result<void> PostgresConnection::script(std::string_view sql) {
  try {
    if (state_->txn != nullptr) {
      state_->txn->exec(std::string(sql));
    } else {
      pqxx::nontransaction txn(*state_->conn);
      txn.exec(std::string(sql));
    }
    return {};
  } catch (const std::exception& e) {
    return fail(fromException(e, "running script"));
  }
}

Result<void> PostgresConnection::begin(bool /*write*/) {
  try {
    state_->txn.reset();
    state_->txn = std::make_unique<pqxx::work>(*state_->conn);
    return {};
  } catch (const std::exception& e) {
    return fail(fromException(e, "starting transaction"));
  }
}

Result<void> PostgresConnection::commit() {
  if (state_->txn == nullptr)
    return fail(ErrorCode::kInternalError, "commit without a transaction");
  try {
    state_->txn->commit();
    state_->txn.reset();
    return {};
  } catch (const std::exception& e) {
    state_->txn.reset();
    return fail(fromException(e, "committing"));
  }
}

void PostgresConnection::rollback() {
  if (state_->txn == nullptr) return;
  try {
    state_->txn->abort();
  } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): the connection is gone
  }
  state_->txn.reset();
}

}  // namespace onemcp::registry
