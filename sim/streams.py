"""Named random streams from one seed (common random numbers).

Each stochastic process draws from its own generator, seeded by
`SeedSequence(seed, spawn_key=(hash(name),))`. Changing how one process draws
never shifts another's draws, and adding a stream never shifts the existing
ones, so two scenarios run with the same seed face the same needs wherever a
lever does not change them.
"""

from __future__ import annotations

from collections.abc import Callable

import hashlib

import numpy as np

STREAMS = (
    "space",       # household and block positions
    "population",  # ages, digital access, initial trust and satisfaction
    "needs",       # need arrivals: counts, residents, times
    "case",        # per-case uniforms: reporting, channel, level, effort, patience, rating noise
    "delays",      # dispatch, hand-off, county and verification delays (report delays use "case")
    "discovery",   # patrol discoveries
    "survey",      # satisfaction survey samples and answers
    "emergency",   # random emergency onsets (each occurrence then has its own streams: see child())
    "mutual_aid",  # which volunteers the committee calls for routine mutual aid, and their answers
    "vulnerability",  # which households are vulnerable in an emergency
    "volunteers",  # who is a registered volunteer, and their intrinsic motivation
    "mesa",        # the generator handed to mesa.Model(rng=...)
    "routing",     # per-case uniform, drawn with the day's needs: whether dispatch misroutes it, and where
    "tasks",       # top-down tasks, one child per role (Streams.child): counts, times, hours, lever cuts
    "follow_up",   # per case: whether a closed case was solved, and whether an unsolved one is reopened
    "deliberation",  # collective issues (议事协商), one child per purpose (Streams.child): see DELIBERATION_STREAMS
    "dispute_severity",    # per dispute: its severity (0-1), drawn by case id
    "mediation",           # per dispute: whether each mediation attempt settles it (grid, committee, township)
    "dispute_recurrence",  # per unsolved dispute: whether and when it arises again, and the new case's uniforms
    "prevention",  # collective prevention (ODD 7.38), one child per purpose (Streams.child): see PREVENTION_STREAMS
    "floors",      # each household's floor in its walk-up building (加装电梯), drawn once
    "district",    # `govsim district import`: households placed inside the imported polygons (--seed)
    "placement",   # households that change during a run (ODD 7.39): new estates' positions and residents, who leaves
    "regrid",      # re-partitioned grids (ODD 7.39): which moved households lose their visits, boundary-confusion delays
)

# Each emergency occurrence's own streams, `Streams.child("emergency", index, k)` for the k-th
# purpose. New purposes are appended, so the existing ones keep their seeds.
EMERGENCY_STREAMS = (
    "detection",   # sensor coverage and the detection delays
    "follow_ups",  # what each contacted household turns out to need
    "volunteers",  # which volunteers answer the call
    "lending",     # which unaffected neighbouring grids lend their workers
)


# The deliberation submodel's purposes, `Streams.child("deliberation", k)`; new ones are appended.
DELIBERATION_STREAMS = (
    "issues",      # collective issues arising: counts, times, affected households
    "council",     # renting households and the councils' members, drawn once
    "meetings",    # who attends each meeting, their positions, the written ballots
    "festering",   # the extra needs of festering issues: counts, households, times, per-case uniforms
    "prehistory",  # the steady start: issues raised before day 0 and their dry meetings' draws
    "representatives",  # the villages' representatives (村民代表): who each group elects, the women's seats
)


# The prevention submodel's purposes, `Streams.child("prevention", k)`; new ones are appended.
PREVENTION_STREAMS = (
    "hazards",     # per hazard by case id: its time to harm, when patrol volunteers find it
    "patrollers",  # which registered volunteers patrol, drawn once
    "inspections",  # grid and business inspections: counts, times, businesses drawn, what each finds
    "businesses",  # businesses' hazards: counts, times, households, per-case uniforms
    "incidents",   # the incident cases' uniforms
)


def stream_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "little")


def stream_seed(seed: int, name: str) -> np.random.SeedSequence:
    return np.random.SeedSequence(entropy=seed, spawn_key=(stream_key(name),))


class Streams:
    """`streams.needs`, `streams.case`, … : one numpy Generator per named process."""

    def __init__(self, seed: int):
        if not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        self.seed = int(seed)
        for name in STREAMS:
            setattr(self, name, np.random.default_rng(stream_seed(self.seed, name)))

    def child(self, name: str, *keys: int) -> np.random.Generator:
        """A generator for one instance of a process (say, emergency 2's detection), so that what
        happens in one instance never shifts the draws of another, nor of any other process."""
        return np.random.default_rng(np.random.SeedSequence(entropy=self.seed,
                                                            spawn_key=(stream_key(name), *keys)))

    def made(self, name: str, key: int) -> Callable[[int], np.random.Generator]:
        """Generators for the cases made during the run, one per band of case ids (`cases.MADE_ID_BITS`):
        band 1 (disputes that arise again) draws from child(name, key), a later band from
        child(name, key, band)."""
        return lambda band: self.child(name, key) if band == 1 else self.child(name, key, band)

    def entropy(self) -> dict[str, list[int]]:
        """What the manifest records: the root entropy and each stream's spawn key."""
        return {name: [self.seed, stream_key(name)] for name in STREAMS}


class ExponentialDraws:
    """Standard exponential draws from one stream, generated in blocks: a scalar numpy draw
    costs about a microsecond, a buffered one a tenth of that. The sequence is the stream's
    own, so results do not depend on the block size."""

    __slots__ = ("rng", "block", "buf", "i")

    def __init__(self, rng: np.random.Generator, block: int = 4096):
        self.rng = rng
        self.block = block
        self.buf: list[float] = []
        self.i = 0

    def __call__(self, mean: float) -> float:
        if self.i == len(self.buf):
            self.buf = self.rng.standard_exponential(self.block).tolist()
            self.i = 0
        x = self.buf[self.i]
        self.i += 1
        return x * mean
