"""Experiments the notebooks and demos call: each module builds, runs and summarises one study."""
