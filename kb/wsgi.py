"""WSGI entry point for servers other than gunicorn: ``kb.wsgi:app`` (checks the database at
start-up, as ``gunicorn 'kb:create_app()'`` does)."""

from kb import create_app

app = create_app({"CHECK_DATABASE_ON_START": True})
