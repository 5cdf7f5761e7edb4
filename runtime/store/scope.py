"""Council scoping in one place: every read of council-owned rows goes through `owned`."""

from __future__ import annotations

from typing import TypeVar

from tortoise.models import Model
from tortoise.queryset import QuerySet

from runtime.store.models import Council

M = TypeVar("M", bound=Model)


def owned(model: type[M], council: Council) -> QuerySet[M]:
    """The rows of `model` that belong to `council`, and only those."""
    return model.filter(council_id=council.id)
