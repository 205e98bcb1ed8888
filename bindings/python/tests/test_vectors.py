"""The shared policy vectors (testdata/vectors/policy): every case through
`waiaas.evaluate_policy_case` (the Rust engine) must give its `expect`."""

import json
from pathlib import Path

import pytest

import waiaas

VECTORS = Path(__file__).resolve().parents[3] / "testdata" / "vectors" / "policy"
KEYS = ["allowed", "tier", "reasons", "warnings", "delaySeconds", "approvalReason", "approvalTimeout"]


def cases():
    for path in sorted(VECTORS.glob("*.json")):
        for case in json.loads(path.read_text())["cases"]:
            yield pytest.param(case, id=f"{path.stem}:{case['name']}")


def normalized(d: dict) -> dict:
    out = {k: d.get(k) for k in KEYS}
    out["reasons"], out["warnings"] = sorted(d["reasons"]), sorted(d["warnings"])
    return out


def test_there_are_vectors() -> None:
    assert len(list(cases())) >= 150


@pytest.mark.parametrize("case", cases())
def test_policy_vector(case: dict) -> None:
    assert normalized(waiaas.evaluate_policy_case(case)) == normalized(case["expect"])
