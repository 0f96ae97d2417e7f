// The lab's named lines (docs/operations.md lists them): what a lesson between two
// places meets, applied the same way in each direction (but a home line's slower upload).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "link_impairment.h"

namespace samspil::netlab {

/// none, lan, city, country, bad-wifi, udp-blocked, home-dsl; nullopt for any other name.
std::optional<LinkProfile> profileNamed(const std::string& name);

/// The names profileNamed knows, in order of worsening line.
std::vector<std::string> profileNames();

}  // namespace samspil::netlab
