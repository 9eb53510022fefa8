"""The README's tour runs as written, and its stated numbers hold.

Each ```python block is executed in order in one namespace (a reader pasting them gets no error),
then the claims its comments make are checked on the objects it built.
"""

from __future__ import annotations

import pathlib
import re

import numpy as np

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_the_readme_tour_runs_and_its_numbers_hold():
    """Every python block runs; the 2-state closed form, the reference/fast agreement, FrozenLake's 0.5420,
    the registered gymnasium ids and the agent's recovery are as the comments say."""
    blocks = _blocks()
    ns: dict = {}
    checks = {  # the first block that defines a name, and the claim its comment makes
        "value_iteration": lambda: abs(ns["sol"].V[0] - 2 * np.log((1 + np.sqrt(1 + 4 * np.e)) / 2)) < 1e-8,
        "plain": lambda: abs(ns["plain"].Q - ns["fast"].Q).max() <= ns["plain"].error_bound + ns["fast"].error_bound,
        "hard": lambda: abs(ns["hard"].V[0] - 0.5420) < 5e-5 and ns["soft"].converged,
        "hist": lambda: ns["hist"].episode_lengths.size > 0,
    }
    checked = set()
    for block in blocks:
        exec(compile(block, str(README), "exec"), ns)  # noqa: S102 - the README is ours
        for name, claim in checks.items():
            if name in ns and name not in checked:
                assert claim(), f"the README's claim after defining {name} does not hold"
                checked.add(name)
    assert checked == set(checks), f"README blocks no longer define {set(checks) - checked}"


def test_import_alone_registers_the_environments(tmp_path):
    """`import discrete_softq` is enough for gym.make('discrete_softq/TwoRoutes-v0') in a fresh interpreter."""
    import subprocess
    import sys

    code = "import discrete_softq, gymnasium as gym; gym.make('discrete_softq/TwoRoutes-v0')"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
