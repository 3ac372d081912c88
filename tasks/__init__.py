"""The five stages. Each module holds a pure function and a thin Celery task around it."""
