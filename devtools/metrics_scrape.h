// Reads the server's /metrics into name → value (labels kept in the name).
#pragma once

#include <map>
#include <string>

namespace samspil::test {

using MetricValues = std::map<std::string, double>;

/// Scrapes http://127.0.0.1:port/metrics; empty on failure.
MetricValues scrapeMetrics(int port);

/// Sum of every series whose name starts with prefix (e.g. all dropped reasons).
double sumMetrics(const MetricValues& values, const std::string& prefix);

/// The p quantile (0..1, in seconds) of a Prometheus histogram over the interval between
/// two scrapes: the upper bound of the bucket that holds it (so, an upper estimate).
double histogramQuantile(const MetricValues& before, const MetricValues& after, const std::string& name, double p);

}  // namespace samspil::test
