# The bot for Azure Container Apps, App Service for Containers or any container host.
#   docker build -t uca-bot .                          (add --build-arg WITH_PDF=true for PDF letters)
#   docker run -p 3978:3978 --env-file .env uca-bot
# Settings come from the environment (see README, Configuration); without credentials, ALLOWED_TENANT_IDS or with
# SQLite and INSTANCES>1 the app refuses to start and says why. Use PostgreSQL (DATABASE_URL) in production.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOST=0.0.0.0 \
    PORT=3978

WORKDIR /app

# Letters as PDF (letters/pdf.py) need LibreOffice, about 400 MB more: `docker build --build-arg WITH_PDF=true`.
# Without it, letters are offered as .docx only.
ARG WITH_PDF=false
RUN if [ "$WITH_PDF" = "true" ]; then \
        apt-get update && apt-get install -y --no-install-recommends libreoffice-writer-nogui \
        && rm -rf /var/lib/apt/lists/*; \
    fi

# Dependencies first, exactly as requirements-runtime.lock pins them (each file checked against its hash), so this
# layer is rebuilt only when they change.
COPY requirements-runtime.lock ./
RUN pip install --require-hashes -r requirements-runtime.lock

# Then the project itself (its dependencies are already there).
COPY . .
RUN pip install --no-deps . \
    && rm -rf build *.egg-info \
    && useradd --system --uid 10001 --user-group --home-dir /app --no-create-home --shell /usr/sbin/nologin uca \
    && mkdir -p /app/data \
    && chown uca:uca /app/data

# The code stays root-owned and read-only to the app; only ./data (the default SQLite location) is writable.
USER uca

EXPOSE 3978

# GET /healthz answers 503 when the database cannot be reached; urlopen raises on any error status.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3978'), timeout=4)" || exit 1

CMD ["python", "app.py"]
