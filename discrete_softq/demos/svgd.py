"""Stein variational gradient descent: Liu & Wang's 1-D mixture demo and a 2-D four-mode target.

    python -m discrete_softq.demo svgd [--quick] [--seed 0] [--out figures]

Top row: 100 particles started at N(-10, 1) flow to p = 1/3 N(-2, 1) + 2/3 N(2, 1); their
histogram against p after 0, a few, and all iterations, and the particle mean and variance
against the target's. Bottom row: a symmetric mixture of four Gaussians in the plane, particles
before and after, and the share of particles at each mode. Writes ``svgd.png``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._cli import default_out_dir, parse_dataclass_args

DESCRIPTION = "SVGD: particles match a 1-D Gaussian mixture (Liu & Wang 2016) and cover a 2-D four-mode target"


@dataclass
class Args:
    n_particles: int = 100
    """number of SVGD particles"""
    n_iter: int = 1000
    """SVGD iterations"""
    quick_iter: int = 150
    """iterations with --quick"""
    step_size: float = 1.0
    """constant SVGD step for the 1-D mixture (plain Euler step, no AdaGrad)"""
    step_size_2d: float = 0.5
    """constant SVGD step for the 2-D target"""
    seed: int = 0
    """seed of the initial particles"""
    out: str = default_out_dir()
    """directory for svgd.png"""
    quick: bool = False
    """small run in seconds"""
    no_progress: bool = False
    """hide the progress bar"""


def parse_args(argv: list[str] | None) -> Args:
    """argparse built from :class:`Args`: one ``--flag`` per field, help from its docstring."""
    return parse_dataclass_args(Args, argv, "svgd", DESCRIPTION)


def main(argv: list[str] | None = None) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from discrete_softq.continuous.svgd import SVGD, GaussianMixture
    from discrete_softq.plotting.continuous import (
        plot_particle_density,
        plot_particles_2d,
    )

    args = parse_args(argv)
    n_iter = args.quick_iter if args.quick else args.n_iter
    rng = np.random.default_rng(args.seed)
    bar = None
    if not args.no_progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=2 * n_iter, desc="SVGD", unit="it")

    # ---- 1-D: Liu & Wang (2016), Figure 1
    target = GaussianMixture([1 / 3, 2 / 3], [[-2.0], [2.0]])
    snapshots = {0: rng.normal(-10.0, 1.0, size=(args.n_particles, 1))}
    keep = {max(1, n_iter // 20), max(1, n_iter // 5), n_iter}
    moments = [(snapshots[0].mean(), snapshots[0].var())]

    def record(t: int, x: np.ndarray) -> None:
        moments.append((x.mean(), x.var()))
        if t in keep:
            snapshots[t] = x.copy()
        if bar is not None:
            bar.update()

    x1 = SVGD(target.score, step_size=args.step_size).run(snapshots[0], n_iter, callback=record)

    # ---- 2-D: four equal modes
    means = np.array([[3.0, 0.0], [-3.0, 0.0], [0.0, 3.0], [0.0, -3.0]])
    target2 = GaussianMixture(np.full(4, 0.25), means)
    x2_0 = rng.normal(size=(args.n_particles, 2))
    x2 = SVGD(target2.score, step_size=args.step_size_2d).run(
        x2_0, n_iter, callback=(lambda t, x: bar.update()) if bar is not None else None)
    if bar is not None:
        bar.close()
    counts = np.bincount(np.argmin(np.sum((x2[:, None] - means) ** 2, axis=-1), axis=1), minlength=4)

    print(f"1-D mixture after {n_iter} iterations: mean {x1.mean():.3f} (target {target.mean()[0]:.3f}), "
          f"variance {x1.var():.3f} (target {target.variance()[0]:.3f}), "
          f"share at x > 0: {np.mean(x1 > 0):.2f} (target 0.67)")
    print(f"2-D four modes (+-3, 0), (0, +-3): particles per mode {counts.tolist()} of {args.n_particles}")

    fig, axes = plt.subplots(2, 3, figsize=(15, 9))
    grid = np.linspace(-14, 7, 400)
    density = np.exp(target.log_prob(grid[:, None]))
    for ax, t in zip(axes[0, :2], sorted(snapshots)[1:3]):
        plot_particle_density(ax, snapshots[0], grid, density, label="iteration 0", show_target=False)
        plot_particle_density(ax, snapshots[t], grid, density, label=f"iteration {t}",
                              title=f"1-D mixture, iteration {t}")
    ax = axes[0, 2]
    plot_particle_density(ax, x1, grid[grid > -6], density[grid > -6], label=f"iteration {n_iter}",
                          title=f"1-D mixture, iteration {n_iter}")
    m = np.array(moments)
    ax = axes[1, 2]
    its = np.arange(len(m)) + 1      # iteration + 1, for the log axis
    ax.plot(its, m[:, 0], label="particle mean")
    ax.plot(its, m[:, 1], label="particle variance")
    ax.axhline(target.mean()[0], color="C0", ls="--", label="target mean")
    ax.axhline(target.variance()[0], color="C1", ls="--", label="target variance")
    ax.set(xscale="log", xlabel="iteration + 1", ylabel="value", title="1-D mixture: moments over iterations")
    ax.legend(fontsize=7)
    g = np.linspace(-6, 6, 200)
    gx, gy = np.meshgrid(g, g)
    dens2 = np.exp(target2.log_prob(np.stack([gx, gy], axis=-1)))
    plot_particles_2d(axes[1, 0], x2_0, gx, gy, dens2, label="initial N(0, I)", title="2-D target, iteration 0")
    plot_particles_2d(axes[1, 1], x2, gx, gy, dens2, label=f"iteration {n_iter}",
                      title=f"2-D target, iteration {n_iter}: per mode {counts.tolist()}")
    fig.suptitle("Stein variational gradient descent (RBF kernel, median bandwidth, constant step)")
    fig.tight_layout()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    fig.savefig(out / "svgd.png", dpi=110)
    plt.close(fig)
    print(f"wrote {out / 'svgd.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
