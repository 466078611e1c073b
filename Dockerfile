# Production image: gunicorn serving wsgi:app as a non-root user.
# Configure with environment variables (see README): DATABASE_URL, SECRET_KEY,
# DESA_ENV=production, BASE_DOMAIN, REDIS_URL, S3_*.
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

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"

# Run `flask db upgrade && flask tenants import` once per deployment (a release step).
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "4", "--access-logfile", "-", "wsgi:app"]
