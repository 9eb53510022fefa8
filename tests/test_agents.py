"""The tabular agents and the training loop: each test states one claim about them.

The convergence tests are the bridge between the exact DP of ``discrete_softq.dp`` and learning
from samples: soft Q-learning's fixed point *is* the soft Q* of soft Q-iteration. Try breaking
the agent (e.g. use ``max`` instead of the soft value in ``SoftQLearning._next_value``, or
treat a truncation as a termination in ``train``) and watch which test fails.
"""

import numpy as np
import pytest

from discrete_softq import boltzmann_policy, soft_q_iteration, soft_value, value_iteration
from discrete_softq.agents import (DynaQ, ExponentialDecay, InverseCount, QLearning, SoftDynaQ,
                                   SoftQLearning, train)
from discrete_softq.envs import GridWorld

#: A 2 x 3 room, goal top right; short episodes so that every pair is visited often.
TINY = ["S.G", "..."]


def tiny_env(**kw):
    return GridWorld(TINY, max_steps=10, gamma=0.8, step_reward=-0.1, **kw)


# ---------------------------------------------------------------------- convergence to the exact fixed points
@pytest.mark.parametrize("prior", [None, np.full(4, 0.25)], ids=["shannon", "uniform-prior"])
def test_soft_q_learning_converges_to_soft_q_star(prior):
    """Sampled soft TD updates with Robbins-Monro steps reach soft_q_iteration(env.to_mdp(), alpha).

    Both entropy forms: the Shannon bonus and the KL-to-uniform-prior form. The episodes are
    truncated every 10 steps, so this also checks that the agent bootstraps through truncation.
    """
    env = tiny_env()
    mdp = env.to_mdp()
    exact = soft_q_iteration(mdp, 0.5, prior=prior).Q
    agent = SoftQLearning(mdp.n_states, 4, alpha=0.5, gamma=0.8, lr=InverseCount(power=0.6), prior=prior, seed=1)
    train(env, agent, n_steps=15_000, seed=1)
    live = ~mdp.terminal
    assert np.abs(agent.Q - exact)[live].max() <= 0.02 * np.abs(exact).max()


def test_q_learning_converges_to_hard_q_star():
    """Q-learning is off-policy: with uniformly random behaviour (epsilon = 1) it reaches Q* of value iteration."""
    env = tiny_env()
    mdp = env.to_mdp()
    exact = value_iteration(mdp).Q
    agent = QLearning(mdp.n_states, 4, epsilon=1.0, gamma=0.8, lr=InverseCount(power=0.6), seed=2)
    train(env, agent, n_steps=5_000, seed=2)
    assert np.abs(agent.Q - exact)[~mdp.terminal].max() <= 0.01 * np.abs(exact).max()


# ---------------------------------------------------------------------- one update, by hand
def test_soft_td_target_is_reward_plus_discounted_soft_value():
    """With lr = 1 one update sets Q(s,a) = r + gamma * alpha log sum_a' exp(Q(s',a')/alpha)."""
    agent = SoftQLearning(3, 2, alpha=0.7, gamma=0.9, lr=1.0, seed=0)
    agent.Q[2] = [1.0, -2.0]
    agent.update(0, 1, 0.5, 2, terminated=False)
    assert agent.Q[0, 1] == pytest.approx(0.5 + 0.9 * soft_value([1.0, -2.0], 0.7))


def test_terminated_transition_does_not_bootstrap():
    """After a termination the target is the reward alone: V(s') = 0 whatever Q(s', .) says."""
    agent = SoftQLearning(3, 2, alpha=0.7, gamma=0.9, lr=1.0, seed=0)
    agent.Q[2] = [5.0, 5.0]
    agent.update(0, 1, 0.5, 2, terminated=True)
    assert agent.Q[0, 1] == 0.5


def test_inverse_count_rate_averages_the_targets():
    """lr = "1/n" makes Q(s,a) the sample mean of its targets (a bandit with terminal steps)."""
    rng = np.random.default_rng(0)
    rewards = rng.normal(size=50)
    agent = QLearning(2, 1, lr="1/n", seed=0)
    for r in rewards:
        agent.update(0, 0, r, 1, terminated=True)
    assert agent.Q[0, 0] == pytest.approx(rewards.mean())


def test_temperature_schedule_sets_alpha_by_update_count():
    """An ExponentialDecay temperature is evaluated at the agent's number of updates."""
    schedule = ExponentialDecay(start=1.0, end=0.1, rate=0.5)
    agent = SoftQLearning(2, 2, alpha=schedule, lr=0.5, seed=0)
    for _ in range(3):
        agent.update(0, 0, 0.0, 1, terminated=True)
    assert agent.alpha == pytest.approx(0.1 + 0.9 * 0.5**3)


# ---------------------------------------------------------------------- acting
def test_soft_agent_samples_its_boltzmann_policy():
    """act() draws from pi = exp((Q - V)/alpha): empirical frequencies match within 4 standard errors."""
    agent = SoftQLearning(1, 3, alpha=0.5, seed=3)
    agent.Q[0] = [0.0, 0.3, -0.4]
    n = 20_000
    counts = np.bincount([agent.act(0) for _ in range(n)], minlength=3)
    p = boltzmann_policy(agent.Q, 0.5)[0]
    assert np.all(np.abs(counts / n - p) <= 4 * np.sqrt(p * (1 - p) / n))


def test_epsilon_greedy_frequencies():
    """epsilon-greedy plays the greedy action with probability 1 - epsilon + epsilon / A."""
    agent = QLearning(1, 4, epsilon=0.2, seed=4)
    agent.Q[0] = [0.0, 1.0, 0.5, 0.0]
    n = 20_000
    counts = np.bincount([agent.act(0) for _ in range(n)], minlength=4)
    p = agent.policy()[0]
    assert p[1] == pytest.approx(0.85)
    assert np.all(np.abs(counts / n - p) <= 4 * np.sqrt(p * (1 - p) / n))


def test_epsilon_zero_breaks_ties_uniformly_and_never_explores():
    """With epsilon = 0 only greedy actions are played, and tied greedy actions equally often."""
    agent = QLearning(1, 4, epsilon=0.0, seed=5)
    agent.Q[0] = [1.0, 0.0, 1.0, -1.0]
    counts = np.bincount([agent.act(0) for _ in range(4_000)], minlength=4)
    assert counts[1] == counts[3] == 0
    assert abs(counts[0] - counts[2]) <= 4 * np.sqrt(4_000 * 0.25)


# ---------------------------------------------------------------------- the training loop
class Recorder:
    """A random agent that remembers every update it is given."""

    def __init__(self, seed=0):
        self.rng = np.random.default_rng(seed)
        self.calls = []

    def act(self, state):
        return int(self.rng.integers(4))

    def update(self, s, a, r, s_next, terminated):
        self.calls.append((s, a, r, s_next, terminated))


def test_train_passes_truncation_as_not_terminated():
    """A time-limit truncation reaches the agent as terminated=False (so it bootstraps through it)."""
    env = GridWorld(["S...G"], max_steps=2)
    agent = Recorder()
    hist = train(env, agent, n_episodes=5, seed=0)
    assert not hist.episode_terminated.any()
    assert not any(call[4] for call in agent.calls)


def test_history_is_consistent_with_its_steps():
    """Episode returns, lengths and end steps all agree with the per-step rewards."""
    env = GridWorld(["S.G", "..."], max_steps=6, step_reward=-0.1)
    hist = train(env, Recorder(1), n_steps=300, seed=0)
    assert np.array_equal(hist.episode_end_steps, np.cumsum(hist.episode_lengths))
    csum = np.concatenate([[0.0], hist.cumulative_reward()])
    starts = hist.episode_end_steps - hist.episode_lengths
    assert np.allclose(hist.episode_returns, csum[hist.episode_end_steps] - csum[starts])
    assert hist.n_steps == 300


def test_train_stops_at_the_episode_budget():
    """n_episodes=k ends the run exactly when the k-th episode ends."""
    hist = train(GridWorld(["S.G"], max_steps=5), Recorder(2), n_episodes=7, seed=0)
    assert hist.n_episodes == 7 and hist.episode_end_steps[-1] == hist.n_steps


def test_train_works_on_any_discrete_gymnasium_env():
    """train() needs only reset/step: Q-learning solves gymnasium's non-slippery FrozenLake 4x4
    (its greedy policy then reaches the goal, return 1)."""
    import gymnasium as gym

    env = gym.make("FrozenLake-v1", is_slippery=False)
    agent = QLearning(16, 4, epsilon=0.2, gamma=0.9, lr=0.5, seed=0)
    train(env, agent, n_steps=5_000, seed=0)
    greedy = QLearning(16, 4, epsilon=0.0, lr=0.0, seed=1)
    greedy.Q[...] = agent.Q
    assert train(env, greedy, n_episodes=1, seed=1).episode_returns[0] == 1.0


# ---------------------------------------------------------------------- Dyna
def chain_env():
    return GridWorld(["S.........G"], gamma=0.95)


def test_dyna_with_no_planning_is_its_model_free_agent():
    """n_planning = 0 turns DynaQ into QLearning and SoftDynaQ into SoftQLearning, step for step."""
    for dyna, plain in ((DynaQ(11, 4, epsilon=0.1, lr=0.5, n_planning=0, seed=7),
                         QLearning(11, 4, epsilon=0.1, lr=0.5, seed=7)),
                        (SoftDynaQ(11, 4, alpha=0.1, lr=0.5, n_planning=0, seed=7),
                         SoftQLearning(11, 4, alpha=0.1, lr=0.5, seed=7))):
        h1 = train(chain_env(), dyna, n_steps=400, seed=0)
        h2 = train(chain_env(), plain, n_steps=400, seed=0)
        assert np.array_equal(h1.step_rewards, h2.step_rewards) and np.array_equal(dyna.Q, plain.Q)


def test_planning_spreads_the_goal_value_back_after_two_episodes():
    """Sutton & Barto Fig. 8.3: after two episodes one-step Q-learning has values on 2 states of the
    path; Dyna-Q (50 planning steps) has them on all 10 non-terminal states back to the start."""
    learners = {"q": QLearning(11, 4, epsilon=0.1, lr=0.5, seed=8),
                "dyna": DynaQ(11, 4, epsilon=0.1, lr=0.5, n_planning=50, seed=8)}
    known = {}
    for name, agent in learners.items():
        train(chain_env(), agent, n_episodes=2, seed=0)
        known[name] = int((agent.Q.max(axis=1) > 0).sum())
    assert known["q"] == 2 and known["dyna"] == 10


def test_dyna_q_plus_models_untried_actions_of_visited_states():
    """Dyna-Q+ (kappa > 0) puts all A actions of each visited state in its model; Dyna-Q only tried ones."""
    plus = DynaQ(11, 4, epsilon=0.1, n_planning=5, kappa=0.01, seed=9)
    plain = DynaQ(11, 4, epsilon=0.1, n_planning=5, seed=9)
    train(chain_env(), plus, n_steps=30, seed=0)
    train(chain_env(), plain, n_steps=30, seed=0)
    assert plus.n_model_pairs == 4 * plus.seen_state.sum()
    assert plain.n_model_pairs == plain.known.sum() == (plain.visits > 0).sum()


# ---------------------------------------------------------------------- errors
@pytest.mark.parametrize("make, name", [
    (lambda: SoftQLearning(3, 2, alpha=-1.0), "alpha"),
    (lambda: SoftQLearning(3, 2, lr=1.5), "lr"),
    (lambda: SoftQLearning(3, 2, lr="fast"), "lr"),
    (lambda: SoftQLearning(3, 2, prior=[0.2, 0.2]), "prior"),
    (lambda: QLearning(3, 2, epsilon=2.0), "epsilon"),
    (lambda: QLearning(0, 2), "n_states"),
    (lambda: DynaQ(3, 2, n_planning=-1), "n_planning"),
    (lambda: DynaQ(3, 2, kappa=-0.1), "kappa"),
    (lambda: QLearning(3, 2).act(5), "state"),
    (lambda: train(tiny_env(), QLearning(6, 4)), "n_steps"),
])
def test_bad_input_names_the_parameter(make, name):
    """Invalid hyperparameters and inputs raise ValueError/TypeError naming the culprit."""
    with pytest.raises((ValueError, TypeError), match=name):
        make()
