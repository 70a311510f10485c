"""Who did something: a signed-in person, or a named non-person (a plugin, a CLI operator).

Every write that the fairness rules care about (recording, reviewing, deciding,
publishing) takes an ``Actor`` so that the ledger always names someone.
"""

from __future__ import annotations

import getpass
import re
from dataclasses import dataclass

from django.contrib.auth import get_user_model

# How a label names the credential a person used: "a@x.cn (token 1a2b3c4d)".
_CREDENTIAL = re.compile(r" \(token [^()]*\)$")


@dataclass(frozen=True)
class Actor:
    """Who does a write: a person, a plugin or a command's operator.

    ``label`` is what the ledger keeps for ever (the person's email, ``plugin:<key>``);
    services check ``roles`` through ``require_role``.
    """

    label: str
    user: object | None = None  # a django.contrib.auth user, when a person acted
    # An API token narrows a person to one role (and village): None = all their roles.
    roles: tuple[str, ...] | None = None
    village_code: str = ""

    @classmethod
    def of(cls, user) -> Actor:
        """A signed-in person, with every role they hold."""
        return cls(label=user.email or user.get_username(), user=user)

    @classmethod
    def through_token(cls, user, prefix: str, role: str, village_code: str = "") -> Actor:
        """``user`` acting through an API token: only its role (and village); signed so."""
        base = cls.of(user)
        return cls(
            label=f"{base.label} (token {prefix})",
            user=user,
            roles=(role,),
            village_code=village_code,
        )

    @classmethod
    def plugin(cls, key: str) -> Actor:
        """A plugin acting on its own (a feed, a schedule): the ledger names ``plugin:<key>``."""
        return cls(label=f"plugin:{key}")

    @classmethod
    def cli(cls, email: str | None = None) -> Actor:
        """The operator of a management command: ``--operator EMAIL`` or the OS account."""
        if email:
            user = get_user_model().objects.filter(username=email).first()
            if user is None:
                raise LookupError(f"no user with e-mail {email!r} (from --operator)")
            return cls.of(user)
        return cls(label=f"cli:{getpass.getuser()}")

    @property
    def user_id(self) -> int | None:
        """The person's user id; None for a plugin or an operator without an account."""
        return getattr(self.user, "pk", None)

    def same_person(self, other_user_id: int | None, other_label: str) -> bool:
        """Whether this actor is the person behind a recorded (user id, label).

        Separation of duties is about people, not credentials: a session, an API
        token and ``--operator`` of one user are one person. Without both user ids
        (a CLI run, a deleted user) the labels decide, less any token suffix.
        """
        if self.user_id is not None and other_user_id is not None:
            return self.user_id == other_user_id
        return person_label(self.label) == person_label(other_label)


def person_label(label: str) -> str:
    """``label`` without the credential it names: "a@x.cn (token 1a2b3c4d)" → "a@x.cn"."""
    return _CREDENTIAL.sub("", label)
