"""Errors a stage raises, split by what the pipeline should do about them."""


class PermanentError(Exception):
    """Bad input: retrying cannot help, so the article goes to the dead letters."""


class TransientError(Exception):
    """A passing failure (network, a busy service): the stage is retried with backoff."""


class MissingStateError(PermanentError):
    """The article's state expired or was never stored, so the stage has nothing to read."""


class AttemptsExhaustedError(PermanentError):
    """A stage kept being redelivered without finishing: it is dead-lettered, not retried."""
