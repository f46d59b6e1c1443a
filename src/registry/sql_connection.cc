#include "sql_connection.h"

namespace onemcp::registry {

std::string DialectSql::decodeBlob(const std::string& value) const {
  if (dialect != Dialect::kPostgres) return value;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return 0;
  };
  std::string out;
  out.reserve(value.size() / 2);
  for (std::size_t i = 0; i + 1 < value.size(); i += 2) {
    out.push_back(static_cast<char>((nibble(value[i]) << 4) | nibble(value[i + 1])));
  }
  return out;
}

}  // namespace onemcp::registry
