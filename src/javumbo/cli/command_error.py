"""The one exception a command raises for a failure the user can act on."""


class CommandError(Exception):
    """Printed as one line ``javumbo: error: ...``; the process exits with status 1."""
