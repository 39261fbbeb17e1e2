"""python-pg: the seeds' first migration failure. psycopg2 was built from source against
libpq-dev, so its extension needs the system's libpq.so.5; this image's base has no libpq5."""
import psycopg2

print("psycopg2", psycopg2.__version__, "libpq", psycopg2.extensions.libpq_version(), flush=True)
