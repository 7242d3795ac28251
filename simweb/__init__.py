"""A deterministic simulation of health-commission websites (six CMS families, faults, days), served over loopback HTTP."""

from simweb.server import SimWeb, serve
from simweb.truth import ground_truth
from simweb.world import World, build_world

__all__ = ["SimWeb", "World", "build_world", "ground_truth", "serve"]
