"""MultiGoalEnv: the paper's multi-goal point mass (Haarnoja et al. 2017, Figure 1)."""

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from discrete_softq.envs.multigoal import GOALS, MultiGoalEnv

ENV_ID = "discrete_softq/MultiGoal-v0"


def _make(**kwargs):
    import discrete_softq.envs  # noqa: F401  (registers the ids once envs/__init__.py exists)

    if ENV_ID not in gym.registry:  # not registered yet: register locally, same entry point
        gym.register(ENV_ID, entry_point="discrete_softq.envs.multigoal:MultiGoalEnv")
    return gym.make(ENV_ID, **kwargs)


def test_check_env_is_clean():
    """Gymnasium's env checker accepts the environment, rendering included."""
    check_env(_make(render_mode="rgb_array").unwrapped, skip_render_check=False)


def test_registered_id_builds_the_env():
    """``gymnasium.make("discrete_softq/MultiGoal-v0")`` builds a MultiGoalEnv."""
    assert isinstance(_make().unwrapped, MultiGoalEnv)


def test_same_seed_same_episode():
    """Two resets with the same seed and the same actions give identical trajectories."""
    actions = np.random.default_rng(0).uniform(-1, 1, size=(10, 2))
    runs = []
    for _ in range(2):
        env = MultiGoalEnv()
        obs, _ = env.reset(seed=42)
        runs.append([obs] + [env.step(a)[0] for a in actions])
    np.testing.assert_array_equal(runs[0], runs[1])


def test_start_is_origin_plus_small_noise():
    """Starts are 0.1 N(0, I): mean near 0 and standard deviation near 0.1 per axis."""
    env = MultiGoalEnv()
    starts = np.array([env.reset(seed=s)[0] for s in range(400)])
    assert np.all(np.abs(starts.mean(axis=0)) < 0.02)
    assert np.all(np.abs(starts.std(axis=0) - 0.1) < 0.015)


def test_reward_formula_and_clipped_dynamics():
    """s' = clip(s + clip(a), -7, 7) and r = -(30 |a|^2 + min_g |s' - g|^2), by hand."""
    env = MultiGoalEnv()
    env.reset(seed=0, options={"position": [2.0, 1.0]})
    obs, reward, terminated, truncated, info = env.step([3.0, -0.5])   # a clipped to (1, -0.5)
    np.testing.assert_allclose(obs, [3.0, 0.5])
    expected = -(30 * (1.0 + 0.25) + ((3 - 5) ** 2 + 0.5**2))
    assert reward == pytest.approx(expected)
    assert not terminated and not truncated and info["goal"] == -1


def test_position_is_clipped_to_the_box():
    """The point never leaves [-7, 7]^2."""
    env = MultiGoalEnv()
    env.reset(seed=0, options={"position": [6.8, -6.9]})
    obs = env.step([1.0, -1.0])[0]
    np.testing.assert_allclose(obs, [7.0, -7.0])


@pytest.mark.parametrize("goal", range(4))
def test_reaching_a_goal_pays_the_bonus_and_terminates(goal):
    """Ending within distance 1 of goal g gives +10 on top of the costs and terminates with info goal g."""
    env = MultiGoalEnv()
    g = GOALS[goal]
    env.reset(seed=0, options={"position": g * 0.8})         # 1 away from the goal along the axis
    a = 0.5 * g / np.linalg.norm(g)
    _, reward, terminated, _, info = env.step(a)
    assert terminated and info["goal"] == goal
    assert reward == pytest.approx(-(30 * 0.25 + 0.25) + 10.0)


def test_truncates_after_30_steps():
    """Standing still (a = 0) is truncated at step 30, never terminated."""
    env = MultiGoalEnv()
    env.reset(seed=1)
    flags = [env.step([0.0, 0.0])[2:4] for _ in range(30)]
    assert all(not term for term, _ in flags)
    assert [trunc for _, trunc in flags] == [False] * 29 + [True]


def test_coefficients_are_constructor_arguments():
    """Setting action_cost_coeff=0, distance_cost_coeff=0 leaves only the goal bonus."""
    env = MultiGoalEnv(action_cost_coeff=0.0, distance_cost_coeff=0.0, goal_reward=3.0)
    env.reset(seed=0, options={"position": [0.0, 0.0]})
    assert env.step([1.0, 1.0])[1] == 0.0
    env.reset(seed=0, options={"position": [4.5, 0.0]})
    assert env.step([0.1, 0.0])[1] == 3.0


def test_render_shows_goals_and_point():
    """rgb_array renders a uint8 (H, W, 3) image that changes when the point moves."""
    env = MultiGoalEnv(render_mode="rgb_array")
    env.reset(seed=0)
    before = env.render()
    env.step([1.0, 1.0])
    after = env.render()
    assert before.dtype == np.uint8 and before.ndim == 3 and before.shape[2] == 3
    assert np.any(before != after)


@pytest.mark.parametrize(
    "kwargs, name",
    [({"action_cost_coeff": -1.0}, "action_cost_coeff"), ({"goal_threshold": 0.0}, "goal_threshold"),
     ({"goals": [[1.0, 2.0, 3.0]]}, "goals"), ({"max_episode_steps": 0}, "max_episode_steps"),
     ({"render_mode": "human"}, "render_mode")],
)
def test_bad_arguments_raise_and_name_the_parameter(kwargs, name):
    """Invalid constructor arguments raise ValueError naming the parameter."""
    with pytest.raises(ValueError, match=name):
        MultiGoalEnv(**kwargs)


def test_bad_action_raises():
    """An action of the wrong size raises ValueError naming ``action``."""
    env = MultiGoalEnv()
    env.reset(seed=0)
    with pytest.raises(ValueError, match="action"):
        env.step([1.0, 0.0, 0.0])


# ---------------------------------------------------------------------- dynamics noise
#: An episode of the noiseless environment recorded before ``dynamics_noise`` existed:
#: reset(seed=3), then actions uniform on [-1.5, 1.5]^2 from default_rng(1) (clipped by the env).
PINNED_PATH = [[0.20409191213851827, -0.2555665031314182], [0.23955678623928842, 0.7444334968685817],
               [-0.7604432137607116, 1.7444334968685817], [-1.3249488577292552, 1.5144128437863087],
               [-0.3418410762679298, 1.2420102528937924], [-0.19306001324875144, 0.2420102528937924],
               [0.5674793127756681, 0.35644019255162696]]


def _path(seed, n_steps=6, **kwargs):
    env = MultiGoalEnv(**kwargs)
    obs, _ = env.reset(seed=seed)
    actions = np.random.default_rng(1).uniform(-1.5, 1.5, size=(n_steps, 2))
    return np.array([obs] + [env.step(a)[0] for a in actions])


def test_zero_dynamics_noise_is_bit_identical_to_the_noiseless_env():
    """dynamics_noise=0.0 (and the default) reproduce, bit for bit, an episode pinned before the noise existed."""
    np.testing.assert_array_equal(_path(3, dynamics_noise=0.0), PINNED_PATH)
    np.testing.assert_array_equal(_path(3), PINNED_PATH)


def test_dynamics_noise_is_reproducible_per_seed():
    """With dynamics_noise > 0 the same reset seed gives the same episode; another seed a different one."""
    np.testing.assert_array_equal(_path(3, dynamics_noise=0.2), _path(3, dynamics_noise=0.2))
    assert not np.allclose(_path(3, dynamics_noise=0.2)[1:], _path(4, dynamics_noise=0.2)[1:])


def test_dynamics_noise_changes_the_steps_but_not_the_start():
    """Noise leaves s_0 as it was (same stream for the start) and moves every later position."""
    noisy, clean = _path(3, dynamics_noise=0.2), np.array(PINNED_PATH)
    np.testing.assert_array_equal(noisy[0], clean[0])
    assert np.all(np.any(noisy[1:] != clean[1:], axis=1))


def test_dynamics_noise_is_gaussian_with_that_standard_deviation():
    """From the origin with a = 0, s' = sigma * N(0, I): 2000 steps give mean ~0 and std ~sigma per axis."""
    sigma = 0.3
    env = MultiGoalEnv(dynamics_noise=sigma)
    env.reset(seed=0)
    steps = []
    for _ in range(2000):
        env.reset(options={"position": [0.0, 0.0]})
        steps.append(env.step([0.0, 0.0])[0])
    steps = np.array(steps)
    assert np.all(np.abs(steps.mean(axis=0)) < 4 * sigma / np.sqrt(2000))
    np.testing.assert_allclose(steps.std(axis=0), sigma, rtol=0.06)


def test_dynamics_noise_never_touches_the_global_rng():
    """The noise comes from env.np_random: numpy's global random state is unchanged by a noisy episode."""
    state = np.random.get_state()[1].copy()
    _path(5, dynamics_noise=0.5)
    np.testing.assert_array_equal(np.random.get_state()[1], state)


def test_noisy_positions_stay_in_the_box():
    """Large dynamics noise is clipped like the action: the point never leaves [-bound, bound]^2."""
    path = _path(0, n_steps=50, dynamics_noise=5.0)
    assert np.all(np.abs(path) <= 7.0)


def test_noisy_env_passes_the_checker_and_is_made_by_id():
    """gymnasium.make(id, dynamics_noise=0.1) builds the noisy env, and check_env (determinism under a seed
    included) accepts it."""
    env = _make(dynamics_noise=0.1)
    assert env.unwrapped.dynamics_noise == 0.1
    check_env(env.unwrapped)
