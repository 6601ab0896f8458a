#pragma once
/// Second-order forward-mode jets: a value with its first and second derivative in one
/// variable. Evaluating a formula on jets gives its derivatives exactly (to rounding),
/// without finite-difference steps. `Jet` is the double jet; the planar solver also uses
/// `BasicJet<long double>` where the four torus Pfaffians must be combined beyond double.

#include <algorithm>
#include <cmath>
#include <type_traits>

namespace isingmf::detail {

/// f, f', f'' of a function of one variable at one point.
template <class T>
struct BasicJet {
    T v = 0;
    T d = 0;
    T dd = 0;

    /// A constant.
    static BasicJet constant(T value) { return {value, 0, 0}; }
    /// The variable itself, x -> x at x = value.
    static BasicJet variable(T value) { return {value, 1, 0}; }
};

using Jet = BasicJet<double>;

// Scalars are taken as std::type_identity_t<T> so that a double constant combines with a
// jet of any precision without a cast.
template <class T>
using Scalar = std::type_identity_t<T>;

template <class T>
BasicJet<T> operator+(BasicJet<T> a, BasicJet<T> b) {
    return {a.v + b.v, a.d + b.d, a.dd + b.dd};
}
template <class T>
BasicJet<T> operator-(BasicJet<T> a, BasicJet<T> b) {
    return {a.v - b.v, a.d - b.d, a.dd - b.dd};
}
template <class T>
BasicJet<T> operator-(BasicJet<T> a) {
    return {-a.v, -a.d, -a.dd};
}
template <class T>
BasicJet<T> operator+(BasicJet<T> a, Scalar<T> c) {
    return {a.v + c, a.d, a.dd};
}
template <class T>
BasicJet<T> operator+(Scalar<T> c, BasicJet<T> a) {
    return a + c;
}
template <class T>
BasicJet<T> operator-(BasicJet<T> a, Scalar<T> c) {
    return {a.v - c, a.d, a.dd};
}
template <class T>
BasicJet<T> operator-(Scalar<T> c, BasicJet<T> a) {
    return {c - a.v, -a.d, -a.dd};
}
template <class T>
BasicJet<T> operator*(Scalar<T> c, BasicJet<T> a) {
    return {c * a.v, c * a.d, c * a.dd};
}
template <class T>
BasicJet<T> operator*(BasicJet<T> a, Scalar<T> c) {
    return c * a;
}
template <class T>
BasicJet<T> operator*(BasicJet<T> a, BasicJet<T> b) {
    return {a.v * b.v, a.d * b.v + a.v * b.d, a.dd * b.v + 2 * a.d * b.d + a.v * b.dd};
}

/// g(a) from g, g', g'' at a.v (chain rule to second order).
template <class T>
BasicJet<T> chain(BasicJet<T> a, Scalar<T> g, Scalar<T> g1, Scalar<T> g2) {
    return {g, g1 * a.d, g2 * a.d * a.d + g1 * a.dd};
}

template <class T>
BasicJet<T> reciprocal(BasicJet<T> a) {
    const T r = 1 / a.v;
    return chain(a, r, -r * r, 2 * r * r * r);
}
template <class T>
BasicJet<T> operator/(BasicJet<T> a, BasicJet<T> b) {
    return a * reciprocal(b);
}

/// exp; an underflowed value is an exact zero jet (its derivatives would be 0 * large).
template <class T>
BasicJet<T> exp(BasicJet<T> a) {
    const T e = std::exp(a.v);
    if (e == 0) return {};
    return chain(a, e, e, e);
}
template <class T>
BasicJet<T> expm1(BasicJet<T> a) {
    const T e = std::exp(a.v);
    return chain(a, std::expm1(a.v), e, e);
}
template <class T>
BasicJet<T> log(BasicJet<T> a) {
    return chain(a, std::log(a.v), 1 / a.v, -1 / (a.v * a.v));
}
template <class T>
BasicJet<T> log1p(BasicJet<T> a) {
    const T r = 1 / (1 + a.v);
    return chain(a, std::log1p(a.v), r, -r * r);
}
template <class T>
BasicJet<T> sqrt(BasicJet<T> a) {
    const T s = std::sqrt(a.v);
    return chain(a, s, T(0.5) / s, T(-0.25) / (s * a.v));
}
template <class T>
BasicJet<T> sinh(BasicJet<T> a) {
    return chain(a, std::sinh(a.v), std::cosh(a.v), std::sinh(a.v));
}

/// ln(e^a + e^b) without overflow.
template <class T>
BasicJet<T> log_add_exp(BasicJet<T> a, BasicJet<T> b) {
    const BasicJet<T>& hi = a.v >= b.v ? a : b;
    const BasicJet<T>& lo = a.v >= b.v ? b : a;
    return hi + log1p(exp(lo - hi));
}

}  // namespace isingmf::detail
