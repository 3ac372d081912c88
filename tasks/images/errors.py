"""The one failure an image can have: refused, with a reason that is published."""


class ImageRefused(Exception):
    """This image cannot be used (policy, network, format); the article goes on without it."""
