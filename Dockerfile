# Production image of one node: gunicorn serving wsgi:app as a non-root user.
# A node must sit behind a buffering proxy (its sync workers cannot be exposed to
# slow clients): deploy/compose.yaml starts the whole shape (nginx, two nodes,
# PostgreSQL, Redis, MinIO) with one command. With DESA_ENV=production the node
# refuses to start until PROXY_COUNT declares that front (deploy/gunicorn.conf.py).
# Configure with environment variables (see README): DATABASE_URL, SECRET_KEY,
# DESA_ENV=production, PROXY_COUNT=1, BASE_DOMAIN, REDIS_URL, S3_*.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    FLASK_APP=wsgi \
    INSTANCE_PATH=/app/instance

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
RUN useradd --system --uid 10001 --home /app desa \
    && mkdir -p /app/instance \
    && chown -R desa /app/instance
USER desa

# Reached by the proxy only: publish nginx's port, never this one.
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"

# Run `flask db upgrade && flask tenants import` once per deployment (the compose
# file's release service). gunicorn is PID 1: when it dies the container ends, and
# its workers with it.
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "wsgi:app"]
