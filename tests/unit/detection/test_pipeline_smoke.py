from fanzha.detection.keyword_scorer import KeywordScorer
from fanzha.detection.pipeline import run_detection
from fanzha.detection.rules import load_rules
from tests.unit.detection.factory import StoreBuilder

ALICE, BOB, FRAUD, RELATIVE = 8613800000001, 8613800000002, 8617012345678, 14155550123


def test_smoke(tmp_path):
    b = StoreBuilder(tmp_path)
    b.resident("PA", ALICE).resident("PB", BOB)
    b.add("jurisdictions", community="C01", community_name="x", station="S1", station_name="s")
    b.indicator("phone", str(FRAUD))
    b.call(FRAUD, ALICE, 0, 700).call(RELATIVE, BOB, 0, 900)
    b.add(
        "app_events",
        phone=ALICE,
        time=__import__("tests.unit.detection.factory", fromlist=["at"]).at(20),
        package="com.oray.sunlogin",
        event="install",
    )
    store = b.write()
    result = run_detection(store, load_rules(), KeywordScorer())
    for w in result.warnings:
        print(w)
    assert result.warnings
