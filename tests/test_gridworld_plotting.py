"""Gridworld figures: each helper draws on the given axes, returns its artists and checks shapes."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from discrete_softq import soft_q_iteration  # noqa: E402
from discrete_softq.envs import GridWorld  # noqa: E402
from discrete_softq.plotting.gridworld import (  # noqa: E402
    plot_layout,
    plot_policy_arrows,
    plot_policy_entropy,
    plot_values,
    plot_visitation,
)


@pytest.fixture
def solved():
    env = GridWorld("two_routes_blocked")
    sol = soft_q_iteration(env.to_mdp(), alpha=0.02)
    fig, ax = plt.subplots()
    yield env, sol, ax
    plt.close(fig)


def test_layout_labels_start_and_goal(solved):
    """plot_layout writes S at the start cell and G at the goal, and titles the axes."""
    env, _, ax = solved
    artists = plot_layout(ax, env.layout)
    texts = {(a.get_text(), a.get_position()) for a in artists if hasattr(a, "get_text")}
    (r, c) = env.layout.start
    assert ("S", (c, r)) in texts and any(t == "G" for t, _ in texts)
    assert ax.get_title() and ax.get_xlabel() == "column"


def test_values_image_holds_the_values_with_walls_masked(solved):
    """plot_values shows V reshaped to the grid; wall cells are masked out."""
    env, sol, ax = solved
    im = plot_values(ax, sol.V, env.layout)[0]
    data = im.get_array()
    np.testing.assert_array_equal(data.mask, env.layout.walls)
    np.testing.assert_allclose(data.data[~env.layout.walls], sol.V.reshape(env.layout.shape)[~env.layout.walls])


def test_policy_arrows_have_length_proportional_to_probability(solved):
    """Each drawn arrow's length is 0.45 * pi(a|s); arrows below min_prob are left out."""
    env, sol, ax = solved
    artists = plot_policy_arrows(ax, sol.policy, env.layout, min_prob=0.1, show_probs=True)
    quiver = next(a for a in artists if type(a).__name__ == "Quiver")
    lengths = np.hypot(quiver.U, quiver.V) / 0.45
    free = ~(env.layout.walls | env.layout.terminal).ravel()
    expected = np.sort(sol.policy[free][sol.policy[free] >= 0.1])
    np.testing.assert_allclose(np.sort(lengths), expected)
    assert "arrow length" in ax.get_xlabel()  # the key to reading the arrows


def test_entropy_map_is_bounded_by_log4(solved):
    """plot_policy_entropy colours entropies on [0, log 4]."""
    env, sol, ax = solved
    im = plot_policy_entropy(ax, sol.policy, env.layout)[0]
    assert im.get_clim() == (0.0, np.log(4))
    assert np.nanmax(im.get_array()) <= np.log(4) + 1e-12


def test_visitation_accepts_counts_and_rejects_bad_shapes(solved):
    """plot_visitation draws bincounts; a wrongly shaped array raises ValueError naming counts."""
    env, _, ax = solved
    counts = np.bincount([env.start_state()] * 5 + [1 * env.n_cols + 1], minlength=env.n_states)
    assert plot_visitation(ax, counts, env.layout)
    with pytest.raises(ValueError, match="counts"):
        plot_visitation(ax, counts[:-1], env.layout)
    with pytest.raises(ValueError, match="policy"):
        plot_policy_arrows(ax, np.ones((env.n_states, 3)) / 3, env.layout)
