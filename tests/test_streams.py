"""Named random streams: one generator per process, all derived from one seed."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from sim.streams import STREAMS, ExponentialDraws, Streams, stream_key, stream_seed


def first_draws(streams: Streams, n: int = 8) -> dict[str, np.ndarray]:
    return {name: getattr(streams, name).random(n) for name in STREAMS}


def test_stream_names_are_unique_and_all_present() -> None:
    assert len(STREAMS) == len(set(STREAMS)) >= 8
    for required in ("space", "population", "needs", "case", "delays", "discovery", "survey", "mesa"):
        assert required in STREAMS
    s = Streams(0)
    for name in STREAMS:
        assert isinstance(getattr(s, name), np.random.Generator)
    # Each stream is its own generator object, not a shared one.
    assert len({id(getattr(s, name)) for name in STREAMS}) == len(STREAMS)


@pytest.mark.parametrize("seed", [0, 1, 12345, 2**40])
def test_every_stream_gets_a_distinct_seed(seed: int) -> None:
    keys = {name: stream_seed(seed, name).spawn_key for name in STREAMS}
    assert len(set(keys.values())) == len(STREAMS), keys
    assert all(stream_seed(seed, name).entropy == seed for name in STREAMS)
    draws = first_draws(Streams(seed))
    for a, b in itertools.combinations(STREAMS, 2):
        assert not np.array_equal(draws[a], draws[b]), f"streams {a} and {b} draw the same numbers"
        assert draws[a][0] != draws[b][0]
    # Their generator states differ too.
    states = {name: getattr(Streams(seed), name).bit_generator.state["state"]["state"] for name in STREAMS}
    assert len(set(states.values())) == len(STREAMS)


def test_same_seed_same_draws_different_seed_different_draws() -> None:
    a, b, c = first_draws(Streams(42)), first_draws(Streams(42)), first_draws(Streams(43))
    for name in STREAMS:
        assert np.array_equal(a[name], b[name])
        assert not np.array_equal(a[name], c[name])
    # numpy integers are accepted and mean the same seed.
    d = first_draws(Streams(np.int64(42)))
    assert all(np.array_equal(a[n], d[n]) for n in STREAMS)


def test_streams_are_independent_of_each_other_and_of_the_list() -> None:
    """A stream's draws depend on its name and the seed only: drawing from one stream does not shift
    another, and each equals a generator built from stream_seed(seed, name) alone."""
    s = Streams(9)
    s.needs.random(10_000)
    s.case.standard_normal(333)
    for name in ("space", "population", "delays", "survey"):
        ref = np.random.default_rng(stream_seed(9, name)).random(5)
        assert np.array_equal(getattr(s, name).random(5), ref)
    # The stream key is a stable function of the name (sha256), not Python's per-process hash().
    assert stream_key("needs") == int.from_bytes(__import__("hashlib").sha256(b"needs").digest()[:4], "little")
    assert stream_key("needs") == stream_key("needs") != stream_key("needs2")


def test_entropy_records_seed_and_keys() -> None:
    e = Streams(5).entropy()
    assert list(e) == list(STREAMS)
    for name, (root, key) in e.items():
        assert root == 5 and key == stream_key(name)
        # The record is enough to rebuild the stream.
        rebuilt = np.random.default_rng(np.random.SeedSequence(root, spawn_key=(key,)))
        assert np.array_equal(rebuilt.random(3), getattr(Streams(5), name).random(3))


@pytest.mark.parametrize("bad", [-1, -(2**40), 1.5, 2.0, "3", None, [1], np.float64(1.0), np.int64(-2)])
def test_bad_seeds_raise_value_error(bad) -> None:
    with pytest.raises(ValueError, match="seed"):
        Streams(bad)


def test_exponential_draws_follow_the_stream() -> None:
    """The buffered draws are the stream's own standard exponentials (scaled by the mean), across
    buffer refills."""
    n = 10_000  # more than two blocks
    draws = ExponentialDraws(np.random.default_rng(3))
    got = np.array([draws(2.5) for _ in range(n)])
    ref = np.random.default_rng(3).standard_exponential(n) * 2.5
    assert np.allclose(got, ref, rtol=1e-15, atol=0)
    assert np.all(got > 0)
    assert np.mean(got) == pytest.approx(2.5, rel=0.05)


def test_exponential_draws_honour_block_size() -> None:
    """Regression: `block` used to be ignored (always 4096). The block size changes how far ahead the
    stream is consumed, never the sequence of draws."""
    seqs = []
    for block in (1, 7, 4096):
        draws = ExponentialDraws(np.random.default_rng(8), block=block)
        seqs.append([draws(1.0) for _ in range(50)])
    assert seqs[0] == seqs[1] == seqs[2]
    rng = np.random.default_rng(3)
    draws = ExponentialDraws(rng, block=16)
    draws(1.0)
    # After one refill of 16 draws, the generator's next standard exponential is the 17th.
    ref = np.random.default_rng(3).standard_exponential(17)
    assert rng.standard_exponential() == ref[16]


@pytest.mark.parametrize("seed", [0, 7])
def test_emergency_occurrence_streams_never_share_a_seed(seed: int) -> None:
    """Each emergency occurrence draws each purpose (detection, follow-ups, volunteers, lending)
    from its own child stream: no two of them, across occurrences and purposes, nor any named
    stream, share a seed or draw the same numbers."""
    from sim.streams import EMERGENCY_STREAMS

    assert len(EMERGENCY_STREAMS) == len(set(EMERGENCY_STREAMS))
    assert "lending" in EMERGENCY_STREAMS and "detection" in EMERGENCY_STREAMS
    # Appended, never inserted: the earlier purposes keep their seeds.
    assert EMERGENCY_STREAMS[:3] == ("detection", "follow_ups", "volunteers")
    s = Streams(seed)
    children = {(i, p): s.child("emergency", i, k) for i in range(3) for k, p in enumerate(EMERGENCY_STREAMS)}
    draws = {key: g.random(8) for key, g in children.items()}
    draws.update({name: getattr(Streams(seed), name).random(8) for name in STREAMS})
    for a, b in itertools.combinations(draws, 2):
        assert not np.array_equal(draws[a], draws[b]), f"streams {a} and {b} draw the same numbers"

