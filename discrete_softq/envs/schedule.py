"""Wall-change schedules: which map is in force at a given step or episode of a run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .. import _validate
from .layouts import Layout, parse_layout

__all__ = ["WallChange", "WallSchedule", "ScheduledLayouts", "changes_landed"]


def changes_landed(at_step: Sequence[int], at_episode: Sequence[int], total_steps: Any, episode: Any) -> Any:
    """How many changes have landed after ``total_steps`` steps of a run, in episode ``episode``.

    Change ``k`` (trigger ``at_step[k]``, or ``at_episode[k]`` where ``at_step[k] < 0``) lands
    once its trigger is reached *and* changes ``0 .. k-1`` have landed. ``total_steps`` and
    ``episode`` may be arrays (one entry per run): the count is then an array too.

    >>> changes_landed([10, -1], [-1, 3], total_steps=12, episode=2)
    1
    """
    k: Any = 0
    alive: Any = True
    for step, ep in zip(at_step, at_episode):
        alive = alive & ((total_steps >= step) if step >= 0 else (episode >= ep))
        k = k + alive
    return k


@dataclass(frozen=True)
class WallChange:
    """Replace the map once a run has taken ``at_step`` steps or begins episode ``at_episode``.

    Give exactly one of ``at_step`` and ``at_episode``.

    Parameters
    ----------
    at_step : int, optional
        Total environment steps of the run (counted across episodes) after which the new map
        is in force: steps ``0 .. at_step - 1`` use the old map, step ``at_step`` the new one.
        The change lands as soon as the ``at_step``-th step returns, possibly mid-episode.
    at_episode : int, optional
        Index (from 0) of the first episode played on the new map; it applies at that reset.
    layout : Layout, str or sequence of str
        The new map (see :func:`~discrete_softq.envs.layouts.parse_layout`); same size as the
        first map.
    """

    at_step: int | None = None
    at_episode: int | None = None
    layout: Any = None

    def __post_init__(self) -> None:
        if (self.at_step is None) == (self.at_episode is None):
            raise ValueError("WallChange needs exactly one of at_step and at_episode; "
                             f"got at_step={self.at_step!r}, at_episode={self.at_episode!r}")
        if self.at_step is not None:
            object.__setattr__(self, "at_step", _validate.integer(self.at_step, "at_step", low=0))
        else:
            object.__setattr__(self, "at_episode", _validate.integer(self.at_episode, "at_episode", low=0))
        object.__setattr__(self, "layout", parse_layout(self.layout, "layout"))

    def due(self, total_steps: int, episode: int) -> bool:
        """Whether this change's trigger has been reached (:func:`changes_landed` of this change alone)."""
        at_step, at_episode = (-1 if self.at_step is None else self.at_step), (-1 if self.at_episode is None
                                                                                  else self.at_episode)
        return bool(changes_landed((at_step,), (at_episode,), total_steps, episode))


class WallSchedule:
    """The maps of a run in order: ``layouts[0]``, then one per :class:`WallChange`.

    Changes apply strictly in the order given: change ``k`` can only land once changes
    ``0 .. k-1`` have. Several changes whose triggers are reached together land together.

    Parameters
    ----------
    layout : Layout, str or sequence of str
        The first map.
    changes : sequence of WallChange
    """

    def __init__(self, layout: Any, changes: Sequence[WallChange] = ()) -> None:
        first = parse_layout(layout)
        if isinstance(changes, WallChange) or not isinstance(changes, Sequence):
            raise TypeError(f"changes must be a sequence of WallChange; got {type(changes).__name__}")
        for i, ch in enumerate(changes):
            if not isinstance(ch, WallChange):
                raise TypeError(f"changes[{i}] must be a WallChange; got {type(ch).__name__}")
            if ch.layout.shape != first.shape:
                raise ValueError(f"changes[{i}].layout has shape {ch.layout.shape}; "
                                 f"the first layout has shape {first.shape}")
        self.changes: tuple[WallChange, ...] = tuple(changes)
        self.layouts: tuple[Layout, ...] = (first,) + tuple(ch.layout for ch in changes)
        #: the triggers, ``-1`` where the other kind is used (the arrays of :func:`changes_landed`)
        self.at_step = tuple(-1 if ch.at_step is None else ch.at_step for ch in self.changes)
        self.at_episode = tuple(-1 if ch.at_episode is None else ch.at_episode for ch in self.changes)

    def index_at(self, total_steps: int, episode: int) -> int:
        """Index into :attr:`layouts` of the map in force after ``total_steps`` steps, in episode ``episode``."""
        return int(changes_landed(self.at_step, self.at_episode, total_steps, episode))

    def layout_at(self, total_steps: int, episode: int) -> Layout:
        """The map in force after ``total_steps`` steps of the run, in episode ``episode``."""
        return self.layouts[self.index_at(total_steps, episode)]


class ScheduledLayouts:
    """Read-only views of a run's schedule, shared by every environment whose walls change.

    The host class sets ``self.schedule`` (a :class:`WallSchedule`) and keeps
    ``self.layout_index`` (the map in force) up to date.
    """

    schedule: WallSchedule
    layout_index: int

    @property
    def changes(self) -> tuple[WallChange, ...]:
        """The schedule's :class:`WallChange` entries, in order."""
        return self.schedule.changes

    @property
    def layouts(self) -> tuple[Layout, ...]:
        """Every map of the run in order: the first, then one per change."""
        return self.schedule.layouts

    @property
    def layout(self) -> Layout:
        """The map in force now."""
        return self.schedule.layouts[self.layout_index]

    @property
    def changed(self) -> bool:
        """Whether at least one :class:`WallChange` has landed in this run."""
        return self.layout_index > 0

    def layout_index_at(self, total_steps: int, episode: int) -> int:
        """Index into :attr:`layouts` of the map in force after ``total_steps`` steps, in episode ``episode``."""
        return self.schedule.index_at(total_steps, episode)

    def layout_at(self, total_steps: int, episode: int) -> Layout:
        """The map in force after ``total_steps`` steps of the run, in episode ``episode``."""
        return self.schedule.layout_at(total_steps, episode)
