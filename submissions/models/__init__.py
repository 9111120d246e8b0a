from submissions.models.core import Score, Submission

__all__ = ["Score", "Submission"]
