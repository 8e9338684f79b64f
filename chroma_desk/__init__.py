"""Chroma Desk: colourize black-and-white photos and video with deep networks."""

import os

# OpenMP threads that wait by spinning make every parallel region stall when the CPU is shared
# (another program, a training run, a VM): on 2 busy cores one 256 px forward pass took 4.6 s
# instead of 65 ms. Sleeping waiters cost little when the machine is idle. libgomp reads this
# when torch is first imported, so it is set here, before any torch import (unless the user
# chose a policy already).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__version__ = "0.1.0"
