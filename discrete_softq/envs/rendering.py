"""RGB images of gridworld maps (the ``rgb_array`` render mode)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .layouts import Layout

__all__ = ["render_rgb", "COLOURS"]


#: Cell colours of :func:`render_rgb` (RGB 0-255).
COLOURS = {"wall": (64, 64, 64), "free": (255, 255, 255), "start": (200, 220, 255),
           "goal": (60, 180, 75), "trap": (220, 50, 50), "agent": (30, 80, 200)}


def render_rgb(layout: Layout, agent: tuple[int, int] | None = None, cell: int = 16) -> NDArray[np.uint8]:
    """An RGB image of a map, shape (n_rows * cell, n_cols * cell, 3), the agent as a blue square.


    >>> from discrete_softq.envs.layouts import parse_layout
    >>> render_rgb(parse_layout(["S.G"]), agent=(0, 0)).shape
    (16, 48, 3)
    """
    H, W = layout.shape
    img = np.empty((H, W, 3), dtype=np.uint8)
    img[:] = COLOURS["free"]
    img[layout.start] = COLOURS["start"]
    img[layout.walls], img[layout.goals], img[layout.traps] = COLOURS["wall"], COLOURS["goal"], COLOURS["trap"]
    img = np.repeat(np.repeat(img, cell, axis=0), cell, axis=1)
    if agent is not None:
        r, c = agent
        m = cell // 4
        img[r * cell + m:(r + 1) * cell - m, c * cell + m:(c + 1) * cell - m] = COLOURS["agent"]
    return img
