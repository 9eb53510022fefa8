"""Stein variational gradient descent with its default steps: Liu & Wang's 1-D demo and four 2-D modes.

Two step schemes of :class:`~discrete_softq.continuous.svgd.SVGD`, each with its default step size:
the constant Euler step (``SVGD(score)``, step 0.5) and Liu & Wang's AdaGrad with momentum
(``SVGD(score, adaptive=True)``, step 0.05), both over ``n_seeds`` seeds of the initial particles:

* 1-D (Liu & Wang 2016, Figure 1): particles started at N(-10, 1) flow to
  p = 1/3 N(-2, 1) + 2/3 N(2, 1) (mean 2/3, variance 41/9 = 4.56); the mean and variance after
  ``n_iter`` iterations, and the iteration from which both stay within the tolerance of the
  issue (mean within 0.1, variance within 10%);
* 2-D: four equal modes at (+-3, 0), (0, +-3), particles started off-centre at N((1, 0.5), I);
  how many end nearest each mode, and the total-variation distance of those shares from the
  equal 1/4 (0 = balanced), over the iterations. This is the measurement behind the claim about
  AdaGrad in :mod:`discrete_softq.continuous.svgd`.

``python -m discrete_softq.demo svgd`` prints :meth:`SVGDResult.report` and draws
:func:`discrete_softq.plotting.svgd.plot_svgd_study`.

>>> res = run_svgd(SVGDConfig(n_particles=10, n_iter=50, n_seeds=2))
>>> int(res.mode_counts["constant"][:, -1].sum())     # both seeds' 2-D particles, at the last iteration
20
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from tqdm.auto import tqdm

from .._validate import integer, real
from ..agents.stats import bootstrap_band, bootstrap_ci
from ..continuous.svgd import DEFAULT_ADAPTIVE_STEP_SIZE, DEFAULT_STEP_SIZE, SVGD, GaussianMixture

__all__ = ["SVGDConfig", "SVGDResult", "MODES_2D", "START_2D", "SCHEMES", "MEAN_TOL", "VAR_RTOL", "run_svgd"]

#: The four modes of the 2-D target (E, W, N, S).
MODES_2D = np.array([[3.0, 0.0], [-3.0, 0.0], [0.0, 3.0], [0.0, -3.0]])
#: Centre of the off-centre 2-D start N(START_2D, I).
START_2D = (1.0, 0.5)
#: The two step schemes compared.
SCHEMES = ("constant", "adagrad")
#: The 1-D tolerance: particle mean within MEAN_TOL of 2/3, variance within VAR_RTOL of 41/9.
MEAN_TOL, VAR_RTOL = 0.1, 0.1
#: Every how many iterations the 2-D mode counts are recorded.
RECORD_EVERY = 10


@dataclass(frozen=True)
class SVGDConfig:
    """Particles and iterations, step sizes, seeds.

    ``n_particles`` is the size of each 2-D particle set; the 1-D runs use twice as many (Liu &
    Wang's 200 by default). ``n_iter`` counts the 1-D iterations; the 2-D runs take half as many.

    ``step_size`` and ``step_size_2d`` are the constant steps (default: the class default 0.5),
    ``adaptive_step_size`` the AdaGrad one (default 0.05); ``seed`` is the first of ``n_seeds``
    consecutive seeds of the initial particles.
    """

    n_particles: int = 100
    n_iter: int = 2000
    step_size: float = DEFAULT_STEP_SIZE
    step_size_2d: float = DEFAULT_STEP_SIZE
    seed: int = 0
    adaptive_step_size: float = DEFAULT_ADAPTIVE_STEP_SIZE
    n_seeds: int = 10

    def __post_init__(self) -> None:
        integer(self.n_particles, "n_particles", low=2)
        integer(self.n_iter, "n_iter", low=1)
        real(self.step_size, "step_size", low=0, low_open=True)
        real(self.step_size_2d, "step_size_2d", low=0, low_open=True)
        real(self.adaptive_step_size, "adaptive_step_size", low=0, low_open=True)
        integer(self.seed, "seed", low=0)
        integer(self.n_seeds, "n_seeds", low=1)

    @property
    def n_particles_1d(self) -> int:
        """Particles of each 1-D run: twice ``n_particles``."""
        return 2 * self.n_particles

    @property
    def n_iter_2d(self) -> int:
        """Iterations of the 2-D run: half the 1-D ones (at least 1)."""
        return max(1, self.n_iter // 2)


@dataclass(frozen=True, eq=False)
class SVGDResult:
    """Particles and summaries of both targets and both schemes; :meth:`report` is the printed text.

    Attributes
    ----------
    config : SVGDConfig
    target_1d, target_2d : GaussianMixture
    snapshots : dict of int to ndarray of shape (2 n_particles, 1)
        Iteration -> 1-D particles of the first seed, constant step (iteration 0, two early ones, the last).
    moments : dict of str to ndarray of shape (n_seeds, n_iter + 1, 2)
        Per scheme: mean and variance of the 1-D particles after each iteration (index 0: the start).
    x0_2d : ndarray of shape (n_particles, 2)
        The first seed's 2-D start.
    x_2d : dict of str to ndarray of shape (n_particles, 2)
        Per scheme, the first seed's final 2-D particles.
    record_iters : ndarray of shape (n_records,)
        Iterations at which the 2-D mode counts are recorded (0, every 10, the last).
    mode_counts : dict of str to ndarray of shape (n_seeds, n_records, 4)
        Per scheme: 2-D particles nearest each mode of :data:`MODES_2D`.
    grid_1d, density_1d : ndarray of shape (400,)
    grid_2d : tuple of two ndarrays of shape (200, 200); density_2d : ndarray of shape (200, 200)
    """

    config: SVGDConfig
    target_1d: GaussianMixture
    target_2d: GaussianMixture
    snapshots: dict[int, NDArray[np.float64]]
    moments: dict[str, NDArray[np.float64]]
    x0_2d: NDArray[np.float64]
    x_2d: dict[str, NDArray[np.float64]]
    record_iters: NDArray[np.int64]
    mode_counts: dict[str, NDArray[np.int64]]
    grid_1d: NDArray[np.float64]
    density_1d: NDArray[np.float64]
    grid_2d: tuple[NDArray[np.float64], NDArray[np.float64]]
    density_2d: NDArray[np.float64]

    @property
    def x_1d(self) -> NDArray[np.float64]:
        """The first seed's final 1-D particles (constant step), shape (2 n_particles, 1)."""
        return self.snapshots[self.config.n_iter]

    def settle_iterations(self, scheme: str) -> NDArray[np.float64]:
        """Per seed, the first iteration from which the 1-D mean and variance stay within tolerance (inf: never)."""
        m, t = self.moments[scheme], self.target_1d
        ok = (np.abs(m[..., 0] - t.mean()[0]) <= MEAN_TOL) & (np.abs(m[..., 1] - t.variance()[0]) <= VAR_RTOL * t.variance()[0])
        bad = ~ok
        last_bad = np.where(bad.any(axis=1), bad.shape[1] - 1 - np.argmax(bad[:, ::-1], axis=1), -1)
        return np.where(ok[:, -1], last_bad + 1.0, np.inf)

    def total_variation(self, scheme: str) -> NDArray[np.float64]:
        """Per seed and record, TV distance of the 2-D mode shares from 1/4 each: shape (n_seeds, n_records)."""
        c = self.mode_counts[scheme]
        return 0.5 * np.abs(c / c.sum(axis=-1, keepdims=True) - 0.25).sum(axis=-1)

    def tv_band(self, scheme: str) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """Mean over seeds of :meth:`total_variation` at each record, with a pointwise 95% bootstrap band."""
        return bootstrap_band(self.total_variation(scheme))

    def _record(self, iteration: int) -> int:
        return int(np.searchsorted(self.record_iters, iteration))

    def report(self) -> str:
        """1-D moments and settling iteration per scheme; 2-D particles per mode and TV at three iterations."""
        c, t, n = self.config, self.target_1d, self.config.n_iter
        steps = {"constant": f"constant step {c.step_size:g}", "adagrad": f"AdaGrad step {c.adaptive_step_size:g}"}
        x = self.x_1d
        lines = [f"1-D mixture after {n} iterations, seed {c.seed}, {steps['constant']}: mean {x.mean():.3f} "
                 f"(target {t.mean()[0]:.3f}), variance {x.var():.3f} (target {t.variance()[0]:.3f}), "
                 f"share at x > 0: {np.mean(x > 0):.2f} (target 0.67)",
                 f"1-D over {c.n_seeds} seeds, {c.n_particles_1d} particles from N(-10, 1), mean [95% bootstrap CI] "
                 f"after {n} iterations; settled = first iteration from which mean within {MEAN_TOL:g} and "
                 f"variance within {VAR_RTOL:.0%} (median over seeds):"]
        for s in SCHEMES:
            end = self.moments[s][:, -1]
            lines.append(f"  {steps[s]:18s}: mean {bootstrap_ci(end[:, 0])}, variance {bootstrap_ci(end[:, 1])}, "
                         f"settled at iteration {bootstrap_ci(self.settle_iterations(s), np.median)}")
        lines.append(f"2-D four modes (+-3, 0), (0, +-3) from N({START_2D}, I), {c.n_particles} particles, "
                     f"{c.n_seeds} seeds: particles per mode (E, W, N, S), mean over seeds; TV distance of the "
                     "shares from 1/4 each [95% bootstrap CI]:")
        steps2 = {"constant": f"constant step {c.step_size_2d:g}", "adagrad": steps["adagrad"]}
        for it in sorted({max(1, c.n_iter_2d // 4), max(1, c.n_iter_2d // 2), c.n_iter_2d}):
            k = self._record(it)
            for s in SCHEMES:
                counts = self.mode_counts[s][:, k].mean(axis=0)
                lines.append(f"  iteration {self.record_iters[k]:5d}, {steps2[s]:18s}: per mode {np.round(counts, 1).tolist()}, "
                             f"TV {bootstrap_ci(self.total_variation(s)[:, k])}")
        return "\n".join(lines)


def _schemes(c: SVGDConfig, constant_step: float) -> dict[str, dict]:
    return {"constant": {"step_size": constant_step}, "adagrad": {"adaptive": True, "step_size": c.adaptive_step_size}}


def run_svgd(config: SVGDConfig | None = None, progress: bool = False) -> SVGDResult:
    """Run both schemes on both targets over the seeds (module docstring); ``progress`` shows a tqdm bar.

    The seeds' particle sets run as one batch, shape (n_seeds, n, d): each set has its own
    median bandwidth, so this is exactly ``n_seeds`` independent runs.

    Examples
    --------
    >>> res = run_svgd(SVGDConfig(n_particles=10, n_iter=20, n_seeds=1))
    >>> sorted(res.snapshots), res.moments["adagrad"].shape, res.record_iters.tolist()
    ([0, 1, 4, 20], (1, 21, 2), [0, 10])
    """
    c = SVGDConfig() if config is None else config
    seeds = [np.random.default_rng(c.seed + k) for k in range(c.n_seeds)]
    bar = tqdm(total=2 * (c.n_iter + c.n_iter_2d), desc="SVGD", unit="it", disable=not progress)
    target = GaussianMixture([1 / 3, 2 / 3], [[-2.0], [2.0]])
    x0 = np.stack([rng.normal(-10.0, 1.0, size=(c.n_particles_1d, 1)) for rng in seeds])
    x0_2d = np.stack([rng.normal(START_2D, 1.0, size=(c.n_particles, 2)) for rng in seeds])
    snapshots = {0: x0[0]}
    keep = {max(1, c.n_iter // 20), max(1, c.n_iter // 5), c.n_iter}
    moments: dict[str, list] = {}
    for name, kwargs in _schemes(c, c.step_size).items():
        moments[name] = [np.stack([x0.mean(axis=(1, 2)), x0.var(axis=(1, 2))], axis=-1)]

        def record(t: int, x: NDArray[np.float64], name: str = name) -> None:
            moments[name].append(np.stack([x.mean(axis=(1, 2)), x.var(axis=(1, 2))], axis=-1))
            if name == "constant" and t in keep:
                snapshots[t] = x[0].copy()
            bar.update()

        SVGD(target.score, **kwargs).run(x0, c.n_iter, callback=record)
    target2 = GaussianMixture(np.full(4, 0.25), MODES_2D)
    record_iters = np.unique(np.r_[0:c.n_iter_2d:RECORD_EVERY, c.n_iter_2d])
    counts: dict[str, list] = {}
    x_2d = {}

    def nearest(x: NDArray[np.float64]) -> NDArray[np.int64]:
        idx = np.argmin(np.sum((x[..., None, :] - MODES_2D) ** 2, axis=-1), axis=-1)
        return np.stack([np.bincount(row, minlength=4) for row in idx])

    for name, kwargs in _schemes(c, c.step_size_2d).items():
        counts[name] = [nearest(x0_2d)]

        def record2(t: int, x: NDArray[np.float64], name: str = name) -> None:
            if t in record_iters:
                counts[name].append(nearest(x))
            bar.update()

        x_2d[name] = SVGD(target2.score, **kwargs).run(x0_2d, c.n_iter_2d, callback=record2)[0]
    bar.close()
    grid = np.linspace(-14, 7, 400)
    g = np.linspace(-6, 6, 200)
    gx, gy = np.meshgrid(g, g)
    return SVGDResult(c, target, target2, snapshots, {k: np.stack(v, axis=1) for k, v in moments.items()},
                      x0_2d[0], x_2d, record_iters, {k: np.stack(v, axis=1) for k, v in counts.items()}, grid,
                      np.exp(target.log_prob(grid[:, None])), (gx, gy),
                      np.exp(target2.log_prob(np.stack([gx, gy], axis=-1))))
