"""Learning from any behaviour (issue 14): soft Q-learning is off-policy; its Boltzmann behaviour can lock in.

The oracle is the exact soft Q* of soft Q-iteration on the environment's own model (and the
hard Q* of value iteration for BoltzmannQLearning).
"""

import numpy as np
import pytest

from discrete_softq import soft_q_iteration, value_iteration
from discrete_softq.agents import BoltzmannQLearning, SoftQLearning, run_batched, train
from discrete_softq.envs import GridWorld

#: The 3 x 4 layout of issue 14; episodes truncated at 50 steps.
LAYOUT = ["S..#", ".#..", "...G"]


def relative_error(Q, exact, live):
    return float(np.abs(Q - exact)[live].max() / np.abs(exact[live]).max())


def test_off_policy_soft_q_learning_reaches_soft_q_star_where_on_policy_locks_in():
    """Shannon bonus, alpha 0.5, gamma 0.95, lr 0.1: from uniform behaviour (a fixed uniform policy, or
    behaviour=1.0) the soft TD target reaches the exact soft Q* within 1% after 50,000 steps, while the
    on-policy agent stays off by more than half of max |Q*| (the start's self-loop actions, rewarded by
    the entropy bonus, crowd out the others, which are then almost never tried)."""
    env = GridWorld(LAYOUT, max_steps=50, gamma=0.95)
    mdp = env.to_mdp()
    exact = soft_q_iteration(mdp, 0.5, tol=1e-10).Q
    live = ~mdp.terminal
    agents = [SoftQLearning(12, 4, alpha=0.5, gamma=0.95, lr=0.1, behaviour=b, seed=k)
              for k, b in enumerate([np.full(4, 0.25), 1.0, None])]
    run_batched(env, agents, 50_000, seeds=[0, 1, 2])
    uniform, mixed, on_policy = (relative_error(a.Q, exact, live) for a in agents)
    assert uniform <= 0.01 and mixed <= 0.01
    assert on_policy > 0.5


def test_behaviour_policy_is_what_the_agent_samples():
    """act() draws from behaviour_policy(): a fixed policy exactly, and (1 - e) pi + e / A when mixing."""
    fixed = SoftQLearning(1, 3, alpha=0.5, behaviour=[0.2, 0.0, 0.8], seed=0)
    counts = np.bincount([fixed.act(0) for _ in range(20_000)], minlength=3)
    assert counts[1] == 0 and abs(counts[0] / 20_000 - 0.2) < 4 * np.sqrt(0.16 / 20_000)
    mixed = SoftQLearning(1, 2, alpha=0.1, behaviour=0.5, seed=1)
    mixed.Q[0] = [0.0, 5.0]                      # Boltzmann puts ~1 on action 1
    p = mixed.behaviour_policy()[0]
    assert p[0] == pytest.approx(0.25, abs=1e-12)
    counts = np.bincount([mixed.act(0) for _ in range(20_000)], minlength=2)
    assert abs(counts[0] / 20_000 - p[0]) < 4 * np.sqrt(p[0] * (1 - p[0]) / 20_000)


@pytest.mark.parametrize("behaviour, error", [(1.5, ValueError), ("uniform", TypeError), ([0.5, 0.6], ValueError),
                                              (np.full((3, 2), 0.5), ValueError), (True, TypeError)])
def test_bad_behaviour_is_refused(behaviour, error):
    """behaviour must be None, a share in [0, 1], or a policy of shape (A,) or (S, A) (rows summing to 1)."""
    with pytest.raises(error, match="behaviour"):
        SoftQLearning(2, 2, behaviour=behaviour)


def test_boltzmann_q_learning_reaches_hard_q_star():
    """BoltzmannQLearning's target is the hard max: with a hot softmax behaviour it reaches value
    iteration's Q* (not the soft one) on a 2 x 3 room."""
    env = GridWorld(["S.G", "..."], max_steps=10, gamma=0.8, step_reward=-0.1)
    mdp = env.to_mdp()
    exact = value_iteration(mdp, tol=1e-10).Q
    agent = BoltzmannQLearning(6, 4, temperature=5.0, gamma=0.8, lr=0.5, seed=3)
    train(env, agent, n_steps=5_000, seed=3)
    assert relative_error(agent.Q, exact, ~mdp.terminal) <= 0.01
    soft = soft_q_iteration(mdp, 5.0).Q
    assert relative_error(agent.Q, soft, ~mdp.terminal) > 0.5


def test_boltzmann_q_learning_acts_by_the_softmax_of_q():
    """act() samples softmax(Q / temperature); the temperature may be a schedule over updates."""
    agent = BoltzmannQLearning(1, 3, temperature=0.5, seed=4)
    agent.Q[0] = [0.0, 0.3, -0.4]
    p = np.exp(agent.Q[0] / 0.5) / np.exp(agent.Q[0] / 0.5).sum()
    counts = np.bincount([agent.act(0) for _ in range(20_000)], minlength=3)
    assert np.allclose(agent.policy()[0], p)
    assert np.all(np.abs(counts / 20_000 - p) <= 4 * np.sqrt(p * (1 - p) / 20_000))
    with pytest.raises(ValueError, match="temperature"):
        BoltzmannQLearning(2, 2, temperature=-1.0)
