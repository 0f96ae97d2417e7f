#include "metrics_scrape.h"

#include "http_get.h"

#include <map>
#include <sstream>

namespace samspil::test {

MetricValues scrapeMetrics(int port) {
    MetricValues values;
    const auto response = samspil::test::httpGet(port, "/metrics");
    std::istringstream lines(response.body);
    for (std::string line; std::getline(lines, line);) {
        if (line.empty() || line[0] == '#') continue;
        const auto space = line.rfind(' ');
        if (space == std::string::npos) continue;
        values[line.substr(0, space)] = std::stod(line.substr(space + 1));
    }
    return values;
}

double sumMetrics(const MetricValues& values, const std::string& prefix) {
    double sum = 0;
    for (const auto& [name, value] : values)
        if (name.rfind(prefix, 0) == 0) sum += value;
    return sum;
}

double histogramQuantile(const MetricValues& before, const MetricValues& after, const std::string& name, double p) {
    // Buckets are cumulative: name_bucket{le="X"} counts observations <= X.
    std::map<double, double> counts;  // upper bound → observations in this interval
    const std::string prefix = name + "_bucket{le=\"";
    for (const auto& [series, value] : after) {
        if (series.rfind(prefix, 0) != 0) continue;
        const std::string bound = series.substr(prefix.size(), series.size() - prefix.size() - 2);
        const double upper = bound == "+Inf" ? 1e9 : std::stod(bound);
        const auto earlier = before.find(series);
        counts[upper] = value - (earlier == before.end() ? 0 : earlier->second);
    }
    if (counts.empty() || counts.rbegin()->second <= 0) return 0;
    const double target = p * counts.rbegin()->second;
    for (const auto& [upper, cumulative] : counts)
        if (cumulative >= target) return upper;
    return counts.rbegin()->first;
}

}  // namespace samspil::test
