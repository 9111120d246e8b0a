"""Writes that set up challenge years: class sets, ground truth, files in private storage."""

import csv
import hashlib
import uuid
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from challenge.models import AuditEntry, ClassSet, GroundTruth, Split, Synset

SHIPPED_ILSVRC2012 = Path(__file__).resolve().parent / "data" / "ilsvrc2012"


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def store_private_file(*, prefix: str, data: bytes, suffix: str = ".txt") -> tuple[str, str]:
    """Save bytes under a key we generate (never a user's file name) and return (key, sha256)."""
    key = default_storage.save(f"{prefix}/{uuid.uuid4().hex}{suffix}", ContentFile(data))
    return key, sha256_of(data)


def read_private_file(key: str) -> bytes:
    with default_storage.open(key, "rb") as handle:
        return handle.read()


@transaction.atomic
def import_class_set_from_tsv(
    *, slug: str, name: str, synsets_tsv: Path, edges_tsv: Path, n_classes: int = 1000, source: str = ""
) -> ClassSet:
    """Create or refresh a class set from the shipped TSV files (synsets and is-a edges).

    Idempotent: importing the same files twice leaves one class set with the same rows.
    Raises ValueError when a row is malformed or an edge names an unknown synset.
    """
    class_set, _ = ClassSet.objects.update_or_create(
        slug=slug, defaults={"name": name, "n_classes": n_classes, "source": source}
    )
    with open(synsets_tsv, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    existing = {s.ilsvrc_id: s for s in class_set.synsets.all()}
    to_create, to_update = [], []
    for row in rows:
        ilsvrc_id = int(row["ilsvrc2012_id"])
        values = dict(
            wnid=row["wnid"],
            words=row["words"],
            gloss=row["gloss"],
            is_leaf=int(row["num_children"]) == 0,
            wordnet_height=int(row["wordnet_height"]),
            num_train_images=int(row["num_train_images"]),
        )
        if ilsvrc_id in existing:
            synset = existing[ilsvrc_id]
            for field, value in values.items():
                setattr(synset, field, value)
            to_update.append(synset)
        else:
            to_create.append(Synset(class_set=class_set, ilsvrc_id=ilsvrc_id, **values))
    Synset.objects.bulk_create(to_create, batch_size=1000)
    Synset.objects.bulk_update(to_update, list(values), batch_size=1000)

    pk_by_id = dict(class_set.synsets.values_list("ilsvrc_id", "pk"))
    Edge = Synset.parents.through
    Edge.objects.filter(from_synset__class_set=class_set).delete()
    with open(edges_tsv, newline="", encoding="utf-8") as handle:
        edges = [
            Edge(from_synset_id=pk_by_id[int(r["child_id"])], to_synset_id=pk_by_id[int(r["parent_id"])])
            for r in csv.DictReader(handle, delimiter="\t")
        ]
    Edge.objects.bulk_create(edges, batch_size=2000)
    return class_set


def import_ilsvrc2012() -> ClassSet:
    return import_class_set_from_tsv(
        slug="ilsvrc2012",
        name="ILSVRC2012 (1000 classes)",
        synsets_tsv=SHIPPED_ILSVRC2012 / "synsets_1860.tsv",
        edges_tsv=SHIPPED_ILSVRC2012 / "is_a_edges.tsv",
        source="ILSVRC2012_devkit_t12.tar.gz data/meta.mat (MD5 fa75699e90414af021442c21a62c3abf)",
    )


@transaction.atomic
def replace_ground_truth(*, split: Split, labels: bytes, boxes: bytes = b"", blacklist: bytes = b"", user=None) -> GroundTruth:
    """Store a new ground-truth version for a split and make it the current one.

    The caller validates the content first (see submissions' scoring core); this only stores
    it privately and records the SHA-256 commitments. Old versions stay for their scores.
    """
    prefix = f"ground-truth/{split.pk}"
    labels_key, labels_sha = store_private_file(prefix=prefix, data=labels)
    boxes_key, boxes_sha = store_private_file(prefix=prefix, data=boxes, suffix=".csv") if boxes else ("", "")
    blacklist_key, blacklist_sha = store_private_file(prefix=prefix, data=blacklist) if blacklist else ("", "")
    split.ground_truths.filter(is_current=True).update(is_current=False)
    ground_truth = GroundTruth.objects.create(
        split=split,
        labels_key=labels_key,
        labels_sha256=labels_sha,
        boxes_key=boxes_key,
        boxes_sha256=boxes_sha,
        blacklist_key=blacklist_key,
        blacklist_sha256=blacklist_sha,
        uploaded_by=user,
    )
    return ground_truth


def record_audit(*, actor, action: str, target: str = "", year=None, **details) -> AuditEntry:
    return AuditEntry.objects.create(actor=actor, action=action, target=target[:300], year=year, details=details)
