"""Shared test configuration: hypothesis profiles and a non-interactive matplotlib backend.

Profiles: ``ci`` (chosen when the environment variable ``CI`` is set) is derandomized, has no
deadline and a fixed number of examples, so CI cannot flake; ``dev`` explores randomly with more
examples. Pick one explicitly with ``pytest --hypothesis-profile=dev``.
"""

import os

# Before NumPy loads: threaded BLAS on 2 shared cores slows small dense algebra down many times.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import matplotlib  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

matplotlib.use("Agg")

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=50,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "dev",
    deadline=None,
    max_examples=50,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("thorough", parent=settings.get_profile("dev"), max_examples=500)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
