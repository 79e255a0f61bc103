"""PostgreSQL helpers shared by the benchmarks."""

from __future__ import annotations


def database_ensure(name: str) -> None:
    """Create the database `name` on the local server (role postgres) unless it exists."""
    import psycopg2

    connection = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
