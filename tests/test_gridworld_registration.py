"""Gymnasium registration of the gridworlds: check_env clean, reproducible, cheap to import."""

from __future__ import annotations

import importlib
import subprocess
import sys
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import discrete_softq.envs as envs

GRID_IDS = ["discrete_softq/TwoRoutes-v0", "discrete_softq/BlockingMaze-v0",
            "discrete_softq/ShortcutMaze-v0", "discrete_softq/OpenRoom-v0", "discrete_softq/CorridorOrRoom-v0"]


@pytest.mark.parametrize("env_id", GRID_IDS)
@pytest.mark.parametrize("slip", [0.0, 0.2])
def test_registered_gridworlds_pass_check_env_without_warnings(env_id, slip):
    """gymnasium's check_env accepts every registered gridworld (warnings count as failures)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(gym.make(env_id, slip=slip).unwrapped, skip_render_check=False)


@pytest.mark.parametrize("env_id", GRID_IDS)
def test_registered_gridworlds_render_both_modes(env_id):
    """Every registered gridworld renders ansi text and an RGB frame."""
    for mode, kind in (("ansi", str), ("rgb_array", np.ndarray)):
        env = gym.make(env_id, render_mode=mode)
        env.reset(seed=0)
        assert isinstance(env.render(), kind)


def test_sutton_barto_schedules_are_the_books():
    """BlockingMaze changes after 1000 steps, ShortcutMaze after 3000, TwoRoutes on a step schedule."""
    assert [c.at_step for c in gym.make("discrete_softq/BlockingMaze-v0").unwrapped.changes] == [1000]
    assert [c.at_step for c in gym.make("discrete_softq/ShortcutMaze-v0").unwrapped.changes] == [3000]
    two = gym.make("discrete_softq/TwoRoutes-v0").unwrapped
    assert two.layouts[1] == envs.parse_layout("two_routes_blocked") and two.changes[0].at_step is not None


def test_every_id_is_registered_and_reimport_does_not_warn():
    """All six ids are registered; reloading the package neither warns nor fails."""
    for env_id in envs.ENV_IDS:
        assert env_id in gym.registry
    assert {"discrete_softq/MultiGoal-v0", "discrete_softq/MiniGrid-WallChange-v0"} <= set(envs.ENV_IDS)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        importlib.reload(envs)


def test_importing_envs_does_not_import_minigrid():
    """Registration uses string entry points: `import discrete_softq.envs` leaves minigrid unloaded."""
    code = "import sys, discrete_softq.envs; print('minigrid' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_corridor_or_room_id_is_the_one_step_entropy_studys_map():
    """gym.make("discrete_softq/CorridorOrRoom-v0") has the exact model of experiments.boltzmann_vs_maxent.make_env()
    (same transitions, rewards and terminal states), so the study can be rerun from the registered id."""
    from discrete_softq.experiments.boltzmann_vs_maxent import make_env

    registered, study = gym.make("discrete_softq/CorridorOrRoom-v0").unwrapped.to_mdp(), make_env().to_mdp()
    assert (registered.transition_matrix != study.transition_matrix).nnz == 0
    assert np.array_equal(registered.rewards, study.rewards) and np.array_equal(registered.terminal, study.terminal)
