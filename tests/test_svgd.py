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
