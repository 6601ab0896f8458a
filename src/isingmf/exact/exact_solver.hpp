#pragma once
/// Chooses and runs an exact method for a model: enumeration, elimination, Kaufman's closed
/// form or the planar Pfaffian solver.

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "isingmf/exact/exact_result.hpp"
#include "isingmf/model/model.hpp"

namespace isingmf {

/// The method chosen for a model, or `none` with the reason.
struct ExactChoice {
    ExactMethod method = ExactMethod::none;
    std::string note;  ///< why this method (or why none)
};

/// "auto", "enumerate", "eliminate", "kaufman", "planar" or "none"; throws ParseError
/// otherwise.
ExactMethod parse_exact_method(std::string_view text);
std::string to_string(ExactMethod method);

/// `automatic` picks the cheapest method that applies: enumeration up to 20 spins, Kaufman on
/// a uniform torus, then planar or elimination by estimated cost (planar when elimination is
/// beyond its memory limit), then enumeration up to 30 spins. An explicit method that cannot
/// run on this model throws ModelError saying why.
ExactChoice choose_exact_method(const Model& model, ExactMethod requested);

/// Runs the chosen method at every beta. A model whose largest |J| or |h| lies beyond
/// 2^(+-256) is solved at weights rescaled by a power of two (the same products beta J), so
/// that C and <H> neither overflow nor underflow on the way; the methods' own functions
/// (enumerate_exact, ...) take the weights as given.
std::vector<ExactResult> solve_exact(const Model& model, ExactMethod method,
                                     std::span<const double> betas);

}  // namespace isingmf
