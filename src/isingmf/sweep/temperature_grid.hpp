#pragma once
/// Temperature grids from text: "start:stop:step" (stop included when it lies on the grid)
/// or a comma list "0.5,1,2.27".

#include <string>
#include <vector>

namespace isingmf {

/// Parses the grid; throws ParseError on malformed text, a non-positive step, stop before
/// start, or more than a million points. A range's points are start + k step computed in
/// decimal, each the double nearest to that decimal (0.1:0.7:0.2 holds 0.3 and 0.7 as if
/// typed), where its three numbers have at most 18 digits and 18 places; otherwise in binary.
std::vector<double> parse_grid(const std::string& text);

/// Inverse temperatures from a temperature grid: every T must be finite and > 0.
std::vector<double> betas_from_temperatures(const std::vector<double>& temperatures);

/// Checks an inverse-temperature grid: every beta finite and >= 0 (beta = 0 is T = inf).
std::vector<double> checked_betas(const std::vector<double>& betas);

}  // namespace isingmf
