r"""Composing maximum-entropy policies by averaging their soft Q-functions.

Two tasks share the dynamics and the temperature :math:`\alpha` and differ in their rewards
:math:`r_1, r_2`. Their optimal soft Q-functions :math:`Q^*_1, Q^*_2` are known. For the combined
reward :math:`r_C = w_1 r_1 + w_2 r_2` (:math:`w_1 + w_2 = 1`; the mean for :math:`w = (1/2, 1/2)`)
the composed Q-function and policy are

.. math::

    Q_\Sigma = w_1 Q^*_1 + w_2 Q^*_2, \qquad
    \pi_\Sigma(a|s) \propto e^{Q_\Sigma(s,a)/\alpha} \propto \pi^*_1(a|s)^{w_1}\, \pi^*_2(a|s)^{w_2}

(a product of tempered experts). Haarnoja et al. (2018) bound what composing costs:

* Lemma 1: :math:`Q_\Sigma \ge Q^*_C \ge Q_\Sigma - C^*`, with :math:`C^*` the fixed point of
  :math:`C(s,a) \leftarrow \gamma\, \mathbb{E}_{s'}\big[\delta(s') + \max_{a'} C(s',a')\big]`;
* Theorem 1: :math:`Q^*_C \ge Q^{\pi_\Sigma}_C \ge Q^*_C - D^*`, with :math:`D^*` the fixed point
  of :math:`D(s,a) \leftarrow \gamma\, \mathbb{E}_{s'}\, \mathbb{E}_{a' \sim \pi_\Sigma}
  \big[C^*(s',a') + D(s',a')\big]`,

where :math:`\delta(s) = \alpha\, w_2\, D_{w_1}(\pi^*_1(\cdot|s) \,\|\, \pi^*_2(\cdot|s))`, which for
the mean is :math:`\tfrac{\alpha}{2} D_{1/2}` with :math:`D_{1/2}(p \| q) = -2 \log \sum_a \sqrt{p_a q_a}`.

Derivation of the scaling (mean, temperature alpha)
---------------------------------------------------
Write :math:`V_i = \alpha \log \sum_a e^{Q^*_i/\alpha}`, so :math:`e^{Q^*_i/\alpha} = \pi^*_i\, e^{V_i/\alpha}`.
Then the soft value of :math:`Q_\Sigma` is

.. math::

    V_\Sigma = \alpha \log \sum_a e^{(w_1 Q^*_1 + w_2 Q^*_2)/\alpha}
             = w_1 V_1 + w_2 V_2 + \alpha \log \sum_a \pi_1^{w_1} \pi_2^{w_2}
             = w_1 V_1 + w_2 V_2 - \delta,

because the Renyi divergence of order :math:`w` is :math:`D_w(p\|q) = \frac{1}{w-1}\log\sum_a p^w
q^{1-w}`, i.e. :math:`\log \sum_a p^{w_1} q^{w_2} = -w_2 D_{w_1}(p\|q)`; by Hoelder's inequality
:math:`\delta \ge 0`. Hence one soft backup for :math:`r_C` gives exactly

.. math:: \mathcal{T}_C Q_\Sigma = Q_\Sigma - \gamma\, \mathbb{E}_{s'} \delta(s') \le Q_\Sigma,

and monotonicity of :math:`\mathcal{T}_C` gives :math:`Q^*_C \le Q_\Sigma`. Since the soft value is
1-Lipschitz in the max-norm, :math:`V(Q_\Sigma - C) \ge V_\Sigma - \max_a C`, so with :math:`C = C^*`,
:math:`\mathcal{T}_C(Q_\Sigma - C^*) \ge Q_\Sigma - C^*` and :math:`Q^*_C \ge Q_\Sigma - C^*`.
For Theorem 1 the evaluation operator :math:`\mathcal{T}^{\pi}` of :math:`\pi = \pi_\Sigma` is affine
and monotone; using :math:`\mathbb{E}_\pi[Q_\Sigma - \alpha \log \pi] = V_\Sigma`, Lemma 1 and
:math:`\mathcal{T}_C Q_\Sigma \ge \mathcal{T}_C Q^*_C = Q^*_C`, one gets
:math:`\mathcal{T}^\pi(Q^*_C - D^*) \ge Q^*_C - D^*`, hence :math:`Q^\pi_C \ge Q^*_C - D^*`.
So :math:`\alpha` multiplies only the per-state divergence inside :math:`C^*`; :math:`D^*`
inherits it through :math:`C^*`.

*Mean versus sum.* The paper writes :math:`Q_\Sigma = Q^*_1 + Q^*_2` for :math:`r_1 + r_2` at
:math:`\alpha = 1` with the full :math:`D_{1/2}` in :math:`C`. Adding the two max-ent objectives
counts the entropy twice: it is the task :math:`r_1 + r_2` at temperature 2, i.e. exactly twice
the mean task at temperature 1, so all of its Q-functions and bounds are twice ours:
:math:`2 \cdot \tfrac{1}{2} D_{1/2} = D_{1/2}`. The two statements agree.
(``test_compose.py`` pins a two-step chain on which the lower bound of Lemma 1 is attained with
:math:`\delta = \alpha \log\cosh(1/(2\alpha))`, so a factor of 2 cannot hide.)

``alpha = 0`` is the hard limit: :math:`\delta = w_1 \max Q^*_1 + w_2 \max Q^*_2 - \max Q_\Sigma`.

Terminal states have value zero in every task, so they contribute no divergence and
:math:`C^*, D^*` vanish at terminal successors (:meth:`TabularMDP.expected_next`).

References
----------
Haarnoja, Pong, Zhou, Dalal, Abbeel, Levine (2018), Composable Deep Reinforcement Learning for
Robotic Manipulation, Lemma 1 and Theorem 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _validate
from .dp import soft_policy_evaluation, soft_policy_state_values
from .divergences import renyi_divergence
from .mdp import TabularMDP, check_mdp, check_q
from .soft import check_alpha, log_sum_exp, softmax

__all__ = ["compose_q", "composition_bound", "CompositionBound", "renyi_divergence"]

#: Howard's policy iteration for C* switches an action only if it gains more than this
#: (relative to the size of C): rounding must not make it cycle.
_SWITCH_RTOL = 1e-12


@dataclass(frozen=True, eq=False)
class CompositionBound:
    r"""What composing two max-ent policies costs, bounded (Haarnoja et al. 2018).

    Attributes
    ----------
    Q_sum : ndarray of shape (n_states, n_actions)
        The composed Q-function :math:`Q_\Sigma = w_1 Q_1 + w_2 Q_2`, an upper bound on :math:`Q^*_C`.
    policy : ndarray of shape (n_states, n_actions)
        The composed policy :math:`\pi_\Sigma`, Boltzmann in ``Q_sum``.
    divergence : ndarray of shape (n_states,)
        Renyi divergence :math:`D_{w_1}(\pi_1(\cdot|s) \| \pi_2(\cdot|s))` (for the mean:
        :math:`D_{1/2}`). At ``alpha = 0`` it is that of the greedy (uniform-over-argmax) policies;
        ``inf`` for disjoint supports, or where it exceeds float64 (``alpha`` below about 1e-308).
    penalty : ndarray of shape (n_states,)
        :math:`\delta(s) = w_1 V_1(s) + w_2 V_2(s) - V_\Sigma(s) = \alpha w_2 D_{w_1}`: the soft
        value lost in one step by acting on ``Q_sum`` (zero at terminal states).
    C : ndarray of shape (n_states, n_actions)
        :math:`C^*`, Lemma 1: ``Q_sum - C <= Q*_C <= Q_sum``.
    D : ndarray of shape (n_states, n_actions)
        :math:`D^*`, Theorem 1: ``Q*_C - D <= Q^{pi_sum}_C <= Q*_C``.
    weights : ndarray of shape (2,)
    alpha : float
    iterations : int
        Rounds of Howard's policy iteration that solved for ``C`` exactly.
    residual : float
        :math:`\|\mathcal{H} C - C\|_\infty` of the returned ``C`` (rounding level).
    """

    Q_sum: NDArray[np.float64]
    policy: NDArray[np.float64]
    divergence: NDArray[np.float64]
    penalty: NDArray[np.float64]
    C: NDArray[np.float64]
    D: NDArray[np.float64]
    weights: NDArray[np.float64]
    alpha: float
    iterations: int
    residual: float

    def __post_init__(self) -> None:
        for name in ("Q_sum", "policy", "divergence", "penalty", "C", "D", "weights"):
            getattr(self, name).setflags(write=False)

    @property
    def q_lower(self) -> NDArray[np.float64]:
        """Lemma 1's lower bound on the optimal combined Q-function, ``Q_sum - C``."""
        return self.Q_sum - self.C

    @property
    def policy_q_lower(self) -> NDArray[np.float64]:
        """A computable lower bound on the composed policy's own Q-function, ``Q_sum - C - D``."""
        return self.Q_sum - self.C - self.D


# ---------------------------------------------------------------------- validation
def _check_weights(weights: ArrayLike | None, k: int) -> NDArray[np.float64]:
    """Finite non-negative weights with a positive sum, normalised to sum to 1.

    Divided by their maximum first: huge weights (``[1e308, 1e308]``) cannot overflow the sum.
    """
    if weights is None:
        return np.full(k, 1.0 / k)
    w = _validate.array(weights, "weights", shape=(k,))
    if np.any(w < 0) or not np.any(w > 0):
        raise ValueError(f"weights must be non-negative with a positive sum; got {w}")
    w /= w.max()
    return w / w.sum()


def _check_qs(Qs: Sequence[ArrayLike] | ArrayLike) -> NDArray[np.float64]:
    """The Q-tables stacked into shape (k, n_states, n_actions), each checked to be finite and real."""
    if isinstance(Qs, (str, bytes)) or not hasattr(Qs, "__len__"):
        raise TypeError(f"Qs must be a sequence of Q-tables (or an array (k, S, A)); got {type(Qs).__name__}")
    Qs = cast("Sequence[ArrayLike]", Qs)  # has __len__ (checked above): a sequence or an array
    if len(Qs) == 0:
        raise ValueError("Qs must hold at least one Q-table")
    tables = [_validate.array(Q, f"Qs[{i}]", ndim=2) for i, Q in enumerate(Qs)]
    if any(Q.shape != tables[0].shape for Q in tables):
        raise ValueError(f"Qs must be Q-tables of one shape (n_states, n_actions); "
                         f"got shapes {[Q.shape for Q in tables]}")
    return np.stack(tables)


def _weighted_mean(w: NDArray[np.float64], stack: NDArray[np.float64]) -> NDArray[np.float64]:
    """``sum_k w_k stack_k`` for weights summing to 1, kept within the entries' range (no overflow to inf)."""
    with np.errstate(over="ignore", invalid="ignore"):
        out = np.einsum("k,ksa->sa", w, stack)
        if not np.all(np.isfinite(out)):  # near the float64 limit: average in units of the largest entry
            scale = np.abs(stack).max()
            out = np.einsum("k,ksa->sa", w, stack / scale) * scale
    return np.clip(out, stack.min(axis=0), stack.max(axis=0))


# ---------------------------------------------------------------------- public API
def compose_q(Qs: Sequence[ArrayLike] | ArrayLike, weights: ArrayLike | None = None) -> NDArray[np.float64]:
    r"""The composed soft Q-function, the weighted mean :math:`Q_\Sigma = \sum_i w_i Q_i / \sum_i w_i`.

    For optimal soft Q-functions :math:`Q^*_i` of rewards :math:`r_i` (same dynamics, same
    temperature) it approximates the optimal Q-function of :math:`r_C = \sum_i w_i r_i / \sum_i w_i`
    from above (see :func:`composition_bound`); its Boltzmann policy
    ``boltzmann_policy(compose_q(Qs), alpha)`` is :math:`\propto \prod_i \pi_i^{w_i / \sum w}`.

    Parameters
    ----------
    Qs : sequence of ndarray of shape (n_states, n_actions)
        The tasks' Q-functions (at least one).
    weights : ndarray of shape (len(Qs),), optional
        Non-negative, positive sum; normalised to sum to 1. Uniform (the mean) by default.

    Returns
    -------
    ndarray of shape (n_states, n_actions)

    Examples
    --------
    >>> compose_q([[[0.0, 2.0]], [[4.0, 0.0]]])
    array([[2., 1.]])
    >>> compose_q([[[0.0, 2.0]], [[4.0, 0.0]]], weights=[3, 1])
    array([[1. , 1.5]])
    """
    stack = _check_qs(Qs)
    w = _check_weights(weights, stack.shape[0])
    return _weighted_mean(w, stack)


def composition_bound(mdp: TabularMDP, Q1: ArrayLike, Q2: ArrayLike, alpha: float,
                      weights: ArrayLike | None = None) -> CompositionBound:
    r"""Lemma 1 and Theorem 1 of Haarnoja et al. (2018) at temperature ``alpha``, solved exactly.

    .. math::

        C^*(s,a) = \gamma\, \mathbb{E}_{s'}\big[\alpha w_2 D_{w_1}(\pi^*_1 \| \pi^*_2)(s')
                   + \max_{a'} C^*(s',a')\big], \qquad
        D^*(s,a) = \gamma\, \mathbb{E}_{s'}\, \mathbb{E}_{a' \sim \pi_\Sigma}\big[C^*(s',a') + D^*(s',a')\big]

    (mean: :math:`w_1 = w_2 = 1/2`, the per-state term is :math:`\tfrac{\alpha}{2} D_{1/2}`; the
    module docstring derives the scaling). Then :math:`Q_\Sigma \ge Q^*_C \ge Q_\Sigma - C^*` and
    :math:`Q^*_C \ge Q^{\pi_\Sigma}_C \ge Q^*_C - D^*` for :math:`r_C = w_1 r_1 + w_2 r_2`.

    Parameters
    ----------
    mdp : TabularMDP
        The shared dynamics (transitions, ``gamma``, terminal states); its rewards are not used.
    Q1, Q2 : ndarray of shape (n_states, n_actions)
        Optimal soft Q-functions of the two tasks at temperature ``alpha`` (e.g.
        ``soft_policy_iteration(task_i, alpha).Q``). The bounds are theorems about optimal
        Q-functions; for other inputs they are just numbers.
    alpha : float
        Temperature ``>= 0``.
    weights : ndarray of shape (2,), optional
        Weights of the combination, normalised to sum to 1; the mean by default.

    Returns
    -------
    CompositionBound

    Raises
    ------
    ValueError
        Bad ``Q1``, ``Q2``, ``alpha`` or ``weights``; or ``C``/``D`` beyond float64 (huge Q-tables).

    Notes
    -----
    :math:`\delta` is a log-sum-exp in the log domain (no ``0 * inf`` for disjoint supports, the
    right limit at ``alpha = 0``). :math:`C^*` is the optimal value of a
    hard-max MDP with reward :math:`\gamma\,\mathbb{E}\delta`, solved exactly by Howard's policy
    iteration (one linear solve per round, finitely many rounds); :math:`D^*` is one policy
    evaluation (:func:`soft_policy_evaluation` at ``alpha = 0``).

    Examples
    --------
    Identical tasks compose for free:

    >>> from discrete_softq import random_mdp, soft_policy_iteration
    >>> mdp = random_mdp(4, 2, seed=0)
    >>> Q = soft_policy_iteration(mdp, alpha=1.0).Q
    >>> bound = composition_bound(mdp, Q, Q, alpha=1.0)
    >>> float(abs(bound.C).max()) < 1e-12, float(abs(bound.D).max()) < 1e-12
    (True, True)
    """
    mdp = check_mdp(mdp)
    alpha = check_alpha(alpha)
    Q1, Q2 = check_q(mdp, Q1, "Q1"), check_q(mdp, Q2, "Q2")
    w = _check_weights(weights, 2)
    Q_sum = _weighted_mean(w, np.stack([Q1, Q2]))
    penalty, divergence = _penalty(Q1, Q2, w, alpha, mdp.terminal)
    policy = softmax(Q_sum, alpha)
    try:  # the inputs below are valid by construction: a ValueError can only be an overflow
        C, iterations, residual = _howard(_auxiliary(mdp, penalty, "the penalty"))
        D = soft_policy_evaluation(_auxiliary(mdp, np.einsum("sa,sa->s", policy, C), "C"), policy, 0.0)
        if not np.all(np.isfinite(D)):
            raise ValueError("D overflows")
    except ValueError as err:
        raise ValueError(f"Q1 and Q2 are too large for the composition bound in float64 ({err})") from None
    return CompositionBound(Q_sum=Q_sum, policy=policy, divergence=divergence, penalty=penalty,
                            C=C, D=D, weights=w, alpha=alpha, iterations=iterations,
                            residual=residual)


# ---------------------------------------------------------------------- exact solvers
def _penalty(Q1: NDArray, Q2: NDArray, w: NDArray, alpha: float, terminal: NDArray) -> tuple[NDArray, NDArray]:
    """Per-state ``delta = w1 V1 + w2 V2 - V_sum`` (>= 0 by Hoelder), in the log domain, and ``D_{w1}``."""
    log_ratio = (w[0] * (Q1 - log_sum_exp(Q1, alpha)[:, None])
                 + w[1] * (Q2 - log_sum_exp(Q2, alpha)[:, None]))
    penalty = np.maximum(-log_sum_exp(log_ratio, alpha), 0.0)
    penalty[terminal] = 0.0
    if alpha > 0 and w[1] > 0:
        with np.errstate(over="ignore"):  # beyond float64 only for alpha near the smallest float
            divergence = penalty / alpha / w[1]
    else:
        divergence = _hard_divergence(Q1, Q2, w)
    divergence[terminal] = 0.0
    return penalty, divergence


def _hard_divergence(Q1: NDArray, Q2: NDArray, w: NDArray) -> NDArray:
    """Renyi divergence of the greedy policies (reported at ``alpha = 0``; not used by the bound)."""
    p, q = softmax(Q1, 0.0), softmax(Q2, 0.0)
    if w[0] in (0.0, 1.0):
        return np.zeros(Q1.shape[0])
    return renyi_divergence(p, q, order=float(w[0]))


def _auxiliary(mdp: TabularMDP, values: NDArray, what: str) -> TabularMDP:
    """The dynamics of ``mdp`` with reward ``gamma E_{s'} values(s')`` (the bounds are Bellman equations).

    A ValueError if ``values`` (named ``what``) overflowed: the bound is then beyond float64.
    """
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{what} overflows")
    return TabularMDP(mdp.P, mdp.gamma * mdp.expected_next(values), mdp.gamma, initial=mdp.initial,
                      terminal=mdp.terminal)


def _howard(aux: TabularMDP, max_iter: int = 10_000) -> tuple[NDArray, int, float]:
    r"""Exact fixed point of :math:`C = g + \gamma\, \mathbb{E}_{s'} \max_{a'} C(s', a')` (``g = aux.rewards``).

    Howard's policy iteration: evaluate a deterministic policy exactly, switch every state to a
    strictly better action, stop when none is. It terminates after finitely many rounds (each
    strictly improves, there are finitely many policies), at the exact fixed point.
    """
    S, A = aux.n_states, aux.n_actions
    g = aux.rewards
    rows = np.arange(S)
    mu = g.argmax(axis=1)
    for k in range(1, max_iter + 1):
        onehot = np.zeros((S, A))
        onehot[rows, mu] = 1.0
        V = soft_policy_state_values(aux, onehot, 0.0)
        C = g + aux.gamma * aux.expected_next(V)
        best = C.max(axis=1)
        threshold = _SWITCH_RTOL * (1.0 + np.abs(best).max())
        switch = best > C[rows, mu] + threshold
        if not switch.any():
            break
        mu = np.where(switch, C.argmax(axis=1), mu)
    residual = float(np.abs(g + aux.gamma * aux.expected_next(C.max(axis=1)) - C).max())
    return C, k, residual
