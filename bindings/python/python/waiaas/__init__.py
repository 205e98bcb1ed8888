"""waiaas: wallets for AI agents, inside limits a human sets.

A thin binding of the Rust library: ``Waiaas.create`` / ``Waiaas.open`` give the
operator's ``Admin``; ``Admin.agent(token)`` an ``Agent``; ``Admin.owner_actions()`` the
``Owner`` actions; ``OwnerSigner`` signs those actions with an owner key (bots, tests).
Values are plain dicts and lists in the camelCase JSON form of ``waiaas::api`` (typed by
the ``TypedDict``s of ``waiaas.types``); errors are ``WaiaasError`` subclasses.
"""

from ._errors import (
    ConflictError,
    ForbiddenError,
    InternalError,
    InvalidInputError,
    NotFoundError,
    PolicyDeniedError,
    RateLimitedError,
    UnauthenticatedError,
    UnavailableError,
    WaiaasError,
)
from . import types
from ._waiaas import (
    Admin,
    Agent,
    Owner,
    OwnerSigner,
    Scheduler,
    Waiaas,
    error_codes,
    evaluate_chain_case,
    evaluate_policy_case,
    evaluate_session_case,
    evaluate_vault_case,
)

__all__ = [
    "Admin",
    "Agent",
    "ConflictError",
    "ForbiddenError",
    "InternalError",
    "InvalidInputError",
    "NotFoundError",
    "Owner",
    "OwnerSigner",
    "PolicyDeniedError",
    "RateLimitedError",
    "Scheduler",
    "UnauthenticatedError",
    "UnavailableError",
    "Waiaas",
    "WaiaasError",
    "error_codes",
    "evaluate_chain_case",
    "evaluate_policy_case",
    "evaluate_session_case",
    "evaluate_vault_case",
    "types",
]
