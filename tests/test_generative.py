"""learn_from_model: the agents' own TD rules on i.i.d. uniform pairs of a model, checked against the exact solvers.

The claim of the material: the soft Q update may draw its states and actions from arbitrary
distributions ``q_s, q_a``; with every pair drawn, soft Q-learning's fixed point is the exact
soft Q* (and Q-learning's the hard Q*).
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from discrete_softq import TabularMDP, soft_q_iteration, value_iteration
from discrete_softq.agents import DynaQ, QLearning, RescaledLinear, SoftQLearning, train
from discrete_softq.agents.generative import learn_from_model
from discrete_softq.envs import from_gymnasium
from discrete_softq.experiments.offpolicy import relative_error
from discrete_softq.mdp_builders import random_mdp
from discrete_softq.reference import soft_q_iteration as reference_soft_q_iteration


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_soft_q_learning_from_the_model_reaches_the_reference_soft_q_star(seed):
    """Random sparse MDPs (branching 3, Dirichlet transitions, gamma 0.6, alpha 0.7): 60,000 uniform pairs bring
    every one of 3 agents within 3% of max|Q*| of the textbook solver's soft Q* (the draw of successors, the
    rewards and the soft target must all be right for that)."""
    mdp = random_mdp(6, 3, gamma=0.6, branching=3, seed=seed)
    exact = reference_soft_q_iteration(mdp, 0.7, tol=1e-12).Q
    agents = [SoftQLearning(6, 3, alpha=0.7, gamma=0.6, lr=RescaledLinear(0.6), seed=k) for k in range(3)]
    Q = learn_from_model(mdp, agents, 60_000, seed=seed, snapshot_steps=[0, 60_000])
    live = ~mdp.terminal
    assert np.all(relative_error(Q[:, 0], exact, live) == 1.0)      # snapshot 0 is the initial table (zeros)
    assert relative_error(Q[:, 1], exact, live).max() < 0.03
    assert np.array_equal(Q[:, 1], np.stack([a.Q for a in agents]))  # the agents were updated in place


def test_q_learning_from_the_model_reaches_the_hard_q_star():
    """The same sampler with Q-learning's hard max target lands on value iteration's Q*, not on the soft one."""
    mdp = random_mdp(5, 2, gamma=0.5, branching=2, seed=3)
    hard, soft = value_iteration(mdp, tol=1e-12).Q, soft_q_iteration(mdp, 1.0, tol=1e-12).Q
    agents = [QLearning(5, 2, gamma=0.5, lr=RescaledLinear(0.5), seed=k) for k in range(2)]
    Q = learn_from_model(mdp, agents, 40_000, seed=0, snapshot_steps=[40_000])[:, -1]
    assert np.abs(Q - hard).max() < 0.03 * np.abs(hard).max() < np.abs(Q - soft).max()


def test_pairs_are_uniform_over_the_live_pairs_and_terminal_states_never_drawn():
    """Visit counts of FrozenLake's 44 live pairs after 88,000 samples: none of the terminal states' pairs, and
    a chi-square statistic of the counts below its 99.9% quantile (a biased draw of pairs fails this)."""
    mdp = from_gymnasium(gym.make("FrozenLake-v1"), gamma=0.9)
    agent = SoftQLearning(16, 4, alpha=1.0, gamma=0.9, lr=0.1, seed=0)
    learn_from_model(mdp, [agent], 88_000, seed=4)
    live = ~mdp.terminal
    counts = agent.visits[live].ravel()
    assert agent.visits[~live].sum() == 0 and counts.sum() == 88_000 and agent.n_updates == 88_000
    expected = 88_000 / counts.size
    assert ((counts - expected) ** 2 / expected).sum() < 79.1       # chi2(43).ppf(0.999) = 79.08


def test_an_agents_run_does_not_depend_on_the_other_agents():
    """Agent i draws from child i of SeedSequence(seed): alone or among others, the same Q bit for bit."""
    mdp = random_mdp(4, 2, gamma=0.5, seed=0)
    make = lambda: SoftQLearning(4, 2, alpha=1.0, gamma=0.5, lr=0.2, seed=0)  # noqa: E731
    alone, crowd = make(), [make(), make(), make()]
    learn_from_model(mdp, [alone], 3_000, seed=7)
    learn_from_model(mdp, crowd, 3_000, seed=7)
    assert np.array_equal(alone.Q, crowd[0].Q) and not np.array_equal(crowd[0].Q, crowd[1].Q)


def test_uniform_pairs_beat_uniform_trajectories_on_frozen_lake():
    """FrozenLake (alpha 0.5, gamma 0.95): with the same 20,000 transitions and step size, uniform pairs from the
    model are closer to the exact soft Q*, by more than a third, than uniform-policy trajectories of the real environment, on each of
    3 seeds: the trajectories reach the cells next to the goal rarely (their least-visited pair has far fewer
    visits)."""
    env = gym.make("FrozenLake-v1")
    mdp = from_gymnasium(env, gamma=0.95)
    exact, live = soft_q_iteration(mdp, 0.5, tol=1e-10).Q, ~mdp.terminal
    for seed in range(3):
        model_agent, walker = (SoftQLearning(16, 4, alpha=0.5, gamma=0.95, lr=RescaledLinear(0.95),
                                             behaviour=np.full(4, 0.25), seed=seed) for _ in range(2))
        learn_from_model(mdp, [model_agent], 20_000, seed=seed)
        train(env, walker, n_steps=20_000, seed=seed)
        assert relative_error(model_agent.Q, exact, live) < 0.6 * relative_error(walker.Q, exact, live)
        assert model_agent.visits[live].min() > 5 * walker.visits[live].min()


def test_bad_arguments_are_refused_with_their_names():
    """Wrong model, agent class, sizes, duplicates, sample counts and snapshots raise errors naming the argument."""
    mdp = random_mdp(3, 2, seed=0)
    agent = SoftQLearning(3, 2, alpha=1.0)
    with pytest.raises(TypeError, match="mdp"):
        learn_from_model(np.eye(3), [agent], 10)
    with pytest.raises(TypeError, match="agents"):
        learn_from_model(mdp, [DynaQ(3, 2)], 10)
    with pytest.raises(ValueError, match="n_states=3"):
        learn_from_model(mdp, [SoftQLearning(4, 2, alpha=1.0)], 10)
    with pytest.raises(ValueError, match="distinct"):
        learn_from_model(mdp, [agent, agent], 10)
    with pytest.raises(ValueError, match="agents"):
        learn_from_model(mdp, [], 10)
    with pytest.raises(ValueError, match="n_samples"):
        learn_from_model(mdp, [agent], -1)
    with pytest.raises(ValueError, match="snapshot_steps"):
        learn_from_model(mdp, [agent], 10, snapshot_steps=[11])
    with pytest.raises(ValueError, match="sorted"):
        learn_from_model(mdp, [agent], 10, snapshot_steps=[5, 2])
    with pytest.raises(ValueError, match="seed"):
        learn_from_model(mdp, [agent], 10, seed=-1)
    terminal_only = TabularMDP(np.ones((1, 1, 1)), np.zeros((1, 1)), gamma=0.5, terminal=[True])
    with pytest.raises(ValueError, match="no live state"):
        learn_from_model(terminal_only, [SoftQLearning(1, 1, alpha=1.0)], 10)
    assert agent.n_updates == 0                                   # nothing was learnt by the refused calls
