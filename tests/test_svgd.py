"""The RBF kernel and Stein variational gradient descent (Liu & Wang 2016)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.special import logsumexp

from discrete_softq.continuous import SVGD, rbf_kernel
from discrete_softq.continuous.svgd import median_bandwidth, svgd_direction


def mixture_score(weights, means, var=1.0):
    """Score of sum_k w_k N(mu_k, var I) in d dimensions: (n, d) -> (n, d)."""
    weights, means = np.asarray(weights, float), np.asarray(means, float)

    def score(x):
        diff = x[:, None, :] - means[None]
        logp = np.log(weights) - 0.5 * np.sum(diff**2, axis=-1) / var
        resp = np.exp(logp - logsumexp(logp, axis=1, keepdims=True))
        return -np.sum(resp[..., None] * diff, axis=1) / var

    return score


def test_kernel_gradient_matches_finite_differences():
    """rbf_kernel's second output is d K_ij / d x_i (fixed bandwidth), by central differences."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(4, 3)), rng.normal(size=(5, 3))
    _, dK = rbf_kernel(x, y, bandwidth=0.7)
    eps = 1e-6
    for i in range(4):
        for k in range(3):
            xp, xm = x.copy(), x.copy()
            xp[i, k] += eps
            xm[i, k] -= eps
            num = (rbf_kernel(xp, y, bandwidth=0.7)[0][i] - rbf_kernel(xm, y, bandwidth=0.7)[0][i]) / (2 * eps)
            np.testing.assert_allclose(dK[i, :, k], num, rtol=1e-6, atol=1e-9)


def test_kernel_is_symmetric_with_unit_diagonal():
    """k(x, x) = 1 and K is symmetric when y = x (median-heuristic bandwidth)."""
    x = np.random.default_rng(1).normal(size=(6, 2))
    K, _ = rbf_kernel(x)
    np.testing.assert_allclose(np.diag(K), 1.0)
    np.testing.assert_allclose(K, K.T)


def test_median_heuristic_formula():
    """h = median of the squared pairwise distances / log(n + 1), here for 3 points on a line."""
    x = np.array([[0.0], [1.0], [3.0]])
    sq = np.array([0, 1, 9, 1, 0, 4, 9, 4, 0], float)
    assert median_bandwidth(x) == pytest.approx(np.median(sq) / np.log(4))


def test_batched_kernel_equals_per_batch_kernel():
    """Leading axes are batches: kernel of x[b] against y[b], each with its own median bandwidth."""
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(3, 4, 2)), rng.normal(size=(3, 5, 2))
    K, dK = rbf_kernel(x, y)
    for b in range(3):
        Kb, dKb = rbf_kernel(x[b], y[b])
        np.testing.assert_allclose(K[b], Kb)
        np.testing.assert_allclose(dK[b], dKb)


def test_repulsive_term_sums_to_zero():
    """For y = x the kernel-gradient part of phi is antisymmetric: with a zero score, phi averages to 0."""
    x = np.random.default_rng(3).normal(size=(10, 2))
    phi = svgd_direction(x, np.zeros_like(x))
    np.testing.assert_allclose(phi.mean(axis=0), 0.0, atol=1e-12)


def test_gaussian_moments():
    """SVGD on N((1, -2), diag(1, 4)) from N(0, I): particle means and variances match the target."""
    mean, var = np.array([1.0, -2.0]), np.array([1.0, 4.0])
    rng = np.random.default_rng(0)
    x = SVGD(lambda z: -(z - mean) / var, step_size=0.5).run(rng.normal(size=(100, 2)), 1500)
    np.testing.assert_allclose(x.mean(axis=0), mean, atol=0.1)
    np.testing.assert_allclose(x.var(axis=0), var, rtol=0.15)


def test_liu_wang_one_dimensional_mixture():
    """The SVGD paper's demo: p = 1/3 N(-2,1) + 2/3 N(2,1) from N(-10,1) gives mean 2/3, variance 41/9."""
    rng = np.random.default_rng(0)
    score = mixture_score([1 / 3, 2 / 3], [[-2.0], [2.0]])
    x = SVGD(score, step_size=1.0).run(rng.normal(-10.0, 1.0, size=(100, 1)), 1000)
    assert x.mean() == pytest.approx(2 / 3, abs=0.1)
    assert x.var() == pytest.approx(1 + 4 - 4 / 9, rel=0.05)
    assert np.mean(x > 0) == pytest.approx(2 / 3, abs=0.05)


def test_symmetric_four_mode_target_is_covered_in_balance():
    """Four equal modes at (+-3, 0), (0, +-3): each holds 25 +- 7 of 100 particles started at N(0, I)."""
    means = np.array([[3.0, 0.0], [-3.0, 0.0], [0.0, 3.0], [0.0, -3.0]])
    rng = np.random.default_rng(0)
    x = SVGD(mixture_score(np.full(4, 0.25), means), step_size=0.5).run(rng.normal(size=(100, 2)), 800)
    nearest = np.argmin(np.sum((x[:, None] - means) ** 2, axis=-1), axis=1)
    counts = np.bincount(nearest, minlength=4)
    assert np.all(np.abs(counts - 25) <= 7), counts


def test_scalar_step_keeps_the_direction():
    """One step moves every particle by exactly step_size * phi (no per-coordinate rescaling)."""
    x = np.random.default_rng(4).normal(size=(8, 2)) * [1.0, 10.0]
    svgd = SVGD(lambda z: -z, step_size=0.3)
    np.testing.assert_allclose(svgd.step(x) - x, 0.3 * svgd.direction(x))


def test_decay_halves_the_step_after_tau_steps():
    """With decay=tau the step size is step_size / (1 + t / tau)."""
    svgd = SVGD(lambda z: -z, step_size=0.4, decay=10)
    svgd.run(np.zeros((3, 1)), 10)
    assert svgd.current_step_size() == pytest.approx(0.2)


@pytest.mark.parametrize("kwargs, name", [({"step_size": 0.0}, "step_size"), ({"bandwidth": -1.0}, "bandwidth")])
def test_bad_svgd_arguments_raise(kwargs, name):
    """Non-positive step size or bandwidth raise ValueError naming the parameter."""
    with pytest.raises(ValueError, match=name):
        SVGD(lambda z: -z, **kwargs)


def test_bad_particles_raise():
    """Particles that are not (n, d), or kernels of mismatched dimension, raise ValueError."""
    with pytest.raises(ValueError, match="x0"):
        SVGD(lambda z: -z).run(np.zeros(5), 1)
    with pytest.raises(ValueError, match="dimension"):
        rbf_kernel(np.zeros((3, 2)), np.zeros((3, 1)))


@given(x=arrays(np.float64, st.tuples(st.integers(2, 6), st.integers(1, 3)),
                elements=st.floats(-5, 5, allow_nan=False, allow_subnormal=False)),
       h=st.floats(0.1, 10.0))
def test_kernel_gradient_is_antisymmetric(x, h):
    """For y = x, the gradient of k(x_i, x_j) in x_i is minus the one in x_j: dK[i, j] = -dK[j, i]."""
    _, dK = rbf_kernel(x, bandwidth=h)
    np.testing.assert_allclose(dK, -np.swapaxes(dK, 0, 1), atol=1e-12)


@given(x=arrays(np.float64, st.tuples(st.integers(2, 6), st.integers(1, 3)),
                elements=st.floats(-5, 5, allow_nan=False, allow_subnormal=False)))
def test_kernel_matrix_is_positive_semidefinite(x):
    """The RBF kernel matrix of any particle set is positive semi-definite (eigenvalues >= 0 up to rounding)."""
    K, _ = rbf_kernel(x)
    assert np.linalg.eigvalsh(K).min() > -1e-8


def test_gaussian_mixture_score_is_the_gradient_of_log_prob():
    """GaussianMixture.score equals the central-difference gradient of log_prob."""
    from discrete_softq.continuous import GaussianMixture

    p = GaussianMixture([0.2, 0.5, 0.3], [[0.0, 1.0], [2.0, -1.0], [-3.0, 0.5]], var=0.7)
    x = np.random.default_rng(5).normal(size=(6, 2)) * 2
    eps = 1e-6
    num = np.stack([(p.log_prob(x + eps * e) - p.log_prob(x - eps * e)) / (2 * eps) for e in np.eye(2)], axis=-1)
    np.testing.assert_allclose(p.score(x), num, rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------------- defaults and the AdaGrad option (issue 16)
def liu_wang_start(seeds, n=200):
    """Liu & Wang's start, 200 particles from N(-10, 1), one independent set per seed: shape (len(seeds), n, 1)."""
    return np.stack([np.random.default_rng(s).normal(-10.0, 1.0, size=(n, 1)) for s in seeds])


def test_defaults_reproduce_liu_wang_within_2000_iterations():
    """SVGD(score) with its defaults (constant step 0.5, median bandwidth) takes Liu & Wang's 200 particles from
    N(-10, 1) to 1/3 N(-2, 1) + 2/3 N(2, 1) in 2,000 iterations: mean within 0.1 of 2/3 and variance within 10%
    of 41/9, on each of 2 seeds (the old default, step 0.1, ended at mean 0.41)."""
    from discrete_softq.continuous import GaussianMixture

    p = GaussianMixture([1 / 3, 2 / 3], [[-2.0], [2.0]])
    x = SVGD(p.score).run(liu_wang_start([0, 1]), 2000)
    np.testing.assert_allclose(x.mean(axis=(1, 2)), 2 / 3, atol=0.1)
    np.testing.assert_allclose(x.var(axis=(1, 2)), 41 / 9, rtol=0.1)


def test_default_step_sizes():
    """step_size=None is 0.5 for the Euler step and 0.05 with adaptive=True; an explicit value wins."""
    assert SVGD(lambda z: -z).step_size == 0.5
    assert SVGD(lambda z: -z, adaptive=True).step_size == 0.05
    assert SVGD(lambda z: -z, step_size=0.2, adaptive=True).step_size == 0.2


def test_adaptive_step_is_adagrad_with_momentum():
    """adaptive=True is Liu & Wang's update: G_0 = phi_0^2, G_t = 0.9 G_{t-1} + 0.1 phi_t^2,
    x <- x + eps phi_t / (1e-6 + sqrt(G_t)), checked against the formula over two steps."""
    x = np.random.default_rng(6).normal(size=(7, 2)) * [1.0, 5.0]
    svgd, plain = SVGD(lambda z: -z, step_size=0.1, adaptive=True), SVGD(lambda z: -z)
    phi0 = plain.direction(x)
    x1 = svgd.step(x)
    np.testing.assert_allclose(x1, x + 0.1 * phi0 / (1e-6 + np.abs(phi0)))
    phi1 = plain.direction(x1)
    G = 0.9 * phi0**2 + 0.1 * phi1**2
    np.testing.assert_allclose(svgd.step(x1), x1 + 0.1 * phi1 / (1e-6 + np.sqrt(G)))
    np.testing.assert_allclose(svgd.historical_grad, G)


def test_adaptive_first_step_moves_every_coordinate_by_the_step_size_whatever_the_scale():
    """AdaGrad's first step is eps * phi / (1e-6 + |phi|): every coordinate moves by eps (to 1e-3) for a score
    scaled by 1, 1e-2 or 1e2, while the Euler step's length follows the scale of phi."""
    x = np.random.default_rng(7).normal(size=(6, 2))
    for scale in (1.0, 1e-2, 1e2):
        def score(z, c=scale):
            return -c * (z - 3.0)
        step = SVGD(score, step_size=0.05, adaptive=True).step(x) - x
        np.testing.assert_allclose(np.abs(step), 0.05, rtol=1e-3)
        euler = SVGD(score, step_size=0.05).step(x) - x
        np.testing.assert_allclose(euler, 0.05 * svgd_direction(x, score(x)))


def test_batched_particle_sets_are_independent_runs():
    """run() on (k, n, d) particles equals k separate runs (each set has its own median bandwidth and AdaGrad state)."""
    x0 = np.random.default_rng(8).normal(size=(3, 10, 2)) * [[[1.0]], [[2.0]], [[0.5]]]
    for kwargs in ({}, {"adaptive": True}):
        batch = SVGD(lambda z: -z, **kwargs).run(x0, 20)
        for k in range(3):
            np.testing.assert_allclose(batch[k], SVGD(lambda z: -z, **kwargs).run(x0[k], 20), rtol=1e-12, atol=1e-12)


def test_adaptive_state_refuses_a_new_particle_set():
    """The AdaGrad average belongs to one particle set: a step on particles of another shape raises, naming x."""
    svgd = SVGD(lambda z: -z, adaptive=True)
    svgd.step(np.zeros((4, 2)) + np.arange(4)[:, None])
    with pytest.raises(ValueError, match="new SVGD"):
        svgd.step(np.ones((5, 2)))


def test_adagrad_balances_four_modes_from_an_off_centre_start_faster_than_the_constant_step():
    """The measured claim of the svgd module docstring (demo svgd): on four equal modes at (+-3, 0), (0, +-3),
    100 particles from N((1, 0.5), I), after 500 iterations (2 seeds) AdaGrad (step 0.05) holds every mode within
    25 +- 8 particles, while the constant step 0.5 still over-fills the mode nearest the start (E, > 31): AdaGrad
    does not bias the modes, the constant step is slow to move particles between them."""
    from discrete_softq.continuous import GaussianMixture

    means = np.array([[3.0, 0.0], [-3.0, 0.0], [0.0, 3.0], [0.0, -3.0]])
    p = GaussianMixture(np.full(4, 0.25), means)
    x0 = np.stack([np.random.default_rng(s).normal((1.0, 0.5), 1.0, size=(100, 2)) for s in (0, 1)])

    def counts(x):
        return np.stack([np.bincount(np.argmin(((xs[:, None] - means) ** 2).sum(-1), axis=1), minlength=4) for xs in x])

    ada = counts(SVGD(p.score, adaptive=True).run(x0, 500))
    const = counts(SVGD(p.score).run(x0, 500))
    assert np.all(np.abs(ada - 25) <= 8), ada
    assert np.all(const[:, 0] > 31), const
