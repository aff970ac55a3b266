"""The one exception type users see: a message that names the problem and the fix."""


class RVCError(Exception):
    """An error caused by user input or environment, with a message fit to show as-is.

    The UI and the CLI print `str(error)` and never a traceback for this type.
    """
