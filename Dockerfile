# revertrisk-service images. Targets:
#   cpu  revertrisk-service:<version>      no torch, unless a manifest under models/ reads the
#                                          text classifiers' scores (then CPU torch: the `text` extra)
#   gpu  revertrisk-service:<version>-gpu  CUDA torch and the `text` extra, DEVICE=cuda; needs the
#                                          NVIDIA container runtime
# Always name the target (docker build --target cpu|gpu). The defaults suit a machine that can pull
# from Docker Hub and the PyTorch index. Offline builds (scripts/build-image.sh, `make image`) pass
# a debootstrapped base, a local torch wheel and the host's CA bundle instead.
# MODEL picks the one model a container serves (unset: both).

# BASE_IMAGE: any Debian bookworm root filesystem (python3.11 comes from Debian's packages).
ARG BASE_IMAGE=debian:bookworm-slim

FROM ${BASE_IMAGE} AS python-base
# Every stage, and so every intermediate image the build leaves behind, carries this label:
# `make clean` removes the project's images by it and never touches another project's.
LABEL io.revertrisk.project=revertrisk-service
ENV LANG=C.UTF-8 PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
# libgomp1: OpenMP for XGBoost and CatBoost.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        python3.11 ca-certificates libgomp1 \
    && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin

# Builds the virtual environment; nothing of this stage but /opt/venv reaches the runtime.
FROM python-base AS builder
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3.11-venv \
    && rm -rf /var/lib/apt/lists/* \
    && python3.11 -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# docker/local/ holds what an offline build brings along (a torch wheel, a CA bundle for a
# TLS-intercepting proxy); it is empty for a registry build. PIP_CERT names that bundle.
COPY docker/local/ /tmp/local/
ARG PIP_CERT=
ENV PIP_CERT=${PIP_CERT}

# The extras that the models' manifests need (docker/needed-extras.py): `text` when one reads the
# text classifiers' scores. Only this small stage reruns when models/ changes; the venv layers
# below stay cached as long as its answer does not.
FROM python-base AS extras
COPY docker/needed-extras.py /usr/local/lib/revertrisk/
COPY models /tmp/models
RUN python3.11 /usr/local/lib/revertrisk/needed-extras.py /tmp/models >/extras \
    && echo "extras the manifests need: $(cat /extras)"

FROM builder AS venv-cpu
COPY --from=extras /extras /tmp/extras
# CPU torch first, and only with the `text` extra: from PyPI the dependencies would pull the CUDA
# build. An empty TORCH_INDEX_URL takes it from the wheels in docker/local/ (offline builds).
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
RUN if grep -qw text /tmp/extras; then \
        pip install --progress-bar off --find-links /tmp/local \
            ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"} "torch==2.13.0" \
        && python -c "import torch; assert torch.version.cuda is None, torch.version.cuda"; \
    fi
# The project's dependencies change less often than its code: the venv layer stays cached while
# only src/ changes, and the project goes in as a small wheel on top.
COPY docker/install-project.sh /usr/local/bin/
# Only pyproject.toml: a README edit must not reinstall the dependencies.
COPY pyproject.toml /src/
RUN install-project.sh deps cpu $(cat /tmp/extras)
# A layer of its own: a change to what it removes does not reinstall the dependencies (only the
# stage's final /opt/venv reaches the image, so what it removes is gone from the image).
COPY docker/slim-venv.sh /usr/local/bin/
RUN slim-venv.sh

# The project itself, installed under /project as if into /opt/venv: the runtime stages copy it
# over their venv, which carries no pip (slim-venv.sh removes it).
FROM builder AS project
COPY docker/install-project.sh /usr/local/bin/
COPY pyproject.toml README.md /src/
COPY src /src/src
RUN install-project.sh project /project

# Slim runtime: Debian's python3.11, the venv, the model artifacts; no compilers, no pip.
FROM python-base AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    MODELS_DIR=/srv/revertrisk/models HTTP_PORT=8080 MODEL= \
    HOME=/srv/revertrisk MPLCONFIGDIR=/tmp/matplotlib HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
# 65533 "somebody": Wikimedia's conventional unprivileged user. Nothing it runs can write the code.
RUN groupadd --system --gid 65533 somebody \
    && useradd --system --uid 65533 --gid 65533 --no-create-home --home-dir /srv/revertrisk somebody
WORKDIR /srv/revertrisk
COPY docker/healthcheck.py docker/smoke-test.py /usr/local/lib/revertrisk/
COPY models ./models
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python3.11", "/usr/local/lib/revertrisk/healthcheck.py"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["revertrisk", "serve"]

FROM runtime AS cpu
COPY --from=venv-cpu /opt/venv /opt/venv
# The project in its own small layer: a src/ change leaves the dependency layer above cached.
COPY --from=project /project/opt/venv /opt/venv
# Then the smoke test: every shipped model loads in the finished venv, before anything is tagged.
RUN python /usr/local/lib/revertrisk/smoke-test.py
ENV DEVICE=cpu
LABEL org.opencontainers.image.title="revertrisk-service (CPU)"
USER 65533:65533

# GPU stages come after the CPU target: the classic builder builds every stage before --target.
FROM builder AS venv-gpu
ARG TORCH_CUDA_INDEX_URL=https://download.pytorch.org/whl/cu128
RUN pip install --progress-bar off --index-url "$TORCH_CUDA_INDEX_URL" "torch==2.13.0" \
    && python -c "import torch; assert torch.version.cuda, 'torch without CUDA'"
COPY docker/install-project.sh /usr/local/bin/
COPY pyproject.toml /src/
# The text classifiers are what a GPU is for: this image always carries the `text` extra.
RUN install-project.sh deps gpu text
COPY docker/slim-venv.sh /usr/local/bin/
RUN slim-venv.sh

FROM runtime AS gpu
COPY --from=venv-gpu /opt/venv /opt/venv
COPY --from=project /project/opt/venv /opt/venv
RUN python /usr/local/lib/revertrisk/smoke-test.py
# Read by the NVIDIA container runtime; DEVICE=cuda only ever in this target.
ENV DEVICE=cuda NVIDIA_VISIBLE_DEVICES=all NVIDIA_DRIVER_CAPABILITIES=compute,utility
LABEL org.opencontainers.image.title="revertrisk-service (GPU)"
USER 65533:65533
