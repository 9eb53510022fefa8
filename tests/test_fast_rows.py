"""The action-major row kernels of ``_fast`` give exactly the numbers of ``soft.log_sum_exp`` / ``soft.softmax``.

That equality is what lets ``run_batched`` (many rows) reproduce ``train`` (one row) bit for bit.
"""

from __future__ import annotations

import numpy as np
import pytest

from discrete_softq._fast import soft_values, softmax_rows
from discrete_softq.soft import log_sum_exp, softmax


@pytest.mark.parametrize("n_actions", [1, 2, 4, 7])
@pytest.mark.parametrize("alpha", [1e-300, 1e-3, 0.5, 1e6, 1e300])
@pytest.mark.parametrize("prior_kind", ["none", "uniform", "per-row", "with zeros"])
@pytest.mark.parametrize("n_rows, scale", [(2000, 50.0), (2000, 1e-3), (30, 1e-3), (30, 50.0)])
def test_row_kernels_are_bit_identical_to_the_plain_ones(n_actions, alpha, prior_kind, n_rows, scale):
    """Every prior form, tiny to huge temperatures, a batch of a few rows or a block, values spread out or
    nearly tied (then most rows take the prior's ``log1p`` branch): array_equal, not allclose."""
    rng = np.random.default_rng(n_actions)
    Q = rng.normal(size=(n_rows, n_actions)) * scale
    prior = {"none": None, "uniform": np.full(n_actions, 1 / n_actions),
             "per-row": rng.dirichlet(np.ones(n_actions), n_rows),
             "with zeros": np.r_[0.0, np.full(n_actions - 1, 1 / max(n_actions - 1, 1))] if n_actions > 1 else None}[prior_kind]
    assert np.array_equal(soft_values(Q, alpha, prior), log_sum_exp(Q, alpha, prior))
    assert np.array_equal(softmax_rows(Q, alpha, prior), softmax(Q, alpha, prior))
