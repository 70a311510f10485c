"""The base of every mutation, the core's and the plugins': a transaction, refusals as ``errors``.

Below the endpoints (``township/``, ``county.py``) and the plugin API
(``township_integrity.graphql``), which all build on it.
"""

from __future__ import annotations

from contextlib import nullcontext

import graphene
from django.core.exceptions import ValidationError
from django.db import transaction

from graphql_api.core import viewer
from graphql_api.errors import BAD_INPUT, NOT_FOUND, ApiError, FieldError, InputError, field_errors
from platform_core.errors import NotAllowed, PlatformError


class PlatformMutation(graphene.Mutation):
    """Runs ``perform`` in a transaction and turns refusals into payload ``errors``."""

    class Meta:
        abstract = True

    errors = graphene.List(graphene.NonNull(FieldError), required=True)

    atomic = True  # False where the service commits part of its work on purpose

    @classmethod
    def mutate(cls, root, info, **data):
        if not viewer(info).is_authenticated:
            from graphql_api.errors import unauthenticated

            raise unauthenticated()
        try:
            with transaction.atomic() if cls.atomic else nullcontext():
                result = cls.perform(info, **data)
        except NotAllowed:
            raise
        except InputError as error:
            return cls(errors=[FieldError(field=error.field, code=error.code, message=str(error))])
        except (PlatformError, ValidationError, ApiError) as error:
            if isinstance(error, ApiError) and error.code not in (BAD_INPUT, NOT_FOUND):
                raise
            return cls(errors=field_errors(error))
        return cls(errors=[], **result)

    @classmethod
    def perform(cls, info, **data) -> dict:
        raise NotImplementedError
