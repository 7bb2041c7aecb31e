"""The experiment point store: damaged or unfinished points are recomputed, never trusted.

Oracles: ``PointStore.get`` returns None (and warns, naming the file) for a
point file of the wrong shape or with a NaN metric; ``records`` and the
report's compute-time sum skip wrong-shaped files; a Context sweep recomputes
such a point and overwrites it with a good one.
"""
import json
import math
import os
import sys

import pytest

from experiments.core.context import Context
from experiments.core.report import stored_cost
from experiments.core.store import PointStore, write_json

CONFIG = {"lr": 0.1, "seed": 0, "mode": "smoke", "dataset": "mnist", "backend": "numpy"}


def good_record(**final):
    return {"config": CONFIG, "result": {"diverged": False, "final": final or {"test_accuracy": 0.9}},
            "meta": {"seconds": 1.5}}


@pytest.mark.parametrize("text", ["[]", "null", "3", '"text"', '{"result": {}}',
                                  json.dumps({"config": CONFIG, "result": []}),
                                  json.dumps({"config": CONFIG}),
                                  json.dumps({"config": CONFIG, "result": {}, "meta": 5}),
                                  json.dumps({"config": CONFIG, "result": {}, "meta": {"seconds": "1"}})],
                         ids=["list", "null", "int", "str", "no-config", "result-list", "no-result",
                              "meta-int", "seconds-str"])
def test_wrong_shaped_point_is_damaged(tmp_path, text):
    store = PointStore(str(tmp_path / "points"))
    os.makedirs(store.folder)
    with open(store.path(CONFIG), "w") as f:
        f.write(text)
    with pytest.warns(RuntimeWarning, match=r"point file .*\.json is damaged \(.*\); recomputing it"):
        assert store.get(CONFIG) is None
    # the report's listing skips it (a point without result still has its time and config)
    assert len(list(store.records())) == (1 if text == json.dumps({"config": CONFIG}) else 0)


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_a_point_with_a_nan_metric_is_not_finished(tmp_path, value):
    store = PointStore(str(tmp_path / "points"))
    store.put(CONFIG, good_record(test_accuracy=value, test_loss=0.3))  # NaN is stored as null
    with pytest.warns(RuntimeWarning, match=r"non-finite metric 'test_accuracy'.*not a finished point"):
        assert store.get(CONFIG) is None
    store.put(CONFIG, good_record(test_accuracy=0.9, test_loss=0.3))
    assert store.get(CONFIG)["result"]["final"]["test_accuracy"] == 0.9


def test_a_diverged_point_is_finished(tmp_path):
    store = PointStore(str(tmp_path / "points"))
    record = {"config": CONFIG, "result": {"diverged": True, "diverged_at": {"epoch": 0}},
              "meta": {"seconds": 1.0}}
    store.put(CONFIG, record)
    assert store.get(CONFIG)["result"]["diverged"] is True


def test_run_and_report_survive_damaged_points(tmp_path):
    """A sweep recomputes the damaged point (it crashed on [] before) and the report sums
    only well-formed points."""
    ctx = Context("t-damaged", mode="smoke", out=str(tmp_path), stream=open(os.devnull, "w"))
    configs = [{"lr": 0.1, "seed": 0}, {"lr": 0.2, "seed": 0}]
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "experiments"))
    import sweep_points
    fn, calls = sweep_points.recording_point, sweep_points.CALLS
    calls.clear()
    ctx.run_points(configs, fn)
    points = sorted((tmp_path / "t-damaged" / "points").glob("*.json"))
    points[0].write_text("[]")
    points[1].write_text("null")
    with pytest.warns(RuntimeWarning, match="damaged"):
        records = ctx.run_points(configs, fn)
    assert calls == [0.1, 0.2, 0.1, 0.2] and all(r["result"]["final"] for r in records)
    write_json(str(tmp_path / "t-damaged" / "points" / "zz.json"), ["not", "a", "point"])
    assert math.isclose(sum(stored_cost(str(tmp_path), {"t-damaged": "smoke"})[0].values()),
                        sum(r["meta"]["seconds"] for r in records))
