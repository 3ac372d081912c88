"""The Celery app, its settings and logging, and the ``newsflow`` command line."""
