"""E-mail to teams, through Django's e-mail backend (console by default, SMTP from settings).

Mail is queued as `OutgoingEmail` rows in the transaction that causes it (so a rolled-back
action sends nothing) and sent by `send_queued_emails`, which the `score_pending` worker and
`manage.py send_notifications` call. The rows stay as the record of what was sent; a row with
a `once_key` can be queued only once, ever.

Every mail of a kind a person can stop carries a signed opt-out link for its address and kind:
it needs no sign-in, and `settings.SECRET_KEY` signs it, so nobody can stop someone else's mail
by guessing a link. The account's own mail (confirming an address, a password reset) has none and
is always sent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from challenge.notices.models import OPTIONAL_KINDS, EmailKind, EmailOptOut, OutgoingEmail

logger = logging.getLogger(__name__)

OPT_OUT_SALT = "challenge.mail.opt-out"
BATCH = 50
MAX_ATTEMPTS = 6  # about an hour of retries, doubling the wait each time
# How long a worker holds the mails it is sending; past it, another worker sends them.
SENDING_LEASE = timedelta(minutes=10)


@dataclass(frozen=True)
class Mail:
    """One e-mail to queue: rendered from templates/email/<template>_subject.txt and _body.txt."""

    kind: str
    to: str
    template: str
    context: dict
    user: object = None
    once_key: str | None = None


def site_url(path: str = "") -> str:
    """An absolute link for a mail (no request to build it from): SITE_URL + path."""
    return settings.SITE_URL + path


def opt_out_token(*, address: str, kind: str) -> str:
    return signing.dumps({"a": address.strip().lower(), "k": kind}, salt=OPT_OUT_SALT, compress=True)


def read_opt_out_token(token: str) -> tuple[str, str]:
    """(address, kind) of a link we signed. Raises signing.BadSignature for any other token."""
    data = signing.loads(token, salt=OPT_OUT_SALT)
    if not isinstance(data, dict) or data.get("k") not in OPTIONAL_KINDS or not data.get("a"):
        raise signing.BadSignature("not an opt-out token")
    return data["a"], data["k"]


def opt_out_url(*, address: str, kind: str) -> str:
    return site_url(reverse("accounts:email-opt-out", args=[opt_out_token(address=address, kind=kind)]))


def queue_emails(mails: list[Mail]) -> int:
    """Render and queue mails; one whose once_key was queued before is dropped. Returns how many
    were new. Addresses that opted out are queued too and skipped when sending, so that an
    opt-out always applies to what is still waiting."""
    rows = []
    for mail in mails:
        if not mail.to:
            continue
        context = {**mail.context, "site_name": settings.SITE_NAME, "site_url": settings.SITE_URL,
                   "opt_out_url": opt_out_url(address=mail.to, kind=mail.kind) if mail.kind in OPTIONAL_KINDS else "",
                   "kind_label": EmailKind(mail.kind).label}
        subject = " ".join(render_to_string(f"email/{mail.template}_subject.txt", context).split())
        rows.append(OutgoingEmail(kind=mail.kind, to_address=mail.to, user=mail.user, subject=subject[:300],
                                  body=render_to_string(f"email/{mail.template}_body.txt", context),
                                  once_key=mail.once_key))
    keys = [row.once_key for row in rows if row.once_key]
    already = set(OutgoingEmail.objects.filter(once_key__in=keys).values_list("once_key", flat=True))
    fresh = [row for row in rows if row.once_key not in already]
    # ignore_conflicts: a concurrent worker queueing the same once_key loses quietly.
    OutgoingEmail.objects.bulk_create(fresh, ignore_conflicts=True)
    return len(fresh)


def send_queued_emails(*, limit: int = BATCH) -> int:
    """Send up to `limit` queued mails; returns how many rows were handled (0: nothing waits).

    Rows are claimed in a short transaction (SELECT ... FOR UPDATE SKIP LOCKED, then marked
    with a lease in `not_before`), so several workers never send the same mail; the mail server
    is then spoken to outside any transaction, and each row's outcome written after. A worker that
    dies while sending lets its lease run out and the mail goes on a later pass. A mail the server
    refuses is retried later (doubling waits), then marked failed.
    """
    now = timezone.now()
    with transaction.atomic():
        batch = list(OutgoingEmail.objects.select_for_update(skip_locked=True)
                     .filter(status=OutgoingEmail.Status.QUEUED)
                     .exclude(not_before__gt=now).order_by("id")[:limit])
        if not batch:
            return 0
        OutgoingEmail.objects.filter(pk__in=[mail.pk for mail in batch]).update(not_before=now + SENDING_LEASE)
    stopped = set(EmailOptOut.objects.filter(address__in={m.to_address.lower() for m in batch})
                  .values_list("address", "kind"))
    waiting = []
    for mail in batch:
        if (mail.to_address.lower(), mail.kind) in stopped:
            mail.status = OutgoingEmail.Status.SKIPPED
        else:
            waiting.append(mail)
    _send_all(waiting, now)
    OutgoingEmail.objects.bulk_update(batch, ["status", "attempts", "not_before", "sent_at"])
    return len(batch)


def _send_all(mails: list[OutgoingEmail], now) -> None:
    if not mails:
        return
    connection = get_connection()
    try:
        connection.open()
    except Exception as exc:  # the mail server is down: every mail waits for a later try
        logger.warning("cannot reach the mail server: %s", type(exc).__name__)
        for mail in mails:
            _postpone(mail, now)
        return
    try:
        for mail in mails:
            _send(mail, connection, now)
    finally:
        connection.close()


def _send(mail: OutgoingEmail, connection, now) -> None:
    headers = {}
    if mail.kind in OPTIONAL_KINDS:
        unsubscribe = opt_out_url(address=mail.to_address, kind=mail.kind)
        # One-click unsubscribe (RFC 8058): mail programs show a button that POSTs to the link.
        headers = {"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    message = EmailMessage(subject=mail.subject, body=mail.body, from_email=settings.DEFAULT_FROM_EMAIL,
                           to=[mail.to_address], connection=connection, headers=headers)
    try:
        message.send()
    except Exception as exc:  # SMTP and socket errors alike: the row waits for a later try
        logger.warning("e-mail %s failed: %s", mail.pk, type(exc).__name__)
        _postpone(mail, now)
        return
    mail.attempts += 1
    mail.status, mail.sent_at = OutgoingEmail.Status.SENT, timezone.now()


def _postpone(mail: OutgoingEmail, now) -> None:
    mail.attempts += 1
    if mail.attempts >= MAX_ATTEMPTS:
        mail.status = OutgoingEmail.Status.FAILED
    else:
        mail.not_before = now + timedelta(minutes=2 ** mail.attempts)


def email_preferences(*, address: str) -> list[dict]:
    """Every kind of mail a person can stop, with whether this address receives it."""
    stopped = set(EmailOptOut.objects.filter(address=address.strip().lower()).values_list("kind", flat=True))
    return [{"kind": kind, "label": EmailKind(kind).label, "receiving": kind not in stopped} for kind in OPTIONAL_KINDS]


def set_email_preference(*, address: str, kind: str, receive: bool) -> None:
    """Start or stop one kind of mail to an address (idempotent). Raises ValueError for an unknown
    kind, or the account's own mail (never stopped)."""
    if kind not in OPTIONAL_KINDS:
        raise ValueError(f"No such kind of e-mail: {kind}")
    address = address.strip().lower()
    if receive:
        EmailOptOut.objects.filter(address=address, kind=kind).delete()
    else:
        EmailOptOut.objects.get_or_create(address=address, kind=kind)
