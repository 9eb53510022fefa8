"""Closed-form soft values on the action box, the truncated-Gaussian proposal, and the importance-sampled estimator."""

import mpmath
import numpy as np
import pytest
from scipy import integrate, stats

from discrete_softq.continuous.importance import BoxMixtureQ, TruncatedGaussian, log_interval_mass, log_mean_weight
from discrete_softq.continuous.sql import soft_value_estimate


def test_closed_form_matches_mpmath_quadrature_in_one_dimension():
    """log Z of a 2-mode mixture (one mode half outside the box) equals mpmath's 30-digit quadrature of exp(Q/alpha)."""
    q = BoxMixtureQ([0.3, 1.7], [[-0.4], [1.0]], width=0.25)
    def f(a):
        return 0.3 * mpmath.exp(-(a + 0.4) ** 2 / (2 * 0.25**2)) + 1.7 * mpmath.exp(-(a - 1.0) ** 2 / (2 * 0.25**2))

    with mpmath.workdps(30):
        exact = float(mpmath.log(mpmath.quad(f, [-1, -0.4, 1])))
    assert q.log_partition() == pytest.approx(exact, rel=1e-13, abs=1e-13)


def test_closed_form_matches_scipy_dblquad_in_two_dimensions():
    """log Z in d = 2 (modes inside and outside the box) equals scipy.integrate.dblquad of exp(Q/alpha) over [-1, 1]^2."""
    q = BoxMixtureQ([1.0, 0.5, 2.0], [[0.5, 0.25], [-0.5, 0.25], [1.3, -0.9]], width=0.3)
    val, err = integrate.dblquad(lambda y, x: np.exp(q.q_over_alpha(np.array([x, y]))), -1, 1, -1, 1,
                                 epsabs=1e-12, epsrel=1e-12)
    assert np.exp(q.log_partition()) == pytest.approx(val, rel=1e-9)


def test_closed_form_survives_narrow_and_far_modes():
    """A mode of width 1e-3 at the centre has Z = sigma sqrt(2 pi) to rounding; a mode 40 sigma outside the box keeps
    a finite log Z equal to log(sigma sqrt(2 pi)) + log Phi(-40) (log_ndtr: no underflow to log 0)."""
    narrow = BoxMixtureQ([1.0], [[0.0]], width=1e-3)
    assert narrow.log_partition() == pytest.approx(np.log(1e-3 * np.sqrt(2 * np.pi)), rel=1e-12)
    far = BoxMixtureQ([1.0], [[1.4]], width=0.01)      # the box edge is 40 sigma away
    assert far.log_partition() == pytest.approx(np.log(0.01 * np.sqrt(2 * np.pi)) + stats.norm.logsf(40.0), rel=1e-12)


def test_log_interval_mass_matches_mpmath_on_both_tails():
    """log(Phi(b) - Phi(a)) equals mpmath's 500-digit value for central, lower-tail and upper-tail intervals."""
    for a, b in [(-1.0, 1.0), (-3.0, -2.0), (2.0, 3.0), (30.0, 31.0), (-31.0, -30.0), (-0.5, 40.0)]:
        with mpmath.workdps(500):
            ref = float(mpmath.log(mpmath.ncdf(b) - mpmath.ncdf(a)))
        assert float(log_interval_mass(a, b)) == pytest.approx(ref, rel=1e-12, abs=1e-15)


def test_truncated_gaussian_density_integrates_to_one_and_matches_scipy_truncnorm():
    """TruncatedGaussian.log_prob is a density on [-1, 1] (quad = 1), equal to scipy.stats.truncnorm's, zero outside."""
    q = TruncatedGaussian([0.7], [0.4])
    total, _ = integrate.quad(lambda a: np.exp(q.log_prob(np.array([[a]])))[0], -1, 1)
    assert total == pytest.approx(1.0, abs=1e-10)
    ref = stats.truncnorm((-1 - 0.7) / 0.4, (1 - 0.7) / 0.4, loc=0.7, scale=0.4)
    a = np.linspace(-1, 1, 9)[:, None]
    np.testing.assert_allclose(q.log_prob(a), ref.logpdf(a[:, 0]), rtol=1e-10)
    assert q.log_prob(np.array([[1.5]]))[0] == -np.inf


def test_truncated_gaussian_samples_follow_its_density():
    """4,000 draws (mean deep in an upper tail on one coordinate, central on the other) pass a KS test against truncnorm."""
    q = TruncatedGaussian([3.0, 0.1], [0.5, 0.3])
    x = q.sample(4000, np.random.default_rng(0))
    assert x.shape == (4000, 2) and np.all(np.abs(x) <= 1)
    for k, (m, s) in enumerate([(3.0, 0.5), (0.1, 0.3)]):
        ref = stats.truncnorm((-1 - m) / s, (1 - m) / s, loc=m, scale=s)
        assert stats.kstest(x[:, k], ref.cdf).pvalue > 1e-3


def test_uniform_estimator_is_soft_value_estimate():
    """log_mean_weight with log q = -d log 2 is exactly sql.soft_value_estimate (one estimator, two names)."""
    q_over_alpha = np.random.default_rng(1).normal(size=(5, 16)) * 3
    np.testing.assert_allclose(log_mean_weight(q_over_alpha, -3 * np.log(2.0)), soft_value_estimate(q_over_alpha, 3))


@pytest.mark.parametrize("proposal", ["uniform", "policy"])
def test_estimator_of_z_is_unbiased(proposal):
    """Z_hat = mean of exp(Q/alpha)/q is unbiased for both proposals: over 4,000 estimates with M = 4 in d = 2, the mean
    of Z_hat / Z is 1 within 4 standard errors, while the mean of log Z_hat sits below log Z (Jensen)."""
    q = BoxMixtureQ([1.0, 1.0], [[0.5, 0.25], [-0.5, 0.25]], width=0.3)
    rng = np.random.default_rng(2)
    R, M = 4000, 4
    if proposal == "uniform":
        a, log_q = rng.uniform(-1, 1, size=(R, M, 2)), np.full((R, M), -2 * np.log(2.0))
    else:
        fit = TruncatedGaussian.fit(q.sample(R * 32, rng).reshape(R, 32, 2))
        a = fit.sample(M, rng)
        log_q = fit.log_prob(a)
    log_z_hat = log_mean_weight(q.q_over_alpha(a), log_q)
    ratio = np.exp(log_z_hat - q.log_partition())
    assert abs(ratio.mean() - 1) < 4 * ratio.std() / np.sqrt(R)
    assert log_z_hat.mean() < q.log_partition()


def test_proposal_equal_to_the_policy_gives_the_exact_value_from_one_sample():
    """If q is exactly pi = exp(Q/alpha)/Z (one Gaussian mode truncated to the box), every weight is Z: zero variance."""
    q = BoxMixtureQ([2.5], [[0.3, -0.2, 0.6]], width=0.4)
    prop = TruncatedGaussian([0.3, -0.2, 0.6], [0.4, 0.4, 0.4])
    a = prop.sample(7, np.random.default_rng(3))
    est = log_mean_weight(q.q_over_alpha(a)[:, None], prop.log_prob(a)[:, None])
    np.testing.assert_allclose(est, q.log_partition(), rtol=1e-12)


def test_mixture_samples_follow_the_policy():
    """BoxMixtureQ.sample draws from exp(Q/alpha)/Z on the box: the sample mean of a(1) matches the quadrature mean."""
    q = BoxMixtureQ([1.0, 3.0], [[-0.5], [0.8]], width=0.3)
    x = q.sample(20000, np.random.default_rng(4))[:, 0]
    num, _ = integrate.quad(lambda a: a * np.exp(q.q_over_alpha(np.array([a]))), -1, 1)
    mean = num / np.exp(q.log_partition())
    assert abs(x.mean() - mean) < 4 * x.std() / np.sqrt(x.size)


@pytest.mark.parametrize("call, exc, name", [
    (lambda: BoxMixtureQ([1.0, -1.0], [[0.0], [1.0]], 0.2), ValueError, "weights"),
    (lambda: BoxMixtureQ([1.0], [[0.0, 1.0], [1.0, 0.0]], 0.2), ValueError, "means"),
    (lambda: BoxMixtureQ([1.0], [[0.0]], 0.0), ValueError, "width"),
    (lambda: TruncatedGaussian([0.0], [0.0]), ValueError, "std"),
    (lambda: TruncatedGaussian.fit(np.zeros(3)), ValueError, "particles"),
    (lambda: log_mean_weight(np.zeros((2, 0)), 0.0), ValueError, "log_f"),
])
def test_bad_input_raises_naming_the_parameter(call, exc, name):
    """Negative weights, mismatched means, zero widths or stds, particles without a sample axis, no samples: named errors."""
    with pytest.raises(exc, match=name):
        call()
