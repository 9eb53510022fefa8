r"""What an agent knows about a new map: shortest paths, greedy paths, reach probabilities.

Measure (a) of the maze demo ("knowledge of the alternative at the change") is computed from the
Q-table at the moment of the change, on the *new* map, three ways:

* ``greedy_reaches_goal``: following :math:`\arg\max_a Q(s,a)` (first maximiser) from the start
  reaches a goal. A state whose actions are *all* tied counts as *not knowing* (an untrained row);
* ``route_knowledge``: the share of cells on the new map's shortest routes from which that strict
  greedy path reaches a goal (on ``two_routes``: the lower corridor);
* ``reach_probability``: the probability that the agent's own behaviour policy, started at the
  start cell, reaches a goal within ``horizon`` steps (exact, by propagating the state
  distribution through the map's :meth:`~discrete_softq.envs.GridWorld.to_mdp` model).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..envs import GridTables

__all__ = ["distances_to_goal", "shortest_path_length", "shortest_route_cells", "greedy_path_length",
           "greedy_reaches_goal", "route_knowledge", "reach_probability"]


def distances_to_goal(tables: GridTables, k: int) -> NDArray[np.float64]:
    """Fewest steps from every cell to a goal of map ``k`` (``inf`` if unreachable; 0 at goals).

    >>> from discrete_softq.experiments.maze_setup import make_env
    >>> env = make_env("two_routes", "step", change_step=100)
    >>> tables = GridTables.from_env(env)
    >>> d = distances_to_goal(tables, 0)
    >>> int(d[tables.start[0]]), float(d[tables.goal[0]].max())
    (13, 0.0)
    """
    moves, goal = tables.moves[k], tables.goal[k]
    d = np.where(goal, 0.0, np.inf)
    blocked = tables.terminal[k]
    for _ in range(moves.shape[1]):
        new = np.where(blocked, d, np.minimum(d, 1.0 + d[moves].min(axis=0)))
        if np.array_equal(new, d):
            break
        d = new
    return d


def shortest_path_length(tables: GridTables, k: int) -> int:
    """Length of the shortest path from the start to a goal on map ``k``.

    >>> from discrete_softq.experiments.maze_setup import make_env
    >>> env = make_env("two_routes", "step", change_step=100)
    >>> tables = GridTables.from_env(env)
    >>> shortest_path_length(tables, 0), shortest_path_length(tables, 1)   # before and after the change
    (13, 21)
    """
    return int(distances_to_goal(tables, k)[tables.start[k]])


def shortest_route_cells(tables: GridTables, k: int) -> NDArray[np.intp]:
    """Non-terminal cells lying on some shortest start-to-goal path of map ``k``.

    >>> from discrete_softq.experiments.maze_setup import make_env
    >>> env = make_env("two_routes", "step", change_step=100)
    >>> tables = GridTables.from_env(env)
    >>> int(tables.start[1]) in shortest_route_cells(tables, 1)
    True
    """
    to_goal = distances_to_goal(tables, k)
    moves, S = tables.moves[k], tables.moves.shape[2]
    from_start = np.full(S, np.inf)
    from_start[tables.start[k]] = 0.0
    frontier = [int(tables.start[k])]
    while frontier:
        nxt = []
        for s in frontier:
            for s2 in moves[:, s]:
                if from_start[s2] == np.inf:
                    from_start[s2] = from_start[s] + 1
                    if not tables.terminal[k, s2]:
                        nxt.append(int(s2))
        frontier = nxt
    on = (from_start + to_goal == to_goal[tables.start[k]]) & ~tables.terminal[k]
    return np.flatnonzero(on)


def _strict_greedy(Q: NDArray) -> NDArray[np.intp]:
    """First maximiser per state, ``-1`` where all actions are tied (a row that says nothing)."""
    best = Q.argmax(axis=1)
    flat = (Q == Q.max(axis=1, keepdims=True)).all(axis=1)
    return np.where(flat, -1, best)


def greedy_path_length(Q: NDArray, tables: GridTables, k: int, start: int | None = None) -> float:
    """Steps the strict greedy path of ``Q`` takes from ``start`` to a goal of map ``k`` (``inf`` if it never does).

    >>> from discrete_softq.experiments.maze_setup import make_env
    >>> env = make_env("two_routes", "step", change_step=100)
    >>> tables = GridTables.from_env(env)
    >>> from discrete_softq import value_iteration
    >>> greedy_path_length(value_iteration(env.to_mdp(layout=1)).Q, tables, 1)
    21.0
    >>> greedy_path_length(np.zeros((env.n_states, 4)), tables, 1)   # an untrained table knows nothing
    inf
    """
    greedy = _strict_greedy(Q)
    s = int(tables.start[k] if start is None else start)
    for n in range(Q.shape[0] + 1):
        if tables.goal[k, s]:
            return float(n)
        if tables.terminal[k, s] or greedy[s] < 0:
            return float("inf")
        s = int(tables.moves[k, greedy[s], s])
    return float("inf")


def greedy_reaches_goal(Q: NDArray, tables: GridTables, k: int, start: int | None = None) -> bool:
    """Whether the strict greedy path of ``Q`` from ``start`` (default: the start cell) reaches a goal of map ``k``.

    >>> from discrete_softq.experiments.maze_setup import make_env
    >>> env = make_env("two_routes", "step", change_step=100)
    >>> tables = GridTables.from_env(env)
    >>> from discrete_softq import value_iteration
    >>> old = value_iteration(env.to_mdp(layout=0)).Q
    >>> greedy_reaches_goal(old, tables, 0), greedy_reaches_goal(old, tables, 1)   # walks into the new wall
    (True, False)
    """
    return bool(np.isfinite(greedy_path_length(Q, tables, k, start)))


def route_knowledge(Q: NDArray, tables: GridTables, k: int) -> float:
    """Share of the shortest-route cells of map ``k`` from which the strict greedy path reaches a goal.

    >>> from discrete_softq.experiments.maze_setup import make_env
    >>> env = make_env("two_routes", "step", change_step=100)
    >>> tables = GridTables.from_env(env)
    >>> from discrete_softq import value_iteration
    >>> route_knowledge(value_iteration(env.to_mdp(layout=1)).Q, tables, 1)
    1.0
    """
    cells = shortest_route_cells(tables, k)
    return float(np.mean([greedy_reaches_goal(Q, tables, k, start=int(c)) for c in cells]))


def reach_probability(policy: NDArray, env: Any, k: int, horizon: int) -> float:
    """P(a goal of map ``k`` is reached within ``horizon`` steps from its start | ``policy``), exactly.

    ``policy`` has shape (n_states, 4); the transitions are ``env.to_mdp(layout=k)`` (slip included).

    >>> from discrete_softq.experiments.maze_setup import make_env
    >>> env = make_env("two_routes", "step", change_step=100)
    >>> uniform = np.full((env.n_states, 4), 0.25)
    >>> 0.0 < reach_probability(uniform, env, 0, 200) < reach_probability(uniform, env, 0, 2000) < 1.0
    True
    """
    mdp = env.to_mdp(layout=k)
    P = mdp.P
    S = mdp.n_states
    layout = env.layouts[k]
    goal = layout.goals.ravel()
    d = np.zeros(S)
    d[env.start_state(k)] = 1.0
    reached = 0.0
    for _ in range(horizon):
        d = np.asarray((d[:, None] * policy).ravel() @ P).ravel()
        reached += d[goal].sum()
        d[mdp.terminal] = 0.0
    return float(reached)
