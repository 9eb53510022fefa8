"""Gridworld maps as lists of strings, and the parsed :class:`Layout`.

Legend (one character per cell, row 0 at the top, column 0 at the left)::

    #   wall: the agent cannot enter it; moving into it (or off the grid) leaves it in place
    .   free cell
    S   start cell (exactly one per layout; a free cell)
    G   goal: entering it gives the goal reward and ends the episode (terminal)
    T   trap: entering it gives the trap reward and ends the episode (terminal, like lava)

The grid border needs no walls: moving off the grid is a bump, like moving into ``#``.

Maps in :data:`LAYOUTS`
-----------------------
``two_routes`` / ``two_routes_blocked``
    The agent starts in a small room on the left (the fork). A short upper corridor (row 1)
    leads right to the goal at the top right (13 steps); a long lower corridor (down the left
    column, along row 7, up the right column) reaches the goal from below (21 steps). The
    blocked version has a wall on the last cell of the upper corridor, just left of the goal,
    so only the lower route reaches the goal.
``blocking_maze`` / ``blocking_maze_after``
    Sutton & Barto (2018), Example 8.2: 6 x 9, start (5, 3), goal (0, 8); a wall on row 3 over
    columns 0-7, replaced (after 1000 steps in the book) by columns 1-8.
``shortcut_maze`` / ``shortcut_maze_after``
    Sutton & Barto (2018), Example 8.3: the wall on row 3 covers columns 1-8, and (after 3000
    steps in the book) columns 1-7, opening a shortcut on the right.
``open_room``
    A plain 5 x 7 room, start bottom left, goal top right.
``corridor_or_room``
    Two routes of equal length (13 steps) from the start at the top left (the fork) to the goal
    at the bottom right: a one-cell-wide corridor along the top row and down the right column,
    or down into an open 5 x 6 room and across it (walls between room and corridor, one gap into
    the goal). The hard optimum is indifferent between them; the room holds many shortest paths
    (126) where the corridor holds one, so the soft optimum prefers it (future entropy).
``cliff``
    Sutton & Barto (2018), Example 6.6 (4 x 12): traps along the bottom row between start and
    goal. Deviation from the book: a trap here ends the episode instead of sending the agent
    back to the start.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
from numpy.typing import NDArray

from .._validate import frozen

__all__ = ["LAYOUTS", "LEGEND", "Layout", "parse_layout"]

#: Meaning of each map character.
LEGEND: Mapping[str, str] = MappingProxyType({
    "#": "wall",
    ".": "free",
    "S": "start",
    "G": "goal (terminal)",
    "T": "trap (terminal, trap reward)",
})

#: The named maps: a read-only mapping of tuples of strings (editing raises, so ``gym.make``
#: always builds the registered map).
LAYOUTS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "two_routes": (
        "##############",
        "#...........G#",
        "#...########.#",
        "#S..########.#",
        "#...########.#",
        "#.##########.#",
        "#.##########.#",
        "#............#",
        "##############",
    ),
    "two_routes_blocked": (
        "##############",
        "#..........#G#",
        "#...########.#",
        "#S..########.#",
        "#...########.#",
        "#.##########.#",
        "#.##########.#",
        "#............#",
        "##############",
    ),
    "blocking_maze": (
        "........G",
        ".........",
        ".........",
        "########.",
        ".........",
        "...S.....",
    ),
    "blocking_maze_after": (
        "........G",
        ".........",
        ".........",
        ".########",
        ".........",
        "...S.....",
    ),
    "shortcut_maze": (
        "........G",
        ".........",
        ".........",
        ".########",
        ".........",
        "...S.....",
    ),
    "shortcut_maze_after": (
        "........G",
        ".........",
        ".........",
        ".#######.",
        ".........",
        "...S.....",
    ),
    "open_room": (
        "......G",
        ".......",
        ".......",
        ".......",
        "S......",
    ),
    "corridor_or_room": (
        "S.......",
        ".######.",
        "......#.",
        "......#.",
        "......#.",
        "......#.",
        ".......G",
    ),
    "cliff": (
        "............",
        "............",
        "............",
        "STTTTTTTTTTG",
    ),
})


@dataclass(frozen=True, eq=False)
class Layout:
    """A parsed map; immutable (its masks are read-only copies).

    Attributes
    ----------
    rows : tuple of str
        The map, one string per row.
    walls, goals, traps : ndarray of bool of shape (n_rows, n_cols)
        Cell masks.
    start : tuple of int
        ``(row, col)`` of the start cell.
    terminal : ndarray of bool of shape (n_rows, n_cols)
        Cells where an episode ends: goals and traps.
    """

    rows: tuple[str, ...]
    walls: NDArray[np.bool_] = field(repr=False)
    goals: NDArray[np.bool_] = field(repr=False)
    traps: NDArray[np.bool_] = field(repr=False)
    start: tuple[int, int]
    terminal: NDArray[np.bool_] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rows", tuple(self.rows))
        for name in ("walls", "goals", "traps"):
            object.__setattr__(self, name, frozen(np.asarray(getattr(self, name), dtype=bool)))
        object.__setattr__(self, "terminal", frozen(self.goals | self.traps))
        object.__setattr__(self, "start", (int(self.start[0]), int(self.start[1])))

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_rows, n_cols)``."""
        return self.walls.shape  # type: ignore[return-value]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Layout) and self.rows == other.rows

    def __hash__(self) -> int:
        return hash(self.rows)

    def __str__(self) -> str:
        return "\n".join(self.rows)


def parse_layout(layout: Layout | str | Sequence[str], name: str = "layout") -> Layout:
    """Parse a map into a :class:`Layout`.

    Parameters
    ----------
    layout : Layout, str or sequence of str
        A :class:`Layout` (returned as is), a key of :data:`LAYOUTS`, a multi-line string, or a
        list of equally long strings using the legend in :data:`LEGEND`.
    name : str
        Parameter name used in error messages.

    Raises
    ------
    ValueError
        Unknown characters, ragged rows, not exactly one start, or no goal.

    >>> parse_layout(["S.G"]).shape
    (1, 3)
    """
    if isinstance(layout, Layout):
        return layout
    if isinstance(layout, str):
        if layout in LAYOUTS:
            layout = LAYOUTS[layout]
        elif "\n" in layout.strip():
            layout = layout.strip().splitlines()
        else:
            raise ValueError(
                f"{name} must be a key of LAYOUTS ({', '.join(LAYOUTS)}), a multi-line map or a "
                f"list of strings; got {layout!r}")
    if not isinstance(layout, Sequence) or not all(isinstance(r, str) for r in layout):
        raise TypeError(f"{name} must be a Layout, a str or a sequence of str; got {type(layout).__name__}")
    rows = tuple(r.strip() for r in layout)
    if not rows or not rows[0]:
        raise ValueError(f"{name} must have at least one non-empty row")
    if len({len(r) for r in rows}) != 1:
        raise ValueError(f"{name} rows must all have the same length; got lengths {[len(r) for r in rows]}")
    grid = np.array([list(r) for r in rows])
    unknown = set(np.unique(grid)) - set(LEGEND)
    if unknown:
        raise ValueError(f"{name} has unknown characters {sorted(unknown)}; legend: {LEGEND}")
    starts = np.argwhere(grid == "S")
    if len(starts) != 1:
        raise ValueError(f"{name} must have exactly one start 'S'; found {len(starts)}")
    if not (grid == "G").any():
        raise ValueError(f"{name} must have at least one goal 'G'")
    masks = {c: grid == c for c in "#GT"}
    return Layout(rows=rows, walls=masks["#"], goals=masks["G"], traps=masks["T"],
                  start=(int(starts[0, 0]), int(starts[0, 1])))
