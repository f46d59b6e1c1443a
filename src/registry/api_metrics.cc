#include "api_metrics.h"

#include <sstream>

namespace onemcp::registry {

void ApiMetrics::record(const std::string& method, const std::string& route, int status,
                        std::chrono::nanoseconds latency) {
  const double seconds = std::chrono::duration<double>(latency).count();
  std::lock_guard lock(mu_);
  ++requests_[{method, route, status}];
  Histogram& h = latency_[route];
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++h.buckets[i];
  }
  ++h.count;
  h.sum += seconds;
}

void ApiMetrics::rateLimited() {
  std::lock_guard lock(mu_);
  ++rate_limited_;
}

std::string ApiMetrics::render(const CatalogCounts* counts) const {
  std::ostringstream out;
  out << "# HELP onemcp_registry_requests_total HTTP requests answered, by route and status.\n"
         "# TYPE onemcp_registry_requests_total counter\n";
  std::lock_guard lock(mu_);
  for (const auto& [key, n] : requests_) {
    const auto& [method, route, status] = key;
    out << "onemcp_registry_requests_total{method=\"" << method << "\",route=\"" << route
        << "\",status=\"" << status << "\"} " << n << "\n";
  }
  out << "# HELP onemcp_registry_request_duration_seconds Time to answer a request.\n"
         "# TYPE onemcp_registry_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency_) {
    const std::string label = "route=\"" + route + "\"";
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      out << "onemcp_registry_request_duration_seconds_bucket{" << label << ",le=\"" << kBuckets[i]
          << "\"} " << h.buckets[i] << "\n";
    }
    out << "onemcp_registry_request_duration_seconds_bucket{" << label << ",le=\"+Inf\"} "
        << h.count << "\n";
    out << "onemcp_registry_request_duration_seconds_sum{" << label << "} " << h.sum << "\n";
    out << "onemcp_registry_request_duration_seconds_count{" << label << "} " << h.count << "\n";
  }
  out << "# HELP onemcp_registry_rate_limited_total Requests refused by the per-client rate "
         "limit.\n"
         "# TYPE onemcp_registry_rate_limited_total counter\n"
         "onemcp_registry_rate_limited_total "
      << rate_limited_ << "\n";
  if (counts != nullptr) {
    out << "# HELP onemcp_registry_catalog_servers Servers in the search snapshot.\n"
           "# TYPE onemcp_registry_catalog_servers gauge\n"
           "onemcp_registry_catalog_servers "
        << counts->servers << "\n"
        << "# HELP onemcp_registry_catalog_tools Tools in the search snapshot.\n"
           "# TYPE onemcp_registry_catalog_tools gauge\n"
           "onemcp_registry_catalog_tools "
        << counts->tools << "\n"
        << "# HELP onemcp_registry_catalog_verified_servers Verified servers in the snapshot.\n"
           "# TYPE onemcp_registry_catalog_verified_servers gauge\n"
           "onemcp_registry_catalog_verified_servers "
        << counts->verified << "\n"
        << "# HELP onemcp_registry_catalog_version Store change version of the snapshot.\n"
           "# TYPE onemcp_registry_catalog_version gauge\n"
           "onemcp_registry_catalog_version "
        << counts->version << "\n";
  }
  return out.str();
}

}  // namespace onemcp::registry
