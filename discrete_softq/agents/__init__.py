"""Tabular agents: soft Q-learning, Q-learning, the Dyna pair, the training loop, the batched runner.

* :class:`SoftQLearning`, :class:`QLearning`, :class:`BoltzmannQLearning` -- :mod:`.tabular`
  (their update rules: :mod:`.rules`; the Dyna model: :mod:`.model`)
* :class:`DynaQ` (with Dyna-Q+'s bonus), :class:`SoftDynaQ` -- :mod:`.dyna`
* :func:`train`, :class:`History` -- :mod:`.training` (the per-environment loop)
* :func:`run_batched`, :class:`BatchedHistory` -- :mod:`.batched` (many seeds in lockstep)
* schedules (:class:`Constant`, :class:`InverseCount`, :class:`RescaledLinear`, :class:`ExponentialDecay`) -- :mod:`.schedules`
* bootstrap CIs and recovery measures -- :mod:`.stats`
"""

from .batched import BatchedHistory, run_batched
from .dyna import DynaQ, SoftDynaQ
from .schedules import Constant, ExponentialDecay, InverseCount, RescaledLinear
from .tabular import BoltzmannQLearning, QLearning, SoftQLearning, TabularAgent
from .training import History, train

__all__ = [
    "SoftQLearning",
    "QLearning",
    "BoltzmannQLearning",
    "DynaQ",
    "SoftDynaQ",
    "TabularAgent",
    "train",
    "History",
    "Constant",
    "InverseCount",
    "RescaledLinear",
    "ExponentialDecay",
    "run_batched",
    "BatchedHistory",
]
