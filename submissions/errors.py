"""Why an upload is refused: the intake service raises these, and the refusal counter and the
views catch them (a leaf module, so that both can import it)."""


class SubmissionNotAllowed(Exception):
    """This person may not submit here now (no team, banned team, closed year)."""


class SubmissionRefused(Exception):
    """The upload was refused before anything was stored; it costs no quota.

    `errors` is a list of (line or None, message) pairs a person can act on.
    """

    def __init__(self, errors: list[tuple[int | None, str]]):
        self.errors = errors
        super().__init__("; ".join(message for _, message in errors))


class ValidationsBusy(Exception):
    """This web worker is validating as many files as it may at once; nothing was stored or
    counted. `retry_after` is the seconds to wait before sending the file again."""

    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        super().__init__(f"The server is checking other uploads right now; nothing was stored or counted. "
                         f"Please try again in {retry_after} s.")
