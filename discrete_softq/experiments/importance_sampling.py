r"""The importance-sampling lab: the soft value's estimator with a uniform and with a policy proposal.

For a soft Q with a closed-form soft value on the action box,
:class:`~discrete_softq.continuous.importance.BoxMixtureQ` (two modes of width ``width`` at
:math:`a_1 = \pm 0.5`, the other coordinates centred at 0.25), and each action dimension
:math:`d`, :func:`run_is_lab` repeats the estimate :math:`\log \hat Z_M` of
:math:`\log Z = V/\alpha` ``n_repeats`` times for each number of samples :math:`M`:

* **uniform**: :math:`a_i \sim U[-1, 1]^d` (what soft Q-learning does by default);
* **policy**: :math:`a_i \sim q`, a diagonal Gaussian fitted to ``n_fit`` exact samples of the
  policy :math:`\pi \propto e^{Q/\alpha}` (the sampler's particles), truncated to the box with its
  exact density (:class:`~discrete_softq.continuous.importance.TruncatedGaussian`); a new fit per
  repetition, so the fit's own noise is part of the measurement.

It measures the bias in log space, :math:`\mathbb E[\log \hat Z_M] - \log Z` (negative by Jensen;
the bias of :math:`\hat V / \alpha`), against :math:`M`, and the ratio of the variances of
:math:`\log \hat Z_M` (uniform over policy) against :math:`d` at :math:`M` = ``ratio_samples``
(16, the agent's ``value_particles``), with 95% bootstrap intervals over the repetitions.

>>> lab = run_is_lab(ISLabConfig(dims=(1, 2), sample_sizes=(4, 16), n_repeats=20))
>>> lab.bias["uniform"].value.shape, lab.variance_ratio.value.shape
((2, 2), (2,))
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .. import _validate
from ..agents.stats import bootstrap_ci
from ..continuous.importance import BoxMixtureQ, TruncatedGaussian, log_mean_weight

__all__ = ["ISLabConfig", "Band", "ISLabResult", "PROPOSALS", "lab_q", "run_is_lab"]

#: The proposals compared.
PROPOSALS = ("uniform", "policy")


@dataclass(frozen=True)
class ISLabConfig:
    """Dimensions, sample sizes, repetitions, the policy fit and the target's width (validated)."""

    dims: tuple[int, ...] = (1, 2, 3, 4, 5, 6)
    sample_sizes: tuple[int, ...] = (1, 4, 16, 64, 256, 1024)
    n_repeats: int = 400
    n_fit: int = 32
    width: float = 0.2
    ratio_samples: int = 16
    seed: int = 0

    def __post_init__(self) -> None:
        if not self.dims or not self.sample_sizes:
            raise ValueError("dims and sample_sizes must be non-empty")
        for d in self.dims:
            _validate.integer(d, "dims", low=1)
        for m in self.sample_sizes:
            _validate.integer(m, "sample_sizes", low=1)
        _validate.integer(self.n_repeats, "n_repeats", low=2)
        _validate.integer(self.n_fit, "n_fit", low=2)
        _validate.real(self.width, "width", low=0.0, low_open=True)
        _validate.integer(self.ratio_samples, "ratio_samples", low=1)
        _validate.integer(self.seed, "seed", low=0)


@dataclass(frozen=True, eq=False)
class Band:
    """A statistic with its 95% bootstrap interval, arrays of one shape: ``value``, ``low``, ``high``."""

    value: NDArray[np.float64]
    low: NDArray[np.float64]
    high: NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class ISLabResult:
    """The lab's measurements.

    Attributes
    ----------
    config : ISLabConfig
    log_partition : ndarray of shape (n_dims,)
        The exact :math:`\\log Z` per dimension.
    bias : dict of str to Band of shape (n_dims, n_sizes)
        Per proposal, :math:`\\mathbb E[\\log \\hat Z_M] - \\log Z`.
    std : dict of str to ndarray of shape (n_dims, n_sizes)
        Per proposal, the standard deviation of :math:`\\log \\hat Z_M` over the repetitions.
    variance_ratio : Band of shape (n_dims,)
        :math:`\\mathrm{Var}_U / \\mathrm{Var}_q` of :math:`\\log \\hat Z_M` at ``ratio_samples``.
    """

    config: ISLabConfig
    log_partition: NDArray[np.float64]
    bias: dict[str, Band]
    std: dict[str, NDArray[np.float64]]
    variance_ratio: Band

    def report(self) -> str:
        """Bias per dimension at the smallest, the ratio and the largest M; the variance ratio per dimension."""
        c = self.config
        sizes = list(c.sample_sizes)
        show = sorted({sizes[0], c.ratio_samples, sizes[-1]} & set(sizes))
        lines = [f"Importance-sampling lab: exp(Q/alpha) = two Gaussian modes of width {c.width:g} on [-1, 1]^d; "
                 f"{c.n_repeats} repetitions; policy proposal = diagonal Gaussian fitted to {c.n_fit} policy samples, "
                 "truncated to the box. Bias of log Z_hat (E[log Z_hat] - log Z = E[V_hat - V] / alpha) "
                 "[95% bootstrap CI]:"]
        for i, d in enumerate(c.dims):
            parts = []
            for m in show:
                j = sizes.index(m)
                parts.append(f"M={m}: " + ", ".join(
                    f"{p} {self.bias[p].value[i, j]:.3g} [{self.bias[p].low[i, j]:.3g}, {self.bias[p].high[i, j]:.3g}]"
                    for p in PROPOSALS))
            lines.append(f"  d={d} (log Z {self.log_partition[i]:.3f}): " + "; ".join(parts))
        r = self.variance_ratio
        lines.append(f"Variance ratio Var_uniform / Var_policy of log Z_hat at M={c.ratio_samples}: " + ", ".join(
            f"d={d}: {r.value[i]:.3g} [{r.low[i]:.3g}, {r.high[i]:.3g}]" for i, d in enumerate(c.dims)))
        return "\n".join(lines)


def lab_q(d: int, width: float = 0.2) -> BoxMixtureQ:
    """The lab's soft Q in dimension ``d``: equal modes at (+-0.5, 0.25, ..., 0.25), width ``width``.

    >>> q = lab_q(2)
    >>> q.dim, round(float(q.log_partition()), 4)      # log of the integral of exp(Q/alpha) over [-1, 1]^2
    (2, -0.6942)
    """
    means = np.full((2, d), 0.25)
    means[:, 0] = [0.5, -0.5]
    return BoxMixtureQ([1.0, 1.0], means, width)


def _log_estimates(q: BoxMixtureQ, c: ISLabConfig, rng: np.random.Generator) -> dict[str, NDArray[np.float64]]:
    """Per proposal, log Z_hat for every repetition and sample size: shape (n_repeats, n_sizes)."""
    R, M, d = c.n_repeats, max(c.sample_sizes), q.dim
    fit = TruncatedGaussian.fit(q.sample(R * c.n_fit, rng).reshape(R, c.n_fit, d))
    a_pol = fit.sample(M, rng)
    a_uni = rng.uniform(-1.0, 1.0, size=(R, M, d))
    log_w = {"uniform": (q.q_over_alpha(a_uni), -d * np.log(2.0)),
             "policy": (q.q_over_alpha(a_pol), fit.log_prob(a_pol))}
    out = {}
    for name, (log_f, log_q) in log_w.items():
        log_q = np.broadcast_to(log_q, log_f.shape)
        out[name] = np.stack([log_mean_weight(log_f[:, :m], log_q[:, :m]) for m in c.sample_sizes], axis=1)
    return out


def run_is_lab(config: ISLabConfig | None = None) -> ISLabResult:
    """Run the lab (module docstring); independent random streams per dimension, spawned from ``seed``.

    >>> lab = run_is_lab(ISLabConfig(dims=(1, 2), sample_sizes=(4, 16), n_repeats=20, ratio_samples=16))
    >>> lab.log_partition.shape, sorted(lab.bias)
    ((2,), ['policy', 'uniform'])
    """
    c = ISLabConfig() if config is None else config
    streams = np.random.SeedSequence(c.seed).spawn(len(c.dims) + 1)
    boot = np.random.default_rng(streams[-1])
    log_z = np.array([lab_q(d, c.width).log_partition() for d in c.dims])
    shape = (len(c.dims), len(c.sample_sizes))
    bias = {p: Band(np.zeros(shape), np.zeros(shape), np.zeros(shape)) for p in PROPOSALS}
    std = {p: np.zeros(shape) for p in PROPOSALS}
    ratio = Band(*(np.zeros(len(c.dims)) for _ in range(3)))
    k = c.sample_sizes.index(c.ratio_samples) if c.ratio_samples in c.sample_sizes else None
    for i, d in enumerate(c.dims):
        est = _log_estimates(lab_q(d, c.width), c, np.random.default_rng(streams[i]))
        for p in PROPOSALS:
            std[p][i] = est[p].std(axis=0)
            for j in range(len(c.sample_sizes)):
                e = bootstrap_ci(est[p][:, j] - log_z[i], seed=boot)
                bias[p].value[i, j], bias[p].low[i, j], bias[p].high[i, j] = e.value, e.low, e.high
        if k is not None:
            u, q = est["uniform"][:, k], est["policy"][:, k]
            idx = boot.integers(0, c.n_repeats, size=(2000, c.n_repeats))
            with np.errstate(divide="ignore", invalid="ignore"):
                boots = u[idx].var(axis=1) / q[idx].var(axis=1)
                ratio.value[i] = u.var() / q.var()
            ratio.low[i], ratio.high[i] = np.quantile(boots, [0.025, 0.975])
    return ISLabResult(c, log_z, bias, std, ratio)
