r"""Maximum-causal-entropy inverse RL for linear rewards :math:`r_\theta = \Phi\theta` (Ziebart 2010).

Given features :math:`\phi(s,a) \in \mathbb{R}^k` and an expert's discounted visit counts
:math:`n_E` (exact, or estimated from trajectories), MCE IRL finds the :math:`\theta` whose
soft-optimal policy :math:`\pi_\theta` (temperature :math:`\alpha`) best explains the expert. It
maximises the dual

.. math:: g(\theta) = \theta^\top \mu_E - \mu^\top V_\theta, \qquad
          \nabla g(\theta) = \mu_E - \mu_\theta, \qquad \mu_E = \sum_{s,a} n_E(s,a)\,\phi(s,a),

where :math:`V_\theta` is the soft-optimal value of :math:`r_\theta`, :math:`\mu` the start
distribution and :math:`\mu_\theta` the feature expectations of :math:`\pi_\theta`
(:func:`~discrete_softq.inference.feature_expectations`): the derivative of the soft-optimal value
with respect to the reward is the policy's visit counts (an envelope theorem). When :math:`n_E` is
a policy's exact counts in this MDP, :math:`g / \alpha` is exactly the discounted log-likelihood
:math:`\mathbb{E}_E \sum_t \gamma^t \log \pi_\theta(a_t|s_t)`: by the soft Bellman equation
:math:`\log\pi_\theta = (Q_\theta - V_\theta)/\alpha = (r_\theta + \gamma \mathbb{E} V_\theta(s')
- V_\theta)/\alpha`, and the sum telescopes. ``g`` is concave; L-BFGS
(:func:`scipy.optimize.minimize`) maximises it with the exact gradient.

Non-identifiability (shown, not hidden): only the soft-optimal *policy* is identified. A constant
added to every reward of a task without terminal states, or a potential-based shaping
:math:`F = \gamma \Phi(s') - \Phi(s)`, leaves it unchanged, so ``theta`` is unique only up to
the directions the features share with these (the demo and tests show it).

``horizon=H`` gives the finite-horizon form (time-indexed policies, the backward pass of
:func:`~discrete_softq.horizon.soft_backward_induction`), as in the ``mce_partition_fh`` of
Gleave et al.'s imitation library, which is finite-horizon only.

References
----------
Ziebart (2010), Modeling Purposeful Adaptive Behavior with the Principle of Maximum Causal Entropy.
Ng, Harada, Russell (1999), Policy invariance under reward transformations.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.optimize
from numpy.typing import ArrayLike, NDArray

from . import _fast, _validate
from .dp import soft_policy_iteration, soft_value_iteration
from .horizon import soft_backward_induction
from .inference import check_features, visit_counts
from .mdp import TabularMDP, check_mdp, check_policy
from .soft import check_prior
from .stopping import ConvergenceWarning

__all__ = ["IRLResult", "IRLObjective", "mce_irl", "irl_objective", "expert_counts", "sample_trajectories"]


@dataclass(frozen=True, eq=False)
class IRLResult:
    """The outcome of :func:`mce_irl` (read-only arrays).

    Attributes
    ----------
    theta : ndarray of shape (k,)
        Reward weights.
    reward : ndarray of shape (n_states, n_actions)
        ``Phi theta``.
    policy : ndarray of shape (n_states, n_actions), or (horizon, n_states, n_actions)
        The soft-optimal policy of ``reward``.
    log_likelihood : float
        ``g(theta) / alpha``: the expert's discounted log-likelihood when its counts are exact.
    gradient_norm : float
        ``|mu_E - mu_theta|_inf`` at the answer (in feature counts).
    iterations : int
        L-BFGS iterations.
    converged : bool
        Whether the gradient norm reached ``gtol``.
    """

    theta: NDArray[np.float64]
    reward: NDArray[np.float64]
    policy: NDArray[np.float64]
    log_likelihood: float
    gradient_norm: float
    iterations: int
    converged: bool

    def __post_init__(self) -> None:
        for name in ("theta", "reward", "policy"):
            getattr(self, name).setflags(write=False)


class IRLObjective:
    """``theta -> (-g(theta), its gradient)``, made by :func:`irl_objective`; remembers the last solve
    (to warm-start the next) and the last soft-optimal ``policy``.
    """

    def __init__(self, mdp: TabularMDP, phi: NDArray, mu_expert: NDArray, alpha: float, prior: NDArray | None,
                 horizon: int | None, l2: float = 0.0) -> None:
        self.mdp, self.phi, self.mu_expert, self.alpha, self.prior, self.horizon, self.l2 = (
            mdp, phi, mu_expert, alpha, prior, horizon, l2)
        self.system = _fast.PolicyEvaluationSystem(mdp)
        self.V: NDArray | None = None
        self.policy: NDArray | None = None

    def __call__(self, theta: NDArray) -> tuple[float, NDArray]:
        mdp = self.mdp
        task = TabularMDP(mdp.P, self.phi @ theta, mdp.gamma, initial=mdp.initial, terminal=mdp.terminal)
        if self.horizon is not None:
            sol = soft_backward_induction(task, self.alpha, self.horizon, prior=self.prior)
            value, self.policy = float(mdp.initial @ sol.V[0]), sol.policy
        else:
            value, self.policy = self._solve(task)
        mu_theta = np.einsum("sa,sak->k", visit_counts(task, self.policy, self.horizon, self.system), self.phi)
        g = float(theta @ self.mu_expert) - value - self.l2 * float(theta @ theta) / 2
        return -g, -(self.mu_expert - mu_theta - self.l2 * theta)

    def _solve(self, task: TabularMDP) -> tuple[float, NDArray]:
        with warnings.catch_warnings():  # a rounding floor still gives a bounded, usable answer
            warnings.simplefilter("ignore", ConvergenceWarning)
            if task.n_states * task.n_actions <= 2_000 or task.gamma == 1.0:
                sol = soft_policy_iteration(task, self.alpha, tol=1e-10, prior=self.prior)
            else:
                sol = soft_value_iteration(task, self.alpha, tol=1e-10, prior=self.prior, V0=self.V)
        self.V = np.array(sol.V)
        return float(task.initial @ sol.V), np.array(sol.policy)


def irl_objective(mdp: TabularMDP, features: ArrayLike, expert: ArrayLike | list, alpha: float = 1.0,
                  horizon: int | None = None, prior: ArrayLike | None = None,
                  l2: float = 0.0) -> IRLObjective:
    r"""The function :func:`mce_irl` minimises: ``theta -> (-g(theta), its gradient mu_theta - mu_E)`` (module Notes).

    ``g`` is in units of feature counts; ``g / alpha`` is the log-likelihood (same maximiser).

    Arguments as in :func:`mce_irl`. Useful to check the gradient or to use another optimiser.

    >>> import numpy as np
    >>> from discrete_softq import random_mdp
    >>> mdp = random_mdp(4, 2, gamma=0.9, seed=0)
    >>> f = irl_objective(mdp, np.eye(4), np.full((4, 2), 1 / 8))
    >>> value, gradient = f(np.zeros(4))
    >>> gradient.shape
    (4,)
    """
    mdp = check_mdp(mdp)
    phi = check_features(mdp, features)
    alpha = _validate.real(alpha, "alpha", low=0.0, low_open=True)
    H = None if horizon is None else _validate.integer(horizon, "horizon", low=1)
    counts = _expert_counts_of(mdp, expert, H)
    return IRLObjective(mdp, phi, np.einsum("sa,sak->k", counts, phi), alpha,
                 check_prior(prior, (mdp.n_states, mdp.n_actions)), H, _validate.real(l2, "l2", low=0.0))


def mce_irl(mdp: TabularMDP, features: ArrayLike, expert: ArrayLike | list, alpha: float = 1.0,
            horizon: int | None = None, prior: ArrayLike | None = None, theta0: ArrayLike | None = None,
            gtol: float = 1e-6, max_iter: int = 500, l2: float = 0.0) -> IRLResult:
    r"""Maximum-causal-entropy IRL: the linear reward whose soft-optimal policy best explains ``expert``.

    Parameters
    ----------
    mdp : TabularMDP
        The dynamics (its rewards are ignored); ``mdp.initial`` is the start distribution.
    features : ndarray of shape (n_states, k) or (n_states, n_actions, k)
        State or state-action features :math:`\phi`.
    expert : ndarray of shape (n_states, n_actions), or a list of trajectories
        The expert's occupancy (as :func:`~discrete_softq.inference.occupancy` returns it, for the
        same ``horizon``), or trajectories: each an ``(n, 2)`` array of ``(state, action)`` rows.
    alpha : float
        Temperature ``> 0`` of the soft-optimal policy.
    horizon : int, optional
        Finite horizon (time-indexed policy); None for the discounted infinite horizon.
    prior : ndarray of shape (n_states, n_actions) or (n_actions,), optional
        Prior of the KL-regularised objective; None is the Shannon entropy.
    theta0 : ndarray of shape (k,), optional
        Starting weights (zeros by default).
    gtol : float
        Stop when ``|grad|_inf <= gtol`` (L-BFGS-B's projected-gradient tolerance). The gradient is
        exact up to the solvers' accuracy, about ``1e-8`` of the feature counts.
    max_iter : int
        Maximum L-BFGS iterations.
    l2 : float
        Weight ``>= 0`` of a penalty ``l2 |theta|^2 / 2`` on the dual. With sampled demonstrations the
        empirical feature counts may lie where no reward reaches them (the maximiser then does not
        exist and ``theta`` diverges); a small ``l2`` keeps it finite, at the price of a bias.

    Returns
    -------
    IRLResult

    Examples
    --------
    The expert is soft-optimal for a hidden reward; MCE IRL recovers its policy:

    >>> import numpy as np
    >>> from discrete_softq import random_mdp, soft_policy_iteration
    >>> from discrete_softq.inference import occupancy
    >>> mdp = random_mdp(6, 2, gamma=0.9, seed=0)
    >>> phi = np.random.default_rng(1).normal(size=(6, 2, 3))
    >>> expert = soft_policy_iteration(mdp.__class__(mdp.P, phi @ [1.0, -0.5, 0.2], 0.9), 1.0).policy
    >>> res = mce_irl(mdp, phi, occupancy(mdp, expert), alpha=1.0)
    >>> res.converged, bool(np.abs(res.policy - expert).max() < 1e-6)
    (True, True)
    """
    dual = irl_objective(mdp, features, expert, alpha, horizon, prior, l2)
    k = dual.phi.shape[2]
    theta = np.zeros(k) if theta0 is None else _validate.array(theta0, "theta0", shape=(k,))
    out = scipy.optimize.minimize(dual, theta, jac=True, method="L-BFGS-B",
                                  options={"gtol": _validate.real(gtol, "gtol", low=0.0, low_open=True), "ftol": 1e-15,
                                           "maxiter": _validate.integer(max_iter, "max_iter", low=1)})
    value, grad = dual(out.x)  # the policy and gradient at the answer itself
    norm = float(np.abs(grad).max())
    with np.errstate(over="ignore"):
        log_likelihood = -value / dual.alpha
    if not np.isfinite(log_likelihood):
        raise ValueError(f"alpha={dual.alpha:g} is too small: the log-likelihood g / alpha overflows float64")
    return IRLResult(theta=np.array(out.x), reward=np.einsum("sak,k->sa", dual.phi, out.x), policy=np.array(dual.policy),
                     log_likelihood=float(log_likelihood), gradient_norm=norm, iterations=int(out.nit), converged=norm <= gtol)


def _expert_counts_of(mdp: TabularMDP, expert: ArrayLike | list, horizon: int | None) -> NDArray:
    """Discounted visit counts from an occupancy (un-normalised as :func:`occupancy` normalised it) or trajectories."""
    if isinstance(expert, (list, tuple)):
        return expert_counts(mdp, expert, name="expert")
    d = _validate.array(expert, "expert", shape=(mdp.n_states, mdp.n_actions))
    if (d < 0).any() or d.sum() > 1.0 + 1e-9:
        raise ValueError(f"expert occupancy must be non-negative and sum to at most 1; got a sum of {d.sum():.6g}")
    g = mdp.gamma
    if horizon is not None:
        return d * (horizon if g == 1.0 else (1 - g ** horizon) / (1 - g))
    if g == 1.0:
        raise ValueError("with gamma = 1 pass the expert as trajectories or visit counts' occupancy with a horizon")
    return d / (1.0 - g)


def expert_counts(mdp: TabularMDP, trajectories: Sequence[ArrayLike],
                  name: str = "trajectories") -> NDArray[np.float64]:
    r"""Empirical discounted visit counts :math:`\frac1N \sum_i \sum_t \gamma^t 1[s^i_t = s, a^i_t = a]`.

    >>> from discrete_softq import random_mdp
    >>> expert_counts(random_mdp(2, 2, gamma=0.5, seed=0), [[(0, 1), (1, 0)]])
    array([[0. , 1. ],
           [0.5, 0. ]])
    """
    mdp = check_mdp(mdp)
    if not trajectories:
        raise ValueError(f"{name} must hold at least one trajectory")
    counts = np.zeros((mdp.n_states, mdp.n_actions))
    for i, trajectory in enumerate(trajectories):
        steps = _validate.array(trajectory, f"{name}[{i}]", dtype=None)
        if steps.ndim != 2 or steps.shape[1] != 2 or steps.dtype.kind not in "iu":
            raise ValueError(f"{name}[{i}] must be an (n, 2) integer array of (state, action); got {steps.shape}")
        if steps.size and (steps.min() < 0 or steps[:, 0].max() >= mdp.n_states or steps[:, 1].max() >= mdp.n_actions):
            raise ValueError(f"{name}[{i}] has a state or action out of range")
        np.add.at(counts, (steps[:, 0], steps[:, 1]), mdp.gamma ** np.arange(len(steps)))
    return counts / len(trajectories)


def sample_trajectories(mdp: TabularMDP, policy: ArrayLike, n: int, max_steps: int,
                        seed: int | np.random.Generator | None = None) -> list[NDArray[np.int64]]:
    """``n`` trajectories of ``policy`` in the model, each ``(T, 2)`` ``(state, action)`` rows, ending at a
    terminal state or after ``max_steps`` steps.

    >>> from discrete_softq import random_mdp
    >>> [t.shape for t in sample_trajectories(random_mdp(3, 2, seed=0), [0.5, 0.5], n=2, max_steps=4, seed=0)]
    [(4, 2), (4, 2)]
    """
    mdp = check_mdp(mdp)
    pi = check_policy(policy, mdp.n_states, mdp.n_actions)
    rng = _validate.generator(seed)
    n, T = _validate.integer(n, "n", low=1), _validate.integer(max_steps, "max_steps", low=1)
    S, A = mdp.n_states, mdp.n_actions
    P = mdp.transition_matrix
    states = _inverse_cdf(np.broadcast_to(mdp.initial, (n, S)), rng.random(n))
    steps = np.full((n, T, 2), -1, dtype=np.int64)
    alive = ~mdp.terminal[states]
    for t in range(T):  # all trajectories at once: one uniform per action and per move
        if not alive.any():
            break
        actions = _inverse_cdf(pi[states], rng.random(n))
        steps[alive, t] = np.stack([states, actions], axis=1)[alive]
        rows = P[states * A + actions]
        rows = rows.toarray() if hasattr(rows, "toarray") else np.asarray(rows)
        states = np.where(alive, _inverse_cdf(rows, rng.random(n)), states)
        alive &= ~mdp.terminal[states]
    return [trajectory[trajectory[:, 0] >= 0] for trajectory in steps]


def _inverse_cdf(probabilities: NDArray, u: NDArray) -> NDArray[np.int64]:
    """One draw per row of ``probabilities`` (n, m) from the uniforms ``u`` (n,)."""
    cdf = np.cumsum(probabilities, axis=1)
    return np.minimum((u[:, None] * cdf[:, -1:] >= cdf).sum(axis=1), probabilities.shape[1] - 1)
