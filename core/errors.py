"""Domain errors the API turns into 404, 409 and 422 responses and the CLI into messages."""


class NotFound(LookupError):
    """A referenced brand, source or mention does not exist."""


class Conflict(ValueError):
    """The request contradicts stored state (duplicate name, entity still in use)."""


class Invalid(ValueError):
    """A value the request gave cannot be accepted (422, field-level): `field` names it and
    `where` says where it was given ("body", "query" or "path")."""

    def __init__(self, message: str, field: str | None = None, where: str = "body") -> None:
        super().__init__(message)
        self.field = field
        self.where = where
