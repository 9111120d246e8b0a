"""Synthetic object detection data: ground truth and a noisy baseline, deterministic.

For a demo year and the bench: :func:`synthetic_detection` returns the four files an
organizer and a team would upload, as bytes, the same for the same arguments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["SyntheticDetection", "synthetic_detection"]


@dataclass(frozen=True)
class SyntheticDetection:
    """``image_list`` (``name index`` lines), ``boxes_csv`` (``ImageId,PredictionString``),
    ``blacklist`` (``index wnid`` lines) and ``predictions`` (a detection file)."""

    image_list: bytes
    boxes_csv: bytes
    blacklist: bytes
    predictions: bytes


def _boxes(rng: np.random.Generator, width: np.ndarray, height: np.ndarray, smallest: float) -> np.ndarray:
    """Random boxes inside images of the given sizes, from ``smallest`` to 90% of a side."""
    w = np.maximum(1, (width * rng.uniform(smallest, 0.9, len(width))).astype(np.int64))
    h = np.maximum(1, (height * rng.uniform(smallest, 0.9, len(height))).astype(np.int64))
    x1 = (rng.random(len(w)) * (width - w + 1)).astype(np.int64)
    y1 = (rng.random(len(h)) * (height - h + 1)).astype(np.int64)
    return np.stack([x1, y1, x1 + w - 1, y1 + h - 1], axis=1)


def _jitter(rng: np.random.Generator, boxes: np.ndarray, scale: float) -> np.ndarray:
    """Boxes moved by about ``scale`` of their size (kept non-empty and non-negative)."""
    size = np.repeat(boxes[:, 2:] - boxes[:, :2] + 1, 2, axis=0).reshape(-1, 4)
    moved = boxes + np.rint(rng.normal(0, scale, boxes.shape) * size).astype(np.int64)
    moved[:, :2] = np.maximum(moved[:, :2], 0)
    moved[:, 2:] = np.maximum(moved[:, 2:], moved[:, :2])
    return moved


def synthetic_detection(
    n_images: int,
    wnids: Sequence[str],
    seed: int,
    *,
    detections_per_image: float = 5.0,
    objects_per_image: float = 1.5,
    blacklist_fraction: float = 0.01,
    prefix: str = "SYNTH_val_",
) -> SyntheticDetection:
    """Ground truth for ``n_images`` images over the classes ``wnids`` (class id k is
    ``wnids[k - 1]``) and a noisy detector's file of about ``detections_per_image * n_images``
    lines.

    Images (200..500 px a side) hold a Poisson number of objects (some none, some small).
    The detector finds about 75% of the objects with jittered boxes, repeats some (duplicates
    are false positives), and adds random false positives; confidences have 3 decimals, so
    ties happen. A ``blacklist_fraction`` of the images with objects blacklist one pair.
    Raises ``ValueError`` for ``n_images < 1`` or no classes.
    """
    if n_images < 1 or not wnids:
        raise ValueError("need n_images >= 1 and at least one class")
    rng = np.random.default_rng(seed)
    n_classes = len(wnids)
    width, height = rng.integers(200, 501, n_images), rng.integers(200, 501, n_images)
    obj_image = np.repeat(np.arange(n_images), rng.poisson(objects_per_image, n_images))
    obj_class = rng.integers(1, n_classes + 1, len(obj_image))
    obj_box = _boxes(rng, width[obj_image], height[obj_image], 0.02)
    found = rng.random(len(obj_image)) < 0.75
    again = found & (rng.random(len(obj_image)) < 0.15)
    hit_src = np.concatenate([np.flatnonzero(found), np.flatnonzero(again)])
    hit_box = _jitter(rng, obj_box[hit_src], 0.08)
    hit_conf = np.concatenate([rng.uniform(0.3, 1.0, int(found.sum())), rng.uniform(0, 0.6, int(again.sum()))])
    n_noise = max(0, int(round(detections_per_image * n_images)) - len(hit_src))
    noise_image = rng.integers(0, n_images, n_noise)
    noise_box = _boxes(rng, width[noise_image], height[noise_image], 0.05)
    image = np.concatenate([obj_image[hit_src], noise_image])
    label = np.concatenate([obj_class[hit_src], rng.integers(1, n_classes + 1, n_noise)])
    conf = np.concatenate([hit_conf, rng.uniform(0.0, 0.8, n_noise)])
    boxes = np.concatenate([hit_box, noise_box])
    objects = (obj_image, obj_class, obj_box)
    return _write(rng, n_images, wnids, objects, (image, label, conf, boxes), blacklist_fraction, prefix)


def _write(
    rng: np.random.Generator,
    n_images: int,
    wnids: Sequence[str],
    objects: tuple[np.ndarray, np.ndarray, np.ndarray],
    detections: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    blacklist_fraction: float,
    prefix: str,
) -> SyntheticDetection:
    """The four files of :class:`SyntheticDetection` (detections sorted by image, stably)."""
    obj_image, obj_class, obj_box = objects
    image, label, conf, boxes = detections
    order = np.argsort(image, kind="stable")
    rows = zip((image[order] + 1).tolist(), label[order].tolist(), conf[order].tolist(), *boxes[order].T.tolist())
    predictions = "".join(f"{i} {c} {p:.3f} {a} {b} {x} {y}\n" for i, c, p, a, b, x, y in rows)
    names = [f"{prefix}{i + 1:08d}" for i in range(n_images)]
    per_image: list[list[str]] = [[] for _ in range(n_images)]
    for i, c, (a, b, x, y) in zip(obj_image.tolist(), obj_class.tolist(), obj_box.tolist()):
        per_image[i].append(f"{wnids[c - 1]} {a} {b} {x} {y}")
    csv = "ImageId,PredictionString\n" + "".join(f"{n},{' '.join(p)}\n" for n, p in zip(names, per_image))
    with_objects = np.unique(obj_image)
    chosen = np.sort(rng.permutation(with_objects)[: int(round(blacklist_fraction * len(with_objects)))])
    first = np.searchsorted(obj_image, chosen)  # the pair of the image's first object
    blacklist = "".join(f"{i + 1} {wnids[obj_class[k] - 1]}\n" for i, k in zip(chosen.tolist(), first.tolist()))
    image_list = "".join(f"{n} {i + 1}\n" for i, n in enumerate(names))
    return SyntheticDetection(image_list.encode(), csv.encode(), blacklist.encode(), predictions.encode())
