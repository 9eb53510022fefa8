"""One module per demo of ``python -m discrete_softq.demo``; see :mod:`discrete_softq.demo`."""
