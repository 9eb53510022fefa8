"""Stein variational gradient descent on two mixtures: Liu & Wang's 1-D demo and a 2-D four-mode target.

* 1-D (Liu & Wang 2016, Figure 1): particles started at N(-10, 1) flow to
  p = 1/3 N(-2, 1) + 2/3 N(2, 1); snapshots after a few and after all iterations, and the
  particle mean and variance after every iteration, against the target's;
* 2-D: a symmetric mixture of four Gaussians at (+-3, 0), (0, +-3); the particles before and
  after, and how many end nearest each mode.

``python -m discrete_softq.demo svgd`` prints :meth:`SVGDResult.report` and draws
:func:`discrete_softq.plotting.svgd.plot_svgd_study`.

>>> res = run_svgd(SVGDConfig(n_particles=20, n_iter=50))
>>> int(res.mode_counts.sum())
20
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from tqdm.auto import tqdm

from .._validate import integer, real
from ..continuous.svgd import SVGD, GaussianMixture

__all__ = ["SVGDConfig", "SVGDResult", "MODES_2D", "run_svgd"]

#: The four modes of the 2-D target.
MODES_2D = np.array([[3.0, 0.0], [-3.0, 0.0], [0.0, 3.0], [0.0, -3.0]])


@dataclass(frozen=True)
class SVGDConfig:
    """Particles, iterations, constant steps (plain Euler, no AdaGrad) and the seed of the initial particles."""

    n_particles: int = 100
    n_iter: int = 1000
    step_size: float = 1.0
    step_size_2d: float = 0.5
    seed: int = 0

    def __post_init__(self) -> None:
        integer(self.n_particles, "n_particles", low=2)
        integer(self.n_iter, "n_iter", low=1)
        real(self.step_size, "step_size", low=0, low_open=True)
        real(self.step_size_2d, "step_size_2d", low=0, low_open=True)
        integer(self.seed, "seed", low=0)


@dataclass(frozen=True, eq=False)
class SVGDResult:
    """Particles and summaries of both runs; :meth:`report` is the printed text.

    Attributes
    ----------
    config : SVGDConfig
    target_1d, target_2d : GaussianMixture
    snapshots : dict of int to ndarray of shape (n_particles, 1)
        Iteration -> 1-D particles (iteration 0, two early ones and the last).
    moments : ndarray of shape (n_iter + 1, 2)
        Mean and variance of the 1-D particles after each iteration (row 0: the start).
    x0_2d, x_2d : ndarray of shape (n_particles, 2)
        2-D particles before and after.
    mode_counts : ndarray of shape (4,)
        Final 2-D particles nearest each mode of :data:`MODES_2D`.
    grid_1d, density_1d : ndarray of shape (400,)
        The target density on a grid, for drawing.
    grid_2d : tuple of two ndarrays of shape (200, 200); density_2d : ndarray of shape (200, 200)
    """

    config: SVGDConfig
    target_1d: GaussianMixture
    target_2d: GaussianMixture
    snapshots: dict[int, NDArray[np.float64]]
    moments: NDArray[np.float64]
    x0_2d: NDArray[np.float64]
    x_2d: NDArray[np.float64]
    mode_counts: NDArray[np.int64]
    grid_1d: NDArray[np.float64]
    density_1d: NDArray[np.float64]
    grid_2d: tuple[NDArray[np.float64], NDArray[np.float64]]
    density_2d: NDArray[np.float64]

    @property
    def x_1d(self) -> NDArray[np.float64]:
        """The final 1-D particles, shape (n_particles, 1)."""
        return self.snapshots[self.config.n_iter]

    def report(self) -> str:
        """Final 1-D moments against the target's, and the 2-D particles per mode."""
        x, t, n = self.x_1d, self.target_1d, self.config.n_iter
        return (f"1-D mixture after {n} iterations: mean {x.mean():.3f} (target {t.mean()[0]:.3f}), "
                f"variance {x.var():.3f} (target {t.variance()[0]:.3f}), "
                f"share at x > 0: {np.mean(x > 0):.2f} (target 0.67)\n"
                f"2-D four modes (+-3, 0), (0, +-3): particles per mode {self.mode_counts.tolist()} "
                f"of {self.config.n_particles}")


def run_svgd(config: SVGDConfig | None = None, progress: bool = False) -> SVGDResult:
    """Run SVGD on both targets (module docstring); ``progress`` shows a tqdm bar over the iterations.

    Parameters
    ----------
    config : SVGDConfig, optional
    progress : bool

    Returns
    -------
    SVGDResult

    Examples
    --------
    >>> res = run_svgd(SVGDConfig(n_particles=10, n_iter=20))
    >>> sorted(res.snapshots), res.moments.shape
    ([0, 1, 4, 20], (21, 2))
    """
    c = SVGDConfig() if config is None else config
    rng = np.random.default_rng(c.seed)
    bar = tqdm(total=2 * c.n_iter, desc="SVGD", unit="it", disable=not progress)
    target = GaussianMixture([1 / 3, 2 / 3], [[-2.0], [2.0]])
    snapshots = {0: rng.normal(-10.0, 1.0, size=(c.n_particles, 1))}
    keep = {max(1, c.n_iter // 20), max(1, c.n_iter // 5), c.n_iter}
    moments = [(snapshots[0].mean(), snapshots[0].var())]

    def record(t: int, x: NDArray[np.float64]) -> None:
        moments.append((x.mean(), x.var()))
        if t in keep:
            snapshots[t] = x.copy()
        bar.update()

    SVGD(target.score, step_size=c.step_size).run(snapshots[0], c.n_iter, callback=record)
    target2 = GaussianMixture(np.full(4, 0.25), MODES_2D)
    x0 = rng.normal(size=(c.n_particles, 2))
    x2 = SVGD(target2.score, step_size=c.step_size_2d).run(x0, c.n_iter, callback=lambda t, x: bar.update())
    bar.close()
    counts = np.bincount(np.argmin(np.sum((x2[:, None] - MODES_2D) ** 2, axis=-1), axis=1), minlength=4)
    grid = np.linspace(-14, 7, 400)
    g = np.linspace(-6, 6, 200)
    gx, gy = np.meshgrid(g, g)
    return SVGDResult(c, target, target2, snapshots, np.array(moments), x0, x2, counts, grid,
                      np.exp(target.log_prob(grid[:, None])), (gx, gy),
                      np.exp(target2.log_prob(np.stack([gx, gy], axis=-1))))
