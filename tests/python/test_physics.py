"""The physics oracles of the C++ suite, through the Python module: exact methods against
an independent NumPy enumeration and closed forms, the bound below the exact ln Z, the
bound equal to F(m) of its formula, symmetries and limits."""
import numpy as np
import pytest

import isingmf
from conftest import brute_force

BETAS = [0.0, 0.1, 0.35, 0.7, 1.3]


def glass(n=10, seed=7):
    rng = np.random.default_rng(seed)
    edges = np.array([(i, j) for i in range(n) for j in range(i + 1, n) if rng.random() < 0.5])
    return isingmf.Model(n, edges, rng.normal(size=len(edges)), 0.3 * rng.normal(size=n), E0=0.4)


@pytest.mark.parametrize("method", ["enumerate", "eliminate"])
def test_exact_methods_against_numpy_enumeration(method):
    model = glass()
    result = isingmf.exact(model, BETAS, method=method)
    oracle = brute_force(model, BETAS)
    assert result.method == method
    np.testing.assert_allclose(result.ln_z, oracle[:, 0], rtol=1e-12)
    np.testing.assert_allclose(result.energy_per_spin, oracle[:, 1], rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(result.magnetization, oracle[:, 2], rtol=1e-10, atol=1e-13)
    np.testing.assert_array_equal(result.beta, BETAS)


def test_kaufman_4x4_against_enumeration():
    # Kaufman's closed form (Phys. Rev. 76, 1232 (1949)) on the 4x4 torus, across T_c =
    # 2.269, against the NumPy sum over all 2^16 states (an oracle outside the library).
    model = isingmf.lattice("square", (4, 4), boundary="periodic", J=1.0)
    T = np.array([1.0, 2.269185314213022, 3.5])
    kaufman = isingmf.exact(model, T=T, method="kaufman")
    assert kaufman.method == "kaufman"
    np.testing.assert_allclose(kaufman.ln_z, brute_force(model, 1 / T)[:, 0], rtol=1e-12)
    np.testing.assert_array_equal(kaufman.T, T)
    # Kaufman gives no <|m|> or susceptibility: NaN, as documented.
    assert np.isnan(kaufman.magnetization_abs).all()


def test_periodic_chain_closed_form():
    # Transfer matrix of the periodic chain at h = 0: Z = (2 cosh bJ)^N + (2 sinh bJ)^N.
    N, J = 14, 0.7
    model = isingmf.lattice("chain", N, J=J)
    betas = np.array([0.2, 1.0, 2.5])
    expected = np.log((2 * np.cosh(betas * J)) ** N + (2 * np.sinh(betas * J)) ** N)
    for method in ("enumerate", "eliminate"):
        np.testing.assert_allclose(isingmf.exact(model, betas, method=method).ln_z, expected,
                                   rtol=1e-13)


@pytest.mark.parametrize("model", [
    isingmf.lattice("square", (4, 4), J=1.0),
    isingmf.lattice("square", (5, 5), disorder="pm", h=0.1, seed=4),
    isingmf.lattice("complete", 12, disorder="sk", random_field=0.5, seed=9),
    glass(),
], ids=["ferro4x4", "pm5x5", "sk12", "glass10"])
def test_bound_below_exact(model):
    result = isingmf.sweep(model, T="0.25:5:0.25", exact="auto")
    assert result.exact is not None
    exact = result.exact.ln_z
    bound = result.mean_field.ln_z
    # A lower bound at every temperature, up to the rounding of two O(N)-term sums.
    assert np.all(bound <= exact + 1e-12 * np.abs(exact)), np.max(bound - exact)
    np.testing.assert_array_equal(result.gap, exact - bound)
    for beta, lnz in zip(result.beta, exact):
        single = isingmf.mean_field(model, beta)
        assert single.ln_z <= lnz + 1e-12 * abs(lnz)


def binary_entropy(m):
    p, q = (1 + m) / 2, (1 - m) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.where(p > 0, p * np.log(p), 0.0) - np.where(q > 0, q * np.log(q), 0.0)


@pytest.mark.parametrize("beta", [0.2, 0.6, 1.5])
def test_bound_is_f_of_its_m(beta):
    # ln_z = F(m) = -beta E0 + beta (sum_e J_e m_i m_j + sum_i h_i m_i) + sum_i H_b(m_i),
    # energy = <H>_q, entropy = S(q), and m a fixed point of m_i = tanh(beta phi_i).
    model = glass()
    r = isingmf.mean_field(model, beta, restarts=3)
    m = r.m
    i, j = model.edges[:, 0], model.edges[:, 1]
    energy = model.E0 - model.J @ (m[i] * m[j]) - model.h @ m
    entropy = binary_entropy(m).sum()
    assert r.energy == pytest.approx(energy, rel=1e-12, abs=1e-12)
    assert r.entropy == pytest.approx(entropy, rel=1e-12)
    assert r.ln_z == pytest.approx(-beta * energy + entropy, rel=1e-12)
    phi = model.h + np.bincount(i, model.J * m[j], model.n) + np.bincount(j, model.J * m[i], model.n)
    assert r.converged
    assert np.max(np.abs(m - np.tanh(beta * phi))) <= 1e-9
    assert r.magnetization == pytest.approx(m.mean(), rel=1e-12, abs=1e-15)


def test_infinite_temperature_limit():
    # beta = 0: Z = 2^N whatever the couplings, and the bound is exact (m = 0).
    model = glass()
    assert isingmf.exact(model, 0.0).ln_z[0] == pytest.approx(model.n * np.log(2), rel=1e-15)
    r = isingmf.mean_field(model, 0.0)
    assert r.ln_z == pytest.approx(model.n * np.log(2), rel=1e-15)
    np.testing.assert_array_equal(r.m, np.zeros(model.n))


def test_field_reversal_flips_the_magnetization():
    # H(s; -h) = H(-s; h): ln Z is unchanged and <m> changes sign, exactly and in mean field.
    model = glass()
    flipped = isingmf.Model(model.n, model.edges, model.J, -model.h, model.E0)
    a, b = isingmf.exact(model, BETAS), isingmf.exact(flipped, BETAS)
    np.testing.assert_allclose(a.ln_z, b.ln_z, rtol=1e-13)
    np.testing.assert_allclose(a.magnetization, -b.magnetization, atol=1e-12)
    fa, fb = isingmf.mean_field(model, 0.7), isingmf.mean_field(flipped, 0.7)
    assert fa.ln_z == pytest.approx(fb.ln_z, rel=1e-12)
    np.testing.assert_allclose(fa.m, -fb.m, atol=1e-9)


def test_results_do_not_depend_on_the_thread_count():
    # The sweep runs temperatures in parallel; the exact side splits its work over threads.
    model = isingmf.lattice("square", (6, 6), disorder="gauss", h=0.05, seed=3)
    one = isingmf.sweep(model, T="0.5:3:0.5", exact="eliminate", threads=1)
    two = isingmf.sweep(model, T="0.5:3:0.5", exact="eliminate", threads=2)
    np.testing.assert_array_equal(one.mean_field.ln_z, two.mean_field.ln_z)
    np.testing.assert_array_equal(one.mean_field.m, two.mean_field.m)
    np.testing.assert_array_equal(one.exact.ln_z, two.exact.ln_z)
    # 130^2 = 16900 sites: above the size from which one solve's sweeps run in parallel.
    big = isingmf.lattice("square", (130, 130), disorder="pm", h=0.1, seed=3)
    a = isingmf.mean_field(big, 0.3, starts="up", threads=1)
    b = isingmf.mean_field(big, 0.3, starts="up", threads=2)
    assert a.iterations > 1
    np.testing.assert_array_equal(a.m, b.m)
