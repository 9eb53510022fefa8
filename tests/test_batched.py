"""The batched runner does, for many agents at once, exactly what the per-environment loop does.

Agent ``i`` of a batch uses its own generator in the same order as ``train`` would, and the
environment's generator is seeded as ``env.reset(seed=seeds[i])`` seeds it, so the claims here
are *equalities*, not statistical agreement: same rewards, same episode ends, same Q-tables.
"""

import numpy as np
import pytest

from discrete_softq.agents import (BoltzmannQLearning, DynaQ, ExponentialDecay, InverseCount, QLearning, SoftDynaQ,
                                   SoftQLearning, run_batched, train)
from discrete_softq.envs import GridWorld, WallChange

S = 14 * 9  # cells of two_routes


def env_with_change(slip=0.0, at_episode=None):
    change = (WallChange(at_episode=at_episode, layout="two_routes_blocked") if at_episode is not None
              else WallChange(at_step=250, layout="two_routes_blocked"))
    return GridWorld("two_routes", changes=[change], max_steps=40, slip=slip, step_reward=-0.01)


def ALPHA(t):
    """A user's temperature schedule (a plain callable, checked when used)."""
    return 0.05 + 0.5 / (1.0 + np.asarray(t))


def LR(n):
    """A user's step-size schedule, shared by the agents of a batch."""
    return 1.0 / np.sqrt(n)


MAKERS = {
    "soft": lambda seed: SoftQLearning(S, 4, alpha=0.05, lr=0.5, seed=seed),
    "soft-prior-1/n": lambda seed: SoftQLearning(S, 4, alpha=0.05, lr="1/n", prior=np.full(4, 0.25), seed=seed),
    "q": lambda seed: QLearning(S, 4, epsilon=0.1, lr=0.5, seed=seed),
    "dyna-q+": lambda seed: DynaQ(S, 4, epsilon=0.1, lr=0.5, n_planning=3, kappa=1e-3, seed=seed),
    "soft-dyna": lambda seed: SoftDynaQ(S, 4, alpha=0.05, lr=InverseCount(0.8), n_planning=3, seed=seed),
    "boltzmann-q": lambda seed: BoltzmannQLearning(S, 4, temperature=0.05, lr=0.5, seed=seed),
    "boltzmann-q-annealed": lambda seed: BoltzmannQLearning(S, 4, temperature=ExponentialDecay(0.5, 0.01, 0.99),
                                                            lr=0.5, seed=seed),
    "soft-uniform-behaviour": lambda seed: SoftQLearning(S, 4, alpha=0.05, lr=0.5, behaviour=np.full(4, 0.25),
                                                         seed=seed),
    "soft-mixed-behaviour": lambda seed: SoftQLearning(S, 4, alpha=0.05, lr=0.5, behaviour=0.2, seed=seed),
    "soft-callable-schedules": lambda seed: SoftQLearning(S, 4, alpha=ALPHA, lr=LR, seed=seed),
}


def assert_same_runs(env, make, n_steps, seeds):
    singles = [make(k) for k in range(len(seeds))]
    hists = [train(env, a, n_steps=n_steps, seed=s) for a, s in zip(singles, seeds)]
    batch = [make(k) for k in range(len(seeds))]
    bh = run_batched(env, batch, n_steps, seeds=seeds)
    for i, (h, a) in enumerate(zip(hists, singles)):
        b = bh.history(i)
        assert np.array_equal(h.step_rewards, b.step_rewards)
        assert np.array_equal(h.episode_end_steps, b.episode_end_steps)
        assert np.array_equal(h.episode_terminated, b.episode_terminated)
        assert np.array_equal(a.Q, batch[i].Q)


@pytest.mark.parametrize("kind", list(MAKERS))
def test_batched_runs_equal_per_env_runs(kind):
    """Same seeds -> identical trajectories and Q-tables, across a mid-run wall change and truncations."""
    assert_same_runs(env_with_change(), MAKERS[kind], 600, seeds=[0, 1, 2])


def test_batched_equals_per_env_with_slip():
    """With slippery moves the environment's generator is reproduced too (gymnasium's reset(seed) seeding)."""
    assert_same_runs(env_with_change(slip=0.2), MAKERS["soft"], 400, seeds=[3, 4])


def test_batched_equals_per_env_with_episode_triggered_change():
    """A change at an episode index lands per agent (each at its own step), as in the environment."""
    assert_same_runs(env_with_change(at_episode=3), MAKERS["q"], 400, seeds=[5, 6, 7])


def test_agents_with_different_hyperparameters_share_a_batch():
    """Per-agent temperatures in one batch give the same runs as separate training."""
    alphas = [0.02, 0.2, 0.02]
    make = lambda k: SoftQLearning(S, 4, alpha=alphas[k], lr=0.5, seed=k)  # noqa: E731
    assert_same_runs(env_with_change(), make, 300, seeds=[0, 1, 2])


def test_agents_with_different_behaviours_share_a_batch():
    """On-policy, epsilon-mixed and fixed-behaviour soft agents in one batch give their separate runs."""
    behaviours = [None, 0.3, np.full(4, 0.25), 1.0]
    make = lambda k: SoftQLearning(S, 4, alpha=0.05, lr=0.5, behaviour=behaviours[k], seed=k)  # noqa: E731
    assert_same_runs(env_with_change(), make, 300, seeds=[0, 1, 2, 3])


def test_snapshots_are_the_q_tables_at_those_steps():
    """Q_snapshots[:, k] equals the Q-table of an agent trained for snapshot_steps[k] steps."""
    env = env_with_change()
    bh = run_batched(env, [MAKERS["q"](k) for k in range(2)], 300, snapshot_steps=[100, 250])
    for k, steps in enumerate([100, 250]):
        agent = MAKERS["q"](1)
        train(env, agent, n_steps=steps)
        assert np.array_equal(bh.Q_snapshots[1, k], agent.Q)


def test_state_visits_count_every_step_once():
    """The visitation windows partition the run: their counts add up to n_steps per agent."""
    bh = run_batched(env_with_change(), [MAKERS["soft"](k) for k in range(3)], 300, snapshot_steps=[100])
    assert np.all(bh.state_visits.sum(axis=(1, 2)) == 300)


def test_mixed_agent_classes_are_rejected():
    """One batch holds one agent class (the kernels differ), else TypeError naming agents."""
    with pytest.raises(TypeError, match="agents"):
        run_batched(env_with_change(), [MAKERS["q"](0), MAKERS["soft"](1)], 10)


def test_agents_of_the_wrong_size_are_rejected():
    """Agents must have the environment's number of states and actions."""
    with pytest.raises(ValueError, match="n_states"):
        run_batched(env_with_change(), [QLearning(5, 4)], 10)


def test_registered_environment_through_gymnasium_make():
    """The runner reads the model through gymnasium's wrappers (env.unwrapped): same runs as train()."""
    import gymnasium as gym

    import discrete_softq.envs  # noqa: F401  (registers the ids)

    env = gym.make("discrete_softq/TwoRoutes-v0", step_reward=-0.01)
    assert_same_runs(env, MAKERS["q"], 300, seeds=[0, 1])
