"""The tasks the core scores: three with one line per image and up to five guesses, and object
detection, whose files hold any number of boxes with a confidence."""

from __future__ import annotations

__all__ = ["ALL_TASKS", "DETECTION", "MAX_GUESSES", "TASKS"]

TASKS = ("classification", "localization", "hierarchical")  # one line per image, up to 5 guesses
DETECTION = "detection"  # any number of lines: boxes with a confidence
ALL_TASKS = (*TASKS, DETECTION)
#: The devkit's limit of guesses per image.
MAX_GUESSES = 5
