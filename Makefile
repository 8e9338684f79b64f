# Chroma Desk: `make run` opens the app, `make test` runs the suite. Both build .venv when missing.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint format bench package package-test clean-venv

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install torch==2.14.1 torchvision==0.29.1
	$(PY) -m pip install -e '.[train,test]'
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/chroma-desk

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q
	$(VENV)/bin/ruff check chroma_desk training tests

lint: $(STAMP)
	$(VENV)/bin/ruff check chroma_desk training tests
	$(VENV)/bin/ruff format --check chroma_desk training tests

format: $(STAMP)
	$(VENV)/bin/ruff format chroma_desk training tests
	$(VENV)/bin/ruff check --fix chroma_desk training tests

bench: $(STAMP)
	$(VENV)/bin/chroma-desk bench

clean-venv:
	rm -rf $(VENV)
