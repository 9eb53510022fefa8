"""Every matplotlib figure of the toolkit, one submodule per area.

Each helper takes a matplotlib ``ax`` (and computes nothing the library does not already
compute), draws on it and returns the artists; nothing here calls ``plt.show()``.

* :mod:`.gridworld` -- layouts, values, policy arrows, entropy and visitation over a grid;
* :mod:`.dp` -- exact soft DP: the contraction, temperature sweeps, soft vs hard on a grid;
* :mod:`.maze` -- the maze_change figure: cumulative reward with CI bands, visitation heat maps;
* :mod:`.compose` -- composition bounds and pre-training curves;
* :mod:`.continuous` -- the multi-goal landscape, Q contours over actions, SVGD particles.
"""

from .bands import plot_mean_with_bands
from .compose import *  # noqa: F401,F403
from .compose import __all__ as _compose_all
from .continuous import *  # noqa: F401,F403
from .continuous import __all__ as _continuous_all
from .dp import *  # noqa: F401,F403
from .dp import __all__ as _dp_all
from .gridworld import *  # noqa: F401,F403
from .gridworld import __all__ as _gridworld_all
from .maze import *  # noqa: F401,F403
from .maze import __all__ as _maze_all

__all__ = ["plot_mean_with_bands", *_gridworld_all, *_dp_all, *_maze_all, *_compose_all, *_continuous_all]
