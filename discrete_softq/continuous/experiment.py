"""Moved to :mod:`discrete_softq.experiments.multigoal`; this name is kept for older imports."""

from ..experiments.multigoal import *  # noqa: F401,F403
from ..experiments.multigoal import __all__  # noqa: F401
