"""Alembic migrations, shipped inside the package; run them through :mod:`storage.migrate`."""
