# CPU image: both models, bundled artifacts, in-memory cache unless REDIS_URL is set.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    MODELS_DIR=/srv/revertrisk/models HTTP_PORT=8080

RUN useradd --system --uid 65533 --home /srv/revertrisk somebody
WORKDIR /srv/revertrisk

# torch is pinned to the CPU build; the CUDA variant is a separate build arg for GPU nodes.
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
RUN pip install --index-url "$TORCH_INDEX" torch==2.13.0

COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install .

COPY models ./models

USER 65533
EXPOSE 8080
ENTRYPOINT ["revertrisk", "serve"]
