"""The exceptions of waiaas: one class per error class of ``waiaas::api::ErrorClass``.

Which class an error raises is decided in Rust (``Error::class()``, in one place); this
module only defines the classes.
"""

from typing import Any, Dict, List, Optional


class WaiaasError(Exception):
    """An error from waiaas.

    ``code`` is stable (``POLICY_DENIED``, ``INVALID_TOKEN``, ...); ``message`` says what
    to fix; ``reasons`` lists every policy reason of a denial (``code``, ``message``,
    ``policyId``, ...); ``retry_after`` is the wait in seconds where one applies.
    """

    code: str
    message: str
    reasons: List[Dict[str, Any]]
    retry_after: Optional[int]

    def __init__(
        self,
        code: str,
        message: str,
        reasons: Optional[List[Dict[str, Any]]] = None,
        retry_after: Optional[int] = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.reasons = list(reasons or [])
        self.retry_after = retry_after


class InvalidInputError(WaiaasError):
    """The input is wrong; fix it and retry (HTTP 400)."""


class UnauthenticatedError(WaiaasError):
    """Bad password, token or signature (401)."""


class ForbiddenError(WaiaasError):
    """Known caller, not allowed (403)."""


class PolicyDeniedError(ForbiddenError):
    """Denied by policy; ``reasons`` lists every reason."""


class NotFoundError(WaiaasError):
    """The thing named does not exist (404)."""


class ConflictError(WaiaasError):
    """The state does not allow it now (409)."""


class RateLimitedError(WaiaasError):
    """Too many attempts or too early; ``retry_after`` says when (429)."""


class UnavailableError(WaiaasError):
    """Stopped or not configured: kill switch, locked vault, no chain client (503)."""


class InternalError(WaiaasError):
    """The store or vault is broken; not the caller's fault (500)."""
