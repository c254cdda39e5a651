"""The compact payee history: the same answers as a ``{key: day}`` dict, in 12 B a key."""

from __future__ import annotations

import datetime as dt
import pickle
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from fanzha.stream.keyset import DayKeys

DAY0 = dt.date(2026, 1, 1)
keys = st.tuples(st.one_of(st.none(), st.text(max_size=4)), st.text(max_size=4))
ops = st.lists(
    st.one_of(
        st.tuples(st.just("see"), keys, st.integers(0, 20)),
        st.tuples(st.just("forget"), keys, st.integers(0, 20)),
    ),
    max_size=80,
)


@settings(max_examples=200, deadline=None)
@given(ops, st.integers(1, 8))
def test_day_keys_answer_like_a_dict_of_days(
    script: list[tuple[str, tuple[str | None, str], int]], merge_at: int
) -> None:
    held, model = DayKeys(merge_at=merge_at), {}
    for op, key, day in script:
        when = DAY0 + dt.timedelta(days=day)
        if op == "see":
            assert held.first(key, when) == (key not in model)
            model[key] = when
        else:
            cutoff = when
            dropped = [k for k, d in model.items() if d < cutoff]
            for k in dropped:
                del model[k]
            assert held.forget_before(cutoff) == len(dropped)
        assert len(held) == len(model)
        for k, d in model.items():
            assert k in held and held.last_seen(k) == d


def test_day_keys_keep_none_apart_from_text_and_survive_pickle() -> None:
    held = DayKeys(merge_at=3)
    assert held.first((None, "B"), DAY0)
    assert held.first(("", "B"), DAY0)  # an empty payer is not a missing one
    assert held.first(("N", "B"), DAY0) and held.first(("AB", ""), DAY0)
    assert held.first(("A", "B"), DAY0) and held.first(("AB",), DAY0)
    for n in range(10):
        held.first((f"A{n}", "B"), DAY0 + dt.timedelta(days=n))
    back = pickle.loads(pickle.dumps(held))
    assert len(back) == len(held) and back.last_seen(("A9", "B")) == DAY0 + dt.timedelta(days=9)
    assert back.first(("A9", "B"), DAY0) is False


def test_day_keys_cost_twelve_bytes_a_key() -> None:
    held = DayKeys()
    rng = random.Random(1)
    for n in range(200_000):
        held.first((f"62220{rng.randrange(10**12):012d}", f"P{n}"), DAY0)
    assert len(held) == 200_000
    assert held.nbytes() == 12 * 200_000
