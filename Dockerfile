# One image for every Purna process; the command picks the service and the role:
#   python -m purna_<service>.entrypoints.api | worker      (service processes)
#   purna migrate                                           (one-shot: every service's database)
# Build: docker build -t purna:local .
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# -- builder: resolve exactly what uv.lock pins into /app/.venv -------------------------------
FROM ${PYTHON_IMAGE} AS builder

# the same uv as the root pyproject's dev group, from PyPI
ARG UV_VERSION=0.13.9
RUN pip install --no-cache-dir --disable-pip-version-check "uv==${UV_VERSION}"

# (no BuildKit-only syntax: the image also builds with the classic builder docker-compose 1.x uses)
ENV UV_COMPILE_BYTECODE=1 \
    UV_NO_CACHE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /src

# Third-party dependencies first: this layer is rebuilt only when the lock or a manifest changes.
COPY pyproject.toml uv.lock ./
COPY shared/pyproject.toml shared/
COPY services/registration/pyproject.toml services/registration/
COPY services/training/pyproject.toml services/training/
COPY services/credit/pyproject.toml services/credit/
COPY services/notification/pyproject.toml services/notification/
COPY services/console/pyproject.toml services/console/
RUN uv sync --frozen --no-dev --all-packages --no-install-workspace

# Then Purna itself, installed (not linked) into the environment, so /src is not needed later.
COPY purna/ purna/
COPY shared/ shared/
COPY services/ services/
RUN uv sync --frozen --no-dev --all-packages --no-editable

# -- runtime: the environment, a non-root user, nothing else ---------------------------------
FROM ${PYTHON_IMAGE} AS runtime

ARG UID=10001
RUN groupadd --system --gid "${UID}" purna \
    && useradd --system --uid "${UID}" --gid purna --home-dir /tmp --no-create-home \
       --shell /usr/sbin/nologin purna

COPY --from=builder --chown=root:root /app/.venv /app/.venv

# Byte code was compiled at build time; the root filesystem may be read-only, so nothing is
# written at run time except under /tmp (mount an emptyDir or tmpfs there).
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp \
    TMPDIR=/tmp \
    DATA_DIR=/tmp/purna \
    HTTP_HOST=0.0.0.0 \
    LOG_JSON=true

WORKDIR /tmp
USER 10001:10001
EXPOSE 8001 8002 8003 8004

# no default service: say which process to run, e.g. `python -m purna_training.entrypoints.api`
CMD ["purna", "--help"]
