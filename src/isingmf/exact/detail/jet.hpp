#pragma once
/// Second-order forward-mode jets: a value with its first and second derivative in one
/// variable. Evaluating a formula on jets gives its derivatives exactly (to rounding),
/// without finite-difference steps.

#include <algorithm>
#include <cmath>

namespace isingmf::detail {

/// f, f', f'' of a function of one variable at one point.
struct Jet {
    double v = 0.0;
    double d = 0.0;
    double dd = 0.0;

    /// A constant.
    static Jet constant(double value) { return {value, 0.0, 0.0}; }
    /// The variable itself, x -> x at x = value.
    static Jet variable(double value) { return {value, 1.0, 0.0}; }
};

inline Jet operator+(Jet a, Jet b) { return {a.v + b.v, a.d + b.d, a.dd + b.dd}; }
inline Jet operator-(Jet a, Jet b) { return {a.v - b.v, a.d - b.d, a.dd - b.dd}; }
inline Jet operator-(Jet a) { return {-a.v, -a.d, -a.dd}; }
inline Jet operator+(Jet a, double c) { return {a.v + c, a.d, a.dd}; }
inline Jet operator+(double c, Jet a) { return a + c; }
inline Jet operator-(Jet a, double c) { return {a.v - c, a.d, a.dd}; }
inline Jet operator-(double c, Jet a) { return {c - a.v, -a.d, -a.dd}; }
inline Jet operator*(double c, Jet a) { return {c * a.v, c * a.d, c * a.dd}; }
inline Jet operator*(Jet a, double c) { return c * a; }
inline Jet operator*(Jet a, Jet b) {
    return {a.v * b.v, a.d * b.v + a.v * b.d, a.dd * b.v + 2.0 * a.d * b.d + a.v * b.dd};
}

/// g(a) from g, g', g'' at a.v (chain rule to second order).
inline Jet chain(Jet a, double g, double g1, double g2) {
    return {g, g1 * a.d, g2 * a.d * a.d + g1 * a.dd};
}

inline Jet reciprocal(Jet a) {
    const double r = 1.0 / a.v;
    return chain(a, r, -r * r, 2.0 * r * r * r);
}
inline Jet operator/(Jet a, Jet b) { return a * reciprocal(b); }

/// exp; an underflowed value is an exact zero jet (its derivatives would be 0 * large).
inline Jet exp(Jet a) {
    const double e = std::exp(a.v);
    if (e == 0.0) return {};
    return chain(a, e, e, e);
}
inline Jet expm1(Jet a) {
    const double e = std::exp(a.v);
    return chain(a, std::expm1(a.v), e, e);
}
inline Jet log(Jet a) { return chain(a, std::log(a.v), 1.0 / a.v, -1.0 / (a.v * a.v)); }
inline Jet log1p(Jet a) {
    const double r = 1.0 / (1.0 + a.v);
    return chain(a, std::log1p(a.v), r, -r * r);
}
inline Jet sqrt(Jet a) {
    const double s = std::sqrt(a.v);
    return chain(a, s, 0.5 / s, -0.25 / (s * a.v));
}
inline Jet sinh(Jet a) { return chain(a, std::sinh(a.v), std::cosh(a.v), std::sinh(a.v)); }

/// ln(e^a + e^b) without overflow.
inline Jet log_add_exp(Jet a, Jet b) {
    const Jet& hi = a.v >= b.v ? a : b;
    const Jet& lo = a.v >= b.v ? b : a;
    return hi + log1p(exp(lo - hi));
}

}  // namespace isingmf::detail
