r"""The textbook soft DP solvers, in plain NumPy and SciPy: read these first.

Each algorithm is a few lines with letters that match the maths, on the transition array
``P[s, a, t]`` (``np.einsum("sat,t->sa", P, V)``; a sparse model stays sparse, ``P @ V`` on its
``(S*A, S)`` matrix, and its linear systems go to :func:`scipy.sparse.linalg.spsolve`):

.. math::

    V(s) = \alpha \log \sum_a \rho(a|s)\, e^{Q(s,a)/\alpha}, \qquad
    (\mathcal{T} Q)(s,a) = r(s,a) + \gamma \sum_t P(t|s,a)\, V(t).

They return the same :class:`~discrete_softq.dp.SoftSolution` with the same ``tol`` guarantee
as the fast solvers of :mod:`discrete_softq.dp` (the same stopping rule,
:class:`~discrete_softq.stopping.StoppingRule`), and they are the tests' independent oracle and
the benchmarks' baseline. Terminal states: ``V(t) = 0`` for terminal ``t`` and their rows of ``Q``
are zero, done here by zeroing their rows and columns of ``P``.

The soft value uses :func:`scipy.special.logsumexp` (``b`` carries the prior), not the library's
own kernel, so that a bug in one cannot hide in both.

References
----------
Haarnoja, Tang, Abbeel, Levine (2017), Reinforcement Learning with Deep Energy-Based Policies.
Sutton & Barto (2018), Reinforcement Learning: An Introduction, 2nd ed., chapter 4.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from scipy.sparse.linalg import spsolve
from scipy.special import logsumexp, rel_entr, xlogy

from . import _validate
from .dp import SoftSolution, check_solver_args
from .mdp import TabularMDP, check_mdp, check_policy, check_q
from .soft import check_alpha, check_prior
from .stopping import StoppingRule

__all__ = ["soft_q_iteration", "soft_value_iteration", "soft_policy_iteration", "soft_policy_evaluation",
           "soft_value", "model", "expected"]


def model(mdp: TabularMDP) -> tuple[NDArray | sp.csr_matrix, NDArray]:
    """``(P, r)`` with the rows and columns of terminal states zeroed in ``P``: dense ``P[s, a, t]`` or CSR ``(S*A, S)``.

    >>> from discrete_softq import random_mdp
    >>> P, r = model(random_mdp(3, 2, seed=0))
    >>> P.shape, r.shape
    ((3, 2, 3), (3, 2))
    """
    A = check_mdp(mdp).n_actions
    live = (~mdp.terminal).astype(float)
    if mdp.is_sparse:  # no reward and no future after a terminal state, and V(t) = 0 for terminal t
        P = sp.diags(np.repeat(live, A)) @ mdp.P @ sp.diags(live)
    else:
        P = mdp.P * live[:, None, None] * live[None, None, :]
    return P, np.array(mdp.rewards)


def expected(P: NDArray | sp.csr_matrix, V: NDArray) -> NDArray:
    """``E_{t ~ P(.|s,a)} V(t)``, shape (S, A): ``einsum("sat,t->sa", P, V)``, or ``P @ V`` reshaped if sparse.

    >>> import numpy as np
    >>> expected(np.ones((1, 2, 1)), np.array([3.0]))
    array([[3., 3.]])
    """
    if sp.issparse(P):
        return (P @ V).reshape(V.shape[0], -1)
    return np.einsum("sat,t->sa", P, V)


def soft_value(Q: NDArray, alpha: float, prior: NDArray | None = None) -> NDArray:
    """``alpha * logsumexp(Q / alpha, b=prior)`` over the last axis; ``max`` over the support at ``alpha = 0``.

    >>> import numpy as np
    >>> float(soft_value(np.array([0.0, 0.0]), 1.0))  # log 2
    0.6931471805599453
    """
    rho = np.ones_like(Q) if prior is None else np.broadcast_to(prior, Q.shape)
    if alpha == 0:
        return np.where(rho > 0, Q, -np.inf).max(axis=-1)
    return alpha * logsumexp(Q / alpha, b=rho, axis=-1)


def _boltzmann(Q: NDArray, alpha: float, prior: NDArray | None) -> NDArray:
    """pi(a|s) = rho(a|s) exp((Q - V) / alpha), shifted by the largest Q the prior allows (else 0 / 0)."""
    rho = np.ones_like(Q) if prior is None else np.broadcast_to(prior, Q.shape)
    allowed = np.where(rho > 0, Q, -np.inf)
    best = allowed.max(axis=-1, keepdims=True)
    w = rho * (allowed == best) if alpha == 0 else rho * np.exp((allowed - best) / alpha)
    return w / w.sum(axis=-1, keepdims=True)


def _setup(mdp: TabularMDP, alpha: float, tol: float, max_iter: int,
           prior: ArrayLike | None) -> tuple[TabularMDP, float, float, int, NDArray | None]:
    """The solvers' shared argument checks, and gamma < 1 (the reference stops by the contraction's bracket)."""
    checked = check_solver_args(mdp, alpha, tol, max_iter, prior)
    if checked[0].gamma == 1.0:
        raise ValueError("the reference solvers need gamma < 1 (their stopping rule is the contraction's); "
                         "discrete_softq's solvers certify gamma = 1 (see discrete_softq.episodic)")
    return checked


def _result(mdp: TabularMDP, Q: NDArray, alpha: float, rho: NDArray | None, k: int, rule: StoppingRule,
            verdict, solver: str) -> SoftSolution:  # type: ignore[no-untyped-def]
    rule.warn(solver, verdict, k)
    V = soft_value(Q, alpha, rho) * ~mdp.terminal
    return SoftSolution(Q=Q, V=V, policy=_boltzmann(Q, alpha, rho), alpha=alpha, iterations=k,
                        converged=verdict.converged, residuals=np.array(rule.residuals),
                        error_bound=verdict.bound, solver="reference." + solver)


def soft_q_iteration(mdp: TabularMDP, alpha: float, tol: float = 1e-8, max_iter: int = 100_000,
                     Q0: ArrayLike | None = None, prior: ArrayLike | None = None) -> SoftSolution:
    r"""Textbook soft Q-iteration, :math:`Q \leftarrow r + \gamma P\, V(Q)` (signature of :func:`discrete_softq.soft_q_iteration`).

    >>> from discrete_softq import random_mdp, soft_q_iteration as fast
    >>> mdp = random_mdp(4, 2, seed=0)
    >>> bool(abs(soft_q_iteration(mdp, 0.5).Q - fast(mdp, 0.5).Q).max() < 2e-8)
    True
    """
    mdp, alpha, tol, max_iter, rho = _setup(mdp, alpha, tol, max_iter, prior)
    P, r, g = *model(mdp), mdp.gamma
    Q = np.zeros_like(r) if Q0 is None else check_q(mdp, Q0, "Q0") * ~mdp.terminal[:, None]
    rule = StoppingRule(mdp, alpha, tol, shannon=rho is None)
    for k in range(1, max_iter + 1):
        TQ = r + g * expected(P, soft_value(Q, alpha, rho))
        d = TQ - Q
        verdict = rule.judge(d.min(), d.max(), lambda: max(abs(Q).max(), abs(TQ).max()))
        rule.residuals.append(abs(d).max())
        Q = TQ
        if verdict.done:
            break
    Q[~mdp.terminal] += verdict.shift
    return _result(mdp, Q, alpha, rho, k, rule, verdict, "soft_q_iteration")


def soft_value_iteration(mdp: TabularMDP, alpha: float, tol: float = 1e-8, max_iter: int = 100_000,
                         V0: ArrayLike | None = None, prior: ArrayLike | None = None) -> SoftSolution:
    r"""Textbook soft value iteration, :math:`V \leftarrow \alpha \log \sum_a \rho\, e^{(r + \gamma P V)/\alpha}`.

    >>> from discrete_softq import random_mdp, soft_value_iteration as fast
    >>> mdp = random_mdp(4, 2, seed=0)
    >>> bool(abs(soft_value_iteration(mdp, 0.5).Q - fast(mdp, 0.5).Q).max() < 2e-8)
    True
    """
    mdp, alpha, tol, max_iter, rho = _setup(mdp, alpha, tol, max_iter, prior)
    P, r, g = *model(mdp), mdp.gamma
    V = np.zeros(mdp.n_states) if V0 is None else _validate.array(V0, "V0", shape=(mdp.n_states,))
    V[mdp.terminal] = 0.0
    rule = StoppingRule(mdp, alpha, tol, to_q=True, shannon=rho is None)
    for k in range(1, max_iter + 1):
        TV = soft_value(r + g * expected(P, V), alpha, rho) * ~mdp.terminal
        d = TV - V
        verdict = rule.judge(d.min(), d.max(), lambda: max(abs(V).max(), abs(TV).max()))
        rule.residuals.append(abs(d).max())
        V = TV
        if verdict.done:
            break
    V[~mdp.terminal] += verdict.shift
    Q = r + g * expected(P, V)
    return _result(mdp, Q, alpha, rho, k, rule, verdict, "soft_value_iteration")


def soft_policy_evaluation(mdp: TabularMDP, policy: ArrayLike, alpha: float,
                           prior: ArrayLike | None = None) -> NDArray[np.float64]:
    r"""Exact :math:`Q^\pi` by ``np.linalg.solve``: :math:`(I - \gamma P_\pi) V = r_\pi + \alpha h_\pi`, then :math:`Q = r + \gamma P V`.

    ``h`` is the entropy of ``pi`` (or ``-KL(pi || prior)``).

    >>> import numpy as np
    >>> from discrete_softq import TabularMDP
    >>> mdp = TabularMDP(np.ones((1, 2, 1)), [[0.0, 0.0]], gamma=0.5)
    >>> soft_policy_evaluation(mdp, [0.5, 0.5], alpha=1.0)  # V = log 2 / (1 - 1/2); Q = 0 + V / 2
    array([[0.69314718, 0.69314718]])
    """
    mdp = check_mdp(mdp)
    alpha = check_alpha(alpha)
    S, A = mdp.n_states, mdp.n_actions
    pi = check_policy(policy, S, A)
    rho = check_prior(prior, (S, A))
    P, r = model(mdp)
    h = -xlogy(pi, pi).sum(axis=1) if rho is None else -rel_entr(pi, np.broadcast_to(rho, (S, A))).sum(axis=1)
    r_pi = np.einsum("sa,sa->s", pi, r) + alpha * h * ~mdp.terminal
    if sp.issparse(P):  # P_pi = Pi P, with Pi[s, s * A + a] = pi(a|s)
        Pi = sp.csr_matrix((pi.ravel(), np.arange(S * A), np.arange(0, S * A + 1, A)), shape=(S, S * A))
        V = spsolve(sp.csc_matrix(sp.eye(S) - mdp.gamma * (Pi @ P)), r_pi)
    else:
        V = np.linalg.solve(np.eye(S) - mdp.gamma * np.einsum("sa,sat->st", pi, P), r_pi)
    return r + mdp.gamma * expected(P, V)


def soft_policy_iteration(mdp: TabularMDP, alpha: float, tol: float = 1e-10, max_iter: int = 1_000,
                          prior: ArrayLike | None = None, policy0: ArrayLike | None = None) -> SoftSolution:
    r"""Textbook soft policy iteration: :math:`Q \leftarrow Q^{\pi}`, :math:`\pi \leftarrow \rho\, e^{Q/\alpha} / Z`.

    >>> from discrete_softq import random_mdp, soft_policy_iteration as fast
    >>> mdp = random_mdp(4, 2, seed=0)
    >>> bool(abs(soft_policy_iteration(mdp, 0.5).Q - fast(mdp, 0.5).Q).max() < 1e-10)
    True
    """
    mdp, alpha, tol, max_iter, rho = _setup(mdp, alpha, tol, max_iter, prior)
    P, r, g = *model(mdp), mdp.gamma
    S, A = mdp.n_states, mdp.n_actions
    default = np.full((S, A), 1.0 / A) if rho is None else np.broadcast_to(rho, (S, A))
    pi = default if policy0 is None else check_policy(policy0, S, A, "policy0")
    rule = StoppingRule(mdp, alpha, tol, shannon=rho is None)
    for k in range(1, max_iter + 1):
        Q = soft_policy_evaluation(mdp, pi, alpha, rho)                      # evaluate
        TQ = r + g * expected(P, soft_value(Q, alpha, rho))                  # one backup, for the bound
        d = TQ - Q
        verdict = rule.judge(d.min(), d.max(), lambda: max(abs(Q).max(), abs(TQ).max()))
        rule.residuals.append(abs(d).max())
        if verdict.done:
            break
        pi = _boltzmann(Q, alpha, rho)                                       # improve
    TQ[~mdp.terminal] += verdict.shift
    return _result(mdp, TQ, alpha, rho, k, rule, verdict, "soft_policy_iteration")
