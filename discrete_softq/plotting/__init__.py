"""Every matplotlib figure of the toolkit, one submodule per area.

Each helper takes a matplotlib ``ax`` (and computes nothing the library does not already
compute), draws on it and returns the artists; nothing here calls ``plt.show()``.

* :mod:`.gridworld` -- layouts, values, policy arrows, entropy and visitation over a grid;
* :mod:`.dp` -- exact soft DP: the contraction, iterations per solver, soft vs hard on a grid;
* :mod:`.maze` -- the maze_change figure: cumulative reward with CI bands, visitation heat maps;
* :mod:`.temperature` -- the policy, one action's probability and the value as alpha grows;
* :mod:`.dp_study` -- the ``dp`` demo's three figures from a ``DPResult``;
* :mod:`.compose` -- composition bounds against true gaps;
* :mod:`.pretraining` -- pre-training learning curves and steps to a threshold;
* :mod:`.continuous` -- the multi-goal landscape, Q contours over actions, SVGD particles;
* :mod:`.svgd` -- the ``svgd`` demo's figure from an ``SVGDResult``.
"""

from .bands import plot_mean_with_bands
from .compose import *  # noqa: F401,F403
from .compose import __all__ as _compose_all
from .continuous import *  # noqa: F401,F403
from .continuous import __all__ as _continuous_all
from .dp import *  # noqa: F401,F403
from .dp import __all__ as _dp_all
from .dp_study import *  # noqa: F401,F403
from .dp_study import __all__ as _dp_study_all
from .gridworld import *  # noqa: F401,F403
from .gridworld import __all__ as _gridworld_all
from .maze import *  # noqa: F401,F403
from .maze import __all__ as _maze_all
from .pretraining import *  # noqa: F401,F403
from .pretraining import __all__ as _pretraining_all
from .svgd import *  # noqa: F401,F403
from .svgd import __all__ as _svgd_all
from .temperature import *  # noqa: F401,F403
from .temperature import __all__ as _temperature_all

__all__ = ["plot_mean_with_bands", *_gridworld_all, *_dp_all, *_temperature_all, *_dp_study_all, *_maze_all, *_compose_all,
           *_pretraining_all, *_continuous_all, *_svgd_all]
