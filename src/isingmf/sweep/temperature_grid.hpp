#pragma once
/// Temperature grids from text: "start:stop:step" (stop included when it lies on the grid)
/// or a comma list "0.5,1,2.27".

#include <string>
#include <vector>

namespace isingmf {

/// Parses the grid; throws ParseError on malformed text, a non-positive step, stop before
/// start, or more than a million points. Values are start + k*step (not accumulated).
std::vector<double> parse_grid(const std::string& text);

/// Inverse temperatures from a temperature grid: every T must be finite and > 0.
std::vector<double> betas_from_temperatures(const std::vector<double>& temperatures);

/// Checks an inverse-temperature grid: every beta finite and >= 0 (beta = 0 is T = inf).
std::vector<double> checked_betas(const std::vector<double>& betas);

}  // namespace isingmf
