"""What one token of a file may be: a class id (an integer or the WNID of a leaf class), with the
reason it is not one. Prediction files and ground-truth files name classes alike."""

from __future__ import annotations

import re

from ..classes.class_set import ClassSet
from .limits import MAX_DIGITS
from .text import show

__all__ = ["DIGITS_RE", "NEGATIVE_RE", "WNID_BYTES_RE", "class_id_of", "is_zero"]

DIGITS_RE = re.compile(rb"[0-9]+")
NEGATIVE_RE = re.compile(rb"-[0-9]+")
WNID_BYTES_RE = re.compile(rb"n[0-9]{8}")


def class_id_of(token: bytes, class_set: ClassSet) -> int | str:
    """The class id a token names (``1..n_classes`` in at most 8 digits, or a leaf WNID), or the
    reason it names none."""
    n = class_set.n_classes
    cid = class_set.token_ids.get(token)
    if cid is not None:
        return cid
    if DIGITS_RE.fullmatch(token):
        if len(token) > MAX_DIGITS:
            return f"label {show(token)} has more than {MAX_DIGITS} digits; expected a class id 1..{n}"
        value = int(token)
        if 1 <= value <= n:
            return value
        if value == 0:
            return f"label 0 is outside 1..{n} (ids start at 1; see the note on 0-based indices)"
        return f"label {show(token)} is outside 1..{n}"
    if WNID_BYTES_RE.fullmatch(token):
        wnid = token.decode("ascii")
        cid = class_set.wnid_to_id.get(wnid)
        if cid is not None:
            return cid
        internal = class_set.internal_wnid_id(wnid)
        if internal is not None:
            return f"WNID {wnid} is {class_set.describe(internal)}, an internal synset, not one of the {n} classes"
        return f"unknown WNID {wnid}: not one of the {n} classes"
    if NEGATIVE_RE.fullmatch(token):
        return f"label {show(token)} is outside 1..{n}"
    return f"{show(token)} is not a class id (an integer 1..{n}) or a WNID"


def is_zero(token: bytes) -> bool:
    """Is the token 0 written in digits (``0``, ``000``): a 0-based class index?"""
    return DIGITS_RE.fullmatch(token) is not None and int(token) == 0
