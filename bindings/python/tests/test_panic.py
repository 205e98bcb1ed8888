"""A Rust panic (the test-only `_test_panic`, built with the `test-panic` feature)
surfaces as an exception, and the interpreter and the library go on working."""

from pathlib import Path

import pytest

import waiaas
from waiaas import _waiaas
from conftest import CONFIG, PASSWORD


def test_panic_is_an_exception_and_the_interpreter_survives(tmp_path: Path) -> None:
    with pytest.raises(BaseException, match="deliberate test panic") as e:
        _waiaas._test_panic()  # type: ignore[attr-defined]
    assert type(e.value).__name__ == "PanicException"
    with pytest.raises(BaseException, match="deliberate test panic"):
        _waiaas._test_panic()  # type: ignore[attr-defined]
    admin = waiaas.Waiaas.create(tmp_path / "v", PASSWORD, CONFIG)
    assert admin.create_wallet("after", chain="solana")["network"] == "solana-devnet"
