"""The chain, session and vault vectors (testdata/vectors/{chains,sessions,vault}):
every case through the Rust entries the Rust runners call must answer its `expect`
(each key of `expect` equals the same key of the answer)."""

import json
from pathlib import Path
from typing import Any, Callable, Dict, Iterator

import pytest

import waiaas

VECTORS = Path(__file__).resolve().parents[3] / "testdata" / "vectors"
RUNNERS: Dict[str, Callable[[Any], Dict[str, Any]]] = {
    "chains": waiaas.evaluate_chain_case,
    "sessions": waiaas.evaluate_session_case,
    "vault": waiaas.evaluate_vault_case,
}
MINIMUM = {"chains": 53, "sessions": 31, "vault": 12}


def cases(family: str) -> Iterator[Any]:
    for path in sorted((VECTORS / family).glob("*.json")):
        for case in json.loads(path.read_text())["cases"]:
            yield pytest.param(family, case, id=f"{family}/{path.stem}:{case['name']}")


ALL = [c for family in RUNNERS for c in cases(family)]


@pytest.mark.parametrize("family", list(RUNNERS))
def test_there_are_vectors(family: str) -> None:
    assert len(list(cases(family))) >= MINIMUM[family]


@pytest.mark.parametrize("family,case", ALL)
def test_vector(family: str, case: Dict[str, Any]) -> None:
    assert case["expect"], "an empty expect compares nothing"
    answer = RUNNERS[family](case)
    assert {k: answer.get(k, "<missing>") for k in case["expect"]} == case["expect"]


@pytest.mark.parametrize("family", list(RUNNERS))
def test_a_case_that_does_not_parse_is_a_typed_error(family: str) -> None:
    with pytest.raises(waiaas.InvalidInputError) as e:
        RUNNERS[family]({"kind": "nope"})
    assert e.value.code == "VALIDATION_FAILED"
