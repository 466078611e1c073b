"""Entry point for gunicorn (``gunicorn wsgi:app``) and ``FLASK_APP=wsgi``."""
from app import create_app

app = create_app()
