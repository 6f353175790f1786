"""The package's exceptions: one base, narrow subclasses, raised `from` the library error they wrap."""


class PaknError(Exception):
    """Base of every error this package raises on purpose."""


class ConfigurationError(PaknError):
    """The environment does not describe a usable configuration."""


class InvalidInput(PaknError):
    """Input from outside (a webhook, a push, a request) cannot be accepted as it is.

    `code` is stable and machine-readable; the message is for people and never carries personal data.
    """

    status = 400

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class Unauthorized(InvalidInput):
    status = 401


class PayloadTooLarge(InvalidInput):
    status = 413


class PermanentFailure(PaknError):
    """Retrying cannot help: the message goes to the dead-letter topic with this reason."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class TransientFailure(PaknError):
    """Retrying later may help: the message is handed back to Pub/Sub for redelivery."""
