# Two commands do all the set-up on a fresh machine: `make serve` and `make test`. `make try` runs
# the service against a local MediaWiki, offline, and prints curl commands that score its edits.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
PORT ?= 8080
# The local MediaWiki of `make try` and `make dev-wiki`, and where `make try` keeps its files.
WIKI_PORT ?= 8081
TRY_DIR ?= var/try
PYTEST_ARGS ?=
# The labelled data `make models` trains on (override: make models DATA_DIR=/path/to/data).
DATA_DIR ?= ../shared/data
# Every Docker image the project builds, its build stages included, carries this label (Dockerfile).
IMAGE_LABEL := io.revertrisk.project=revertrisk-service

.PHONY: install system-deps try-deps docker-deps image image-gpu serve try try-history dev-wiki test test-fast datasets models ablations disparate-impact bench load lint audit docs clean

# The dev install: the service in editable mode with every extra (the text classifiers' torch and
# transformers included, so the text-model tests run), the dev tools (devtools/, their own
# package, never in the wheel or the image) and the test tools. pip prints each package.
$(INSTALLED): pyproject.toml devtools/pyproject.toml Makefile
	@echo "== Installing into $(VENV): minutes the first time (3.6 GB: torch 0.75 GB, pyspark 0.49 GB, catboost 0.27 GB; docs/development.md) =="
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# torch first and pinned: 2.13.0 is the CPU build on this machine's disk; anything else pulls CUDA.
	$(BIN)/python -m pip install --progress-bar on torch==2.13.0
	$(BIN)/python -m pip install --progress-bar on -e '.[dev,signals,text,evaluation,dataset]' -e ./devtools
	# ORES's own API client for the ORES-layer contract test. The package pins 2019 dependencies
	# (celery 4.1 with metadata current pip rejects, PyYAML 4.2b4, werkzeug 0.16, revscoring) that
	# do not install on Python 3.11; its `ores.api.Session` needs only requests and more-itertools.
	$(BIN)/python -m pip install -q --no-deps ores==1.4.0
	touch $(INSTALLED)
	@echo "== $(VENV) is ready: the command is $(BIN)/revertrisk (or source $(BIN)/activate) =="

install: $(INSTALLED)

# Debian packages for the tests and the dataset builder: a real MediaWiki on SQLite, PHP's CLI
# server, Redis, Chromium, PostgreSQL, Java. Installs only what is missing: silent otherwise.
system-deps:
	bash scripts/install-system-deps.sh

# Only what `make try` needs (MediaWiki and PHP), so that a second run needs no root or network.
try-deps:
	bash scripts/install-system-deps.sh try

# Docker, a running dockerd and the debootstrapped base image (docker.io, debootstrap from Debian).
docker-deps:
	bash scripts/docker-setup.sh

# The CPU image from the local base: revertrisk-service:<version> (torch only if a manifest under
# models/ reads text-model scores; then from the local CPU wheel). Prints each step and the size.
image: docker-deps
	bash scripts/build-image.sh cpu

# The GPU image (CUDA torch from the PyTorch index, several GB): revertrisk-service:<version>-gpu.
# Where only PyPI is reachable: make image-gpu TORCH_CUDA_INDEX_URL=https://pypi.org/simple
image-gpu: docker-deps
	bash scripts/build-image.sh gpu

serve: install
	$(BIN)/revertrisk serve --port $(PORT)

# Offline in one command: a real local MediaWiki with the fixture history on $(WIKI_PORT), the
# service reading every wiki from it on $(PORT) with feedback on under a demo token, and curl
# commands that score its edits. Ctrl-C stops both. Busy ports: make try PORT=8090 WIKI_PORT=8091.
try: install try-deps
	$(BIN)/python -m revertrisk_devtools.try_it --port $(PORT) --wiki-port $(WIKI_PORT) --dir $(TRY_DIR)

# A real history to train on: the first $(HISTORY_PAGES) pages of a shipped Wikipedia history
# (Acehnese by default, 6,481 revisions), built into a labelled dataset on local Spark and
# trained on; prints the dataset's counts and the model's held-out figures (minutes). Another
# history: make try-history HISTORY=/path/to/history.xml.bz2 (enough pages for a hold-out).
HISTORIES ?= $(DATA_DIR)/histories
HISTORY ?= $(HISTORIES)/acewiki-pages-meta-history.xml.bz2
HISTORY_PAGES ?= 120
HISTORY_DIR ?= var/try-history
try-history: install system-deps
	rm -rf $(HISTORY_DIR)
	$(BIN)/python -m revertrisk_devtools.history_slice "$(HISTORY)" --pages $(HISTORY_PAGES) --out $(HISTORY_DIR)/history.xml.gz
	SPARK_LOCAL_IP=127.0.0.1 $(BIN)/revertrisk dataset build --dump $(HISTORY_DIR)/history.xml.gz --out $(HISTORY_DIR)/dataset
	$(BIN)/revertrisk train language-agnostic --data $(HISTORY_DIR)/dataset --output-dir $(HISTORY_DIR)/model

# The local MediaWiki alone, on $(WIKI_PORT) (point a service at it: WIKI_URL=http://127.0.0.1:8081).
dev-wiki: install try-deps
	$(BIN)/revertrisk dev-wiki --port $(WIKI_PORT)

# The end-to-end tests include building the CPU image (minutes the first time; its steps are
# printed as it goes, the full log is var/image-build-cpu.log).
test: install system-deps docker-deps
	@echo "== Running the whole suite: unit tests, then the end-to-end ones (real MediaWiki, Redis, the image) =="
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: install
	$(BIN)/python -m pytest -m "not e2e" $(PYTEST_ARGS)

# The shared real histories `make models` learns from (README of $(DATA_DIR)/histories), one
# dataset each under $(DATASETS_DIR): the file, and the wiki where an old export names none.
HISTORIES := $(DATA_DIR)/histories
DATASETS_DIR ?= var/datasets
# Every reverted edit and a quarter of the others, drawn with a fixed seed.
DATASET_OPTIONS := --keep-unreverted 0.25 --seed 0
HISTORY_DATASETS := acewiki aawiki enwiki-Anarchism enwiki-Rio_Grande itwiki-Amen enwiki-20140102-tiny
history_acewiki := --dump $(HISTORIES)/acewiki-pages-meta-history.xml.bz2
history_aawiki := --dump $(HISTORIES)/aawiki-20260101-pages-meta-history.xml.7z
history_enwiki-Anarchism := --dump $(HISTORIES)/enwiki-Anarchism-2001-2010-pages-meta-history.xml.7z --wiki-db enwiki
history_enwiki-Rio_Grande := --dump $(HISTORIES)/enwiki-Rio_Grande-pages-meta-history.xml.bz2 --wiki-db enwiki
history_itwiki-Amen := --dump $(HISTORIES)/itwiki-Amen-pages-meta-history.xml.gz --wiki-db itwiki
history_enwiki-20140102-tiny := --dump $(HISTORIES)/enwiki-20140102-tiny-pages-meta-history.xml.gz --wiki-db enwiki
TRAINING_DATA := $(foreach d,$(HISTORY_DATASETS),--data $(DATASETS_DIR)/$(d)) --with-sample

# Builds (or resumes: finished partitions are kept) one dataset per shared history.
datasets: install
	$(foreach d,$(HISTORY_DATASETS),$(BIN)/revertrisk dataset build --out $(DATASETS_DIR)/$(d) $(DATASET_OPTIONS) $(history_$(d)) && ) true

# Rebuilds every shipped artifact under models/ from the real histories and the labelled sample
# of $(DATA_DIR), with fixed seeds: the same data and seed give the same bytes and versions.
models: install datasets
	$(BIN)/revertrisk train language-agnostic --data-dir "$(DATA_DIR)" $(TRAINING_DATA)
	$(BIN)/revertrisk train multilingual --data-dir "$(DATA_DIR)" $(TRAINING_DATA)

# Feature-group ablations (5x5 repeated grouped CV, minutes on 2 cores): writes each model's
# ablation.json, which `make models` (through `revertrisk evaluate`) puts into EVALUATION.md.
ablations: install
	$(BIN)/revertrisk ablate language-agnostic --data-dir "$(DATA_DIR)"
	$(BIN)/revertrisk ablate multilingual --data-dir "$(DATA_DIR)"

# Disparate impact of each shipped feature set over the same 5x5 CV's out-of-fold predictions (a
# few minutes): writes disparate_impact.json, which `revertrisk evaluate` puts into EVALUATION.md.
disparate-impact: install
	$(BIN)/revertrisk disparate-impact language-agnostic --data-dir "$(DATA_DIR)"
	$(BIN)/revertrisk disparate-impact multilingual --data-dir "$(DATA_DIR)"

bench: install
	for b in bench/bench_*.py; do $(BIN)/python $$b || exit 1; done

# Bounded load test and 10-minute soak against a real local MediaWiki (about 15 minutes).
load: install system-deps
	$(BIN)/python bench/load_test.py

# The documentation site (docs/, mkdocs.yml) into var/site/, strictly: a broken link fails it.
docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

lint: install audit
	$(BIN)/ruff check src devtools tests bench

# Known vulnerabilities in the installed dependencies (pip-audit, PyPI's advisory data), counting
# what could not be audited; AUDIT_STRICT=1 fails on that too. Result: docs/dependency-audit.md.
audit: install
	$(BIN)/python scripts/audit_dependencies.py

# Removes what the other targets made: the venv, build outputs, var/ (local wikis, logs) and
# every Docker image labelled $(IMAGE_LABEL): the service images, their build stages and the
# untagged layers earlier builds left behind (GBs after a few `make test`). Other projects'
# images are never touched; the base image revertrisk-base:bookworm (about 120 MB, 80 s to
# rebuild) stays: `docker rmi revertrisk-base:bookworm` removes it.
clean:
	rm -rf $(VENV) build dist src/*.egg-info devtools/*.egg-info var
	@if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then \
	  echo "Removing the Docker images labelled $(IMAGE_LABEL)"; \
	  docker image prune --all --force --filter "label=$(IMAGE_LABEL)"; \
	fi
