// The p-th percentile (0–1) of a set of figures, the nearest-rank way every Samspil report
// uses: the value at index p·(n−1) of the sorted figures; 0 for none. Takes a copy.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace samspil {

template <typename T>
double percentile(std::vector<T> values, double p) {
    if (values.empty()) return 0;
    const auto index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1));
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(index), values.end());
    return static_cast<double>(values[index]);
}

}  // namespace samspil
