"""Alembic environment: the URL comes from the Config built by jiesu.store.migrate."""

from __future__ import annotations

from alembic import context

from jiesu.store.db import make_engine
from jiesu.store.tables import Base, load_feature_tables

load_feature_tables()

config = context.config
target_metadata = Base.metadata
# jiesu.store.migrate.upgrade's on_step: each migration as it is done (progress for the CLI)
on_version_apply = config.attributes.get("on_version_apply")


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=True, on_version_apply=on_version_apply)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True,
                          on_version_apply=on_version_apply)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
