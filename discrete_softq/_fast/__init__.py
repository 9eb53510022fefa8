"""Private fast kernels behind one small door; :mod:`discrete_softq.reference` shows the plain versions.

* :class:`ValueSweeps` -- soft value iteration's sweep ``V <- T V`` (``step() -> (lo, hi)``,
  ``values()``), fused and blocked on sparse MDPs, factored in exp-space on deterministic ones;
* :class:`PolicyEvaluationSystem` -- soft policy evaluation, ``values(pi, alpha, prior) -> V``:
  ``(I - gamma P_pi) V = r_pi + alpha h_pi`` with its pattern assembled once, LU reuse by
  iterative refinement, SuperLU panels, BiCGSTAB for fast-mixing MDPs;
* :func:`soft_values`, :func:`softmax_rows` -- the row-wise soft value and Boltzmann policy of a
  large table, action-major (the same numbers as :mod:`discrete_softq.soft`'s kernels, faster).

Every path is tested against the reference solvers (``tests/test_sweep.py``,
``tests/test_evaluation_system.py``, ``tests/test_reference.py``).
"""

from .evaluation_system import DIRECT_SOLVE_MAX_STATES, PolicyEvaluationSystem
from .rows import soft_values, softmax_rows
from .value_sweeps import ValueSweeps

__all__ = ["ValueSweeps", "PolicyEvaluationSystem", "soft_values", "softmax_rows", "DIRECT_SOLVE_MAX_STATES"]
