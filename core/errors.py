"""Domain errors the API turns into 404 and 409 responses and the CLI into messages."""


class NotFound(LookupError):
    """A referenced brand, source or mention does not exist."""


class Conflict(ValueError):
    """The request contradicts stored state (duplicate name, entity still in use)."""
