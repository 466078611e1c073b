"""Entry point for gunicorn (``gunicorn wsgi:app``) and ``FLASK_APP=wsgi``."""
from app import create_app
from app.process import settle_after_start

app = create_app()
settle_after_start()  # start-up objects out of the garbage collector's walks
