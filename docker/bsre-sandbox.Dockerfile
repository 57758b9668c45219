#
# BSrE e-signature sandbox, for the compose `dev` profile only: production Odoo
# talks to the office's BSrE gateway. Build context is the repository root
# (filtered by docker/bsre-sandbox.Dockerfile.dockerignore):
#
#   docker build -f docker/bsre-sandbox.Dockerfile -t sicantik-bsre-sandbox .
#
# PYTHON_IMAGE: the official image by default; the Docker test builds on a
# local stand-in (docker/test/python.Dockerfile).
ARG PYTHON_IMAGE=python:3.11-slim
FROM ${PYTHON_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

WORKDIR /app

# Dependencies in their own layer so sandbox code edits rebuild quickly; from
# docker/wheelhouse/ only (--no-index) when it holds wheels, as in docker/Dockerfile.
COPY sandbox/bsre/requirements.txt /tmp/bsre-requirements.txt
COPY docker/wheelhouse/ /tmp/wheels/
RUN if ls /tmp/wheels/*.whl >/dev/null 2>&1; then \
        set -- --no-index --find-links /tmp/wheels; else set --; fi \
    && pip install "$@" -r /tmp/bsre-requirements.txt \
    && rm -rf /tmp/bsre-requirements.txt /tmp/wheels

# `python -m sandbox.bsre` needs the package path sandbox/bsre under WORKDIR;
# the ignore file lets only sandbox/__init__.py (if any) and sandbox/bsre in.
COPY sandbox/ /app/sandbox/
COPY docker/bsre/healthcheck.py /usr/local/bin/bsre-healthcheck.py

# Unprivileged user owning only the state directory (--state-dir); a fresh
# named volume mounted on /data inherits this ownership.
RUN useradd --system --user-group --home-dir /data --shell /usr/sbin/nologin bsre \
    && mkdir -p /data \
    && chown bsre:bsre /data
USER bsre

EXPOSE 8020
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=5 \
    CMD ["python", "/usr/local/bin/bsre-healthcheck.py"]

CMD ["python", "-m", "sandbox.bsre", "--host", "0.0.0.0", "--port", "8020", \
     "--state-dir", "/data"]
