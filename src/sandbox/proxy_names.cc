#include "onemcp/sandbox/proxy_names.h"

#include <algorithm>

#include "onemcp/common/text.h"

namespace onemcp::sandbox {
namespace {

bool exposableChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '-';
}

std::string cleaned(std::string_view text) {
  std::string out(text);
  std::replace_if(out.begin(), out.end(), [](char c) { return !exposableChar(c); }, '_');
  return out;
}

}  // namespace

bool isExposableName(std::string_view name, std::size_t max) {
  return !name.empty() && name.size() <= max && std::all_of(name.begin(), name.end(), exposableChar);
}

std::string prefixFor(std::string_view server_name) { return cleaned(server_name); }

std::string hashedName(std::string_view prefix, std::string_view name, std::size_t max,
                       std::size_t hash_chars) {
  std::string key(prefix);
  key.push_back('\0');
  key.append(name);
  const std::string hash = sha256Hex(key).substr(0, std::min<std::size_t>(hash_chars, 64));
  if (max <= hash.size() + 1) return hash.substr(0, max);
  std::string raw(prefix);
  if (!prefix.empty()) raw.append(kPrefixSeparator);
  raw.append(name);
  return cleaned(raw).substr(0, max - hash.size() - 1) + "_" + hash;
}

std::string exposedName(std::string_view prefix, std::string_view name, std::size_t max) {
  std::string raw(prefix);
  if (!prefix.empty()) raw.append(kPrefixSeparator);
  raw.append(name);
  if (isExposableName(raw, max)) return raw;
  return hashedName(prefix, name, max, 8);
}

Result<std::string> NameTable::assign(const std::string& backend, std::string_view prefix,
                                      const std::string& original) {
  if (auto known = nameOf(backend, original)) return *known;
  std::string name = exposedName(prefix, original);
  // A clash of a prefixed name ("a__b" + "c" against "a" + "b__c") falls back to ever
  // longer hashes; 8 hex digits already make a further clash a 1-in-4-billion event.
  for (std::size_t hash_chars : {std::size_t{8}, std::size_t{16}, std::size_t{32}}) {
    auto it = by_name_.find(name);
    if (it == by_name_.end()) {
      by_name_.emplace(name, NameOwner{backend, original});
      by_owner_[{backend, original}] = name;
      return name;
    }
    if (prefix.empty()) {
      return fail(ErrorCode::kInvalidInput,
                  "'" + original + "' of server '" + backend + "' would be exposed as '" + name +
                      "', which server '" + it->second.backend + "' already exposes (as its '" +
                      it->second.original + "'); give one of the two servers a prefix");
    }
    name = hashedName(prefix, original, kMaxExposedName, hash_chars);
  }
  return fail(ErrorCode::kInternalError, "no free exposed name for '" + original + "' of server '" +
                                             backend + "'");
}

std::optional<NameOwner> NameTable::find(std::string_view exposed) const {
  auto it = by_name_.find(exposed);
  if (it == by_name_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> NameTable::nameOf(const std::string& backend,
                                             const std::string& original) const {
  auto it = by_owner_.find({backend, original});
  if (it == by_owner_.end()) return std::nullopt;
  return it->second;
}

void NameTable::removeBackend(const std::string& backend) {
  for (auto it = by_owner_.begin(); it != by_owner_.end();) {
    if (it->first.first == backend) {
      by_name_.erase(it->second);
      it = by_owner_.erase(it);
    } else {
      ++it;
    }
  }
}

void NameTable::remove(const std::string& backend, const std::string& original) {
  auto it = by_owner_.find({backend, original});
  if (it == by_owner_.end()) return;
  by_name_.erase(it->second);
  by_owner_.erase(it);
}

}  // namespace onemcp::sandbox
