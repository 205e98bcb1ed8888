"""Errors: each waiaas code raises the class of its `ErrorClass` with `.code`,
`.message`, `.reasons` and `.retry_after`; inputs are refused by Rust's DTO rules."""

from pathlib import Path

import pytest

import waiaas
from conftest import CONFIG, PASSWORD, PRICES, agent_with_policy, transfer

CLASSES = {
    "INVALID_INPUT": waiaas.InvalidInputError,
    "UNAUTHENTICATED": waiaas.UnauthenticatedError,
    "FORBIDDEN": waiaas.ForbiddenError,
    "NOT_FOUND": waiaas.NotFoundError,
    "CONFLICT": waiaas.ConflictError,
    "RATE_LIMITED": waiaas.RateLimitedError,
    "UNAVAILABLE": waiaas.UnavailableError,
    "INTERNAL": waiaas.InternalError,
}


def test_the_registry_has_a_class_for_every_code() -> None:
    codes = waiaas.error_codes()
    assert len(codes) >= 50
    assert {c["class"] for c in codes} == set(CLASSES)
    for cls in CLASSES.values():
        assert issubclass(cls, waiaas.WaiaasError)
    assert issubclass(waiaas.PolicyDeniedError, waiaas.ForbiddenError)


def test_vault_errors(vault: Path) -> None:
    waiaas.Waiaas.create(vault, PASSWORD, CONFIG)
    with pytest.raises(waiaas.ConflictError) as e:
        waiaas.Waiaas.create(vault, PASSWORD, CONFIG)
    assert e.value.code == "VAULT_ALREADY_EXISTS"
    # The insecure test KDF is refused unless explicitly allowed.
    with pytest.raises(waiaas.ForbiddenError) as e:
        waiaas.Waiaas.open(vault, PASSWORD, {"kdf": CONFIG["kdf"]})
    assert e.value.code == "VAULT_INSECURE_KDF"
    with pytest.raises(waiaas.InvalidInputError) as e:
        waiaas.Waiaas.open(vault, PASSWORD, {"allow_insecure_kdf": True})
    assert e.value.code == "VALIDATION_FAILED" and "unknown field" in e.value.message
    # Wrong passwords: refused, then throttled with a wait.
    locked = None
    for _ in range(12):
        try:
            waiaas.Waiaas.open(vault, "wrong password", CONFIG)
        except waiaas.RateLimitedError as err:
            locked = err
            break
        except waiaas.UnauthenticatedError as err:
            assert err.code == "INVALID_MASTER_PASSWORD"
            assert "wrong password" not in str(err)
    assert locked is not None and locked.code == "MASTER_PASSWORD_LOCKED"
    assert isinstance(locked.retry_after, int) and locked.retry_after > 0


def test_input_token_and_state_errors(admin: waiaas.Admin) -> None:
    agent, wallet = agent_with_policy(admin, {"instant_max_usd": 10})
    with pytest.raises(waiaas.InvalidInputError) as e:
        agent.send({"type": "TRANSFER", "to": "x", "amount": "0.1"})
    assert e.value.code == "VALIDATION_FAILED"
    assert "humanAmount" in e.value.message and e.value.reasons == []
    with pytest.raises(waiaas.InvalidInputError, match="unknown field"):
        agent.send(transfer("0.01", memo="x"))
    with pytest.raises(waiaas.InvalidInputError):
        admin.create_wallet("a")  # neither chain nor network
    with pytest.raises(waiaas.InvalidInputError):
        admin.set_owner("not-a-uuid", "x")
    with pytest.raises(waiaas.NotFoundError) as e:
        agent.cancel("01900000-0000-7000-8000-000000000042")
    assert e.value.code == "TX_NOT_FOUND"
    bad = "wai_sess_" + "A" * 40
    with pytest.raises(waiaas.UnauthenticatedError) as e:
        admin.agent(bad)
    assert e.value.code == "INVALID_TOKEN" and bad not in str(e.value)

    grant = admin.create_session({"walletId": wallet["id"]})
    other = admin.agent(grant["token"])
    admin.revoke_session(grant["session"]["id"])
    with pytest.raises(waiaas.UnauthenticatedError) as e:
        other.send(transfer("0.01"))
    assert e.value.code == "SESSION_REVOKED"

    report = admin.activate_kill_switch("incident drill")
    assert isinstance(report, dict)
    # The kill switch revokes every session; a new one cannot sign either.
    with pytest.raises(waiaas.UnauthenticatedError) as e:
        agent.send(transfer("0.01"))
    assert e.value.code == "SESSION_REVOKED"
    fresh = admin.agent(admin.create_session({"walletId": wallet["id"]})["token"])
    with pytest.raises(waiaas.UnavailableError) as e:
        fresh.send(transfer("0.01"))
    assert e.value.code == "KILL_SWITCH_ACTIVE"
