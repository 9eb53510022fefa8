"""Tabular agents: soft Q-learning, Q-learning, the Dyna pair, the training loop, the batched runner.

* :class:`SoftQLearning`, :class:`QLearning` -- :mod:`.tabular`
* :class:`DynaQ` (with Dyna-Q+'s bonus), :class:`SoftDynaQ` -- :mod:`.dyna`
* :func:`train`, :class:`History` -- :mod:`.training` (the per-environment loop)
* :func:`run_batched`, :class:`BatchedHistory` -- :mod:`.batched` (many seeds in lockstep)
* schedules (:class:`Constant`, :class:`InverseCount`, :class:`ExponentialDecay`) -- :mod:`.schedules`
* bootstrap CIs and recovery measures -- :mod:`.stats`
"""

from .batched import BatchedHistory, run_batched
from .dyna import DynaQ, SoftDynaQ
from .schedules import Constant, ExponentialDecay, InverseCount
from .tabular import QLearning, SoftQLearning, TabularAgent
from .training import History, train

__all__ = [
    "SoftQLearning",
    "QLearning",
    "DynaQ",
    "SoftDynaQ",
    "TabularAgent",
    "train",
    "History",
    "Constant",
    "InverseCount",
    "ExponentialDecay",
    "run_batched",
    "BatchedHistory",
]
