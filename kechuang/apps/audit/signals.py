"""Sign-ins, sign-outs and refused sign-ins go into the audit trail too."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from . import record


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    record("accounts.session.login", user, actor=user, object_repr=user.username)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record("accounts.session.logout", user, actor=user, object_repr=user.username)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    record(
        "accounts.session.login_failed",
        object_type="accounts.user",
        object_repr=username,
        note="",
    )
