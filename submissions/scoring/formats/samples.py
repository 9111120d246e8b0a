"""Sample prediction files: the devkit's format with a chance-level baseline, for teams to start from.

A sample holds nothing about the answers (it is the same for every split of a given size): it
shows the format, has the right number of lines (for detection: one detection per image) and
scores when uploaded.
"""

from __future__ import annotations

import numpy as np

from ..tasks import ALL_TASKS, DETECTION, MAX_GUESSES

__all__ = ["sample_file"]

#: A box covering most of a typical ILSVRC image (about 500 x 375 pixels), for localization samples.
WHOLE_IMAGE_BOX = (0, 0, 499, 374)


def sample_file(task: str, *, n_images: int, n_classes: int) -> bytes:
    """One line per image with MAX_GUESSES class ids taken in turn from 1..n_classes (a guess
    no better than chance); for localization each id is followed by WHOLE_IMAGE_BOX. For
    detection, one detection per image (``image class 0.5`` and WHOLE_IMAGE_BOX), the class
    taken in turn.

    Raises ValueError for an unknown task or no images or classes.
    """
    if task not in ALL_TASKS:
        raise ValueError(f"unknown task {task!r}; expected one of {', '.join(ALL_TASKS)}")
    if n_images < 1 or n_classes < 1:
        raise ValueError("a sample needs at least one image and one class")
    if task == DETECTION:
        box = " ".join(map(str, WHOLE_IMAGE_BOX))
        return "".join(f"{i} {(i - 1) % n_classes + 1} 0.5 {box}\n" for i in range(1, n_images + 1)).encode()
    ids = (np.arange(n_images * MAX_GUESSES, dtype=np.int64) % n_classes + 1).reshape(n_images, MAX_GUESSES)
    if task == "localization":
        box = " " + " ".join(map(str, WHOLE_IMAGE_BOX))
        lines = (" ".join(f"{label}{box}" for label in row) for row in ids.tolist())
    else:
        lines = (" ".join(map(str, row)) for row in ids.tolist())
    return ("\n".join(lines) + "\n").encode()
