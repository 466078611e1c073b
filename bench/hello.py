"""The baseline of bench/http.py: a bare Flask hello world under the same gunicorn."""
from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "Hello, World!"
