"""Payment states and the one-way moves between them, for every provider alike.

created → in_progress → authorised → succeeded | failed | cancelled | error. An attempt
never moves backwards or out of a final state; `advance` is the one function that decides.
"""

from __future__ import annotations

from enum import StrEnum


class PaymentState(StrEnum):
    CREATED = "created"
    IN_PROGRESS = "in_progress"
    AUTHORISED = "authorised"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    ERROR = "error"

    @property
    def final(self) -> bool:
        return self in FINAL


class FailureReason(StrEnum):
    DECLINED = "declined"
    EXPIRED = "expired"
    USER_CANCELLED = "user_cancelled"
    SERVICE_CANCELLED = "service_cancelled"
    PROVIDER_ERROR = "provider_error"


FINAL = frozenset({PaymentState.SUCCEEDED, PaymentState.FAILED, PaymentState.CANCELLED, PaymentState.ERROR})
_RANK = {PaymentState.CREATED: 0, PaymentState.IN_PROGRESS: 1, PaymentState.AUTHORISED: 2}


def advance(current: PaymentState, observed: PaymentState) -> PaymentState | None:
    """The state to move to when the provider reports `observed`, or None to stay.

    Final states never change; otherwise only forward moves are taken, so a late or
    reordered report of an earlier state is ignored.
    """
    if current in FINAL or observed == current:
        return None
    if observed in FINAL:
        return observed
    return observed if _RANK[observed] > _RANK[current] else None


class RefundState(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
