"""A task's votes read from the database as arrays, for the consensus (consensus.Votes): the
one read of a million rows that must be fast. On PostgreSQL it is a binary COPY parsed by numpy
(about 32 bytes a vote on the wire, no Python object per row: bench/crowd.py measures it);
elsewhere (SQLite, a developer's machine) the ORM in chunks."""

from __future__ import annotations

import hashlib
import io

import numpy as np
from django.db import connection

from challenge.annotation.models import Vote

# A binary COPY row of (bigint, bigint, smallint): the field count, then length + value each.
_ROW = np.dtype([("fields", ">i2"), ("len_q", ">i4"), ("question", ">i8"), ("len_a", ">i4"), ("annotator", ">i8"),
                 ("len_k", ">i4"), ("answer", ">i2")])
_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
_CHUNK = 50_000


def read_votes(task_id: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(question ids, annotator ids, answers) of every vote of a task, as int64, int64 and int8
    arrays in no particular order."""
    if connection.vendor == "postgresql":
        return _copy_votes(task_id)
    rows = Vote.objects.filter(task_id=task_id).values_list("question_id", "annotator_id", "answer")
    chunks = [np.zeros((0, 3), dtype=np.int64)]
    batch: list[tuple[int, int, int]] = []
    for row in rows.iterator(chunk_size=_CHUNK):
        batch.append(row)
        if len(batch) == _CHUNK:
            chunks.append(np.array(batch, dtype=np.int64))
            batch = []
    if batch:
        chunks.append(np.array(batch, dtype=np.int64))
    table = np.concatenate(chunks)
    return table[:, 0].copy(), table[:, 1].copy(), table[:, 2].astype(np.int8)


def _copy_votes(task_id: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    buffer = io.BytesIO()
    table = Vote._meta.db_table
    query = f"COPY (SELECT question_id, annotator_id, answer FROM {table} WHERE task_id = {int(task_id)}) TO STDOUT WITH (FORMAT binary)"
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(query, buffer)  # the driver's own cursor: Django's wrapper has no COPY
    data = buffer.getbuffer()
    header_end = len(_SIGNATURE) + 8 + int.from_bytes(data[len(_SIGNATURE) + 4: len(_SIGNATURE) + 8], "big")
    if bytes(data[: len(_SIGNATURE)]) != _SIGNATURE:
        raise RuntimeError("PostgreSQL's binary COPY did not start with its signature")
    body = data[header_end: len(data) - 2]  # the trailer is a field count of -1
    rows = np.frombuffer(body, dtype=_ROW)
    if rows.size and (rows["fields"] != 3).any():
        raise RuntimeError("PostgreSQL's binary COPY rows are not (bigint, bigint, smallint)")
    return rows["question"].astype(np.int64), rows["annotator"].astype(np.int64), rows["answer"].astype(np.int8)


def votes_digest(question: np.ndarray, annotator: np.ndarray, answer: np.ndarray) -> str:
    """SHA-256 of the votes in a canonical order (by question id, then annotator id), each vote
    three little-endian int64: what an aggregation and its publication rest on."""
    order = np.lexsort((annotator, question))
    table = np.stack([question[order], annotator[order], answer[order].astype(np.int64)], axis=1)
    return hashlib.sha256(table.astype("<i8").tobytes()).hexdigest()


def write_votes(*, task_id: int, question: np.ndarray, annotator: np.ndarray, answer: np.ndarray, at) -> None:
    """Insert many votes of a task at once (an import): database ids of their questions and
    annotators, answers 0..2, all made at `at`. On PostgreSQL a COPY of CSV text built by numpy;
    elsewhere bulk inserts."""
    if connection.vendor != "postgresql":
        for start in range(0, question.size, _CHUNK):
            Vote.objects.bulk_create(
                Vote(task_id=task_id, question_id=int(q), annotator_id=int(a), answer=int(k), created_at=at)
                for q, a, k in zip(question[start: start + _CHUNK].tolist(), annotator[start: start + _CHUNK].tolist(),
                                   answer[start: start + _CHUNK].tolist()))
        return
    columns = "task_id, question_id, annotator_id, answer, created_at"
    stamp = at.isoformat()
    for start in range(0, question.size, 200_000):
        rows = np.stack([np.full(question[start: start + 200_000].size, task_id), question[start: start + 200_000],
                         annotator[start: start + 200_000], answer[start: start + 200_000].astype(np.int64)], axis=1)
        text = io.StringIO()
        np.savetxt(text, rows, fmt="%d", delimiter=",", newline=f",{stamp}\n")
        text.seek(0)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(f"COPY {Vote._meta.db_table} ({columns}) FROM STDIN WITH (FORMAT csv)", text)
