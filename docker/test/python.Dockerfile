# Stand-in for `python:3.11-slim` (Docker test only; base of the BSrE sandbox
# image): Debian bookworm's Python 3.11 with `python` and `pip` on PATH.
# PIP_BREAK_SYSTEM_PACKAGES: the official image's Python is not Debian-managed,
# so its Dockerfiles pip-install system-wide without the flag.
ARG BASE_IMAGE=sicantik-test/debian:bookworm
FROM ${BASE_IMAGE}
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        python3 python3-pip python-is-python3 \
    && rm -rf /var/lib/apt/lists/* \
    && ln -s /usr/bin/pip3 /usr/local/bin/pip
ENV PIP_BREAK_SYSTEM_PACKAGES=1
CMD ["python3"]
