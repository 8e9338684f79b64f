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
	$(PY) -m pip install -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/chroma-desk

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -m "not slow"
	$(VENV)/bin/ruff check chroma_desk training tests
	$(VENV)/bin/lint-imports

lint: $(STAMP)
	$(VENV)/bin/ruff check chroma_desk training tests
	$(VENV)/bin/ruff format --check chroma_desk training tests
	$(VENV)/bin/lint-imports

format: $(STAMP)
	$(VENV)/bin/ruff format chroma_desk training tests
	$(VENV)/bin/ruff check --fix chroma_desk training tests

bench: $(STAMP)
	$(VENV)/bin/chroma-desk bench

# The one-folder app: dist/chroma-desk/chroma-desk, built from its own venv with CPU torch.
PACKAGE_VENV := .venv-package
PACKAGE_STAMP := $(PACKAGE_VENV)/.installed

$(PACKAGE_STAMP): packaging/requirements-bundle.txt
	test -x $(PACKAGE_VENV)/bin/python || $(PYTHON) -m venv $(PACKAGE_VENV)
	$(PACKAGE_VENV)/bin/python -m pip install --upgrade pip
	$(PACKAGE_VENV)/bin/python -m pip install -r packaging/requirements-bundle.txt
	touch $(PACKAGE_STAMP)

package: $(PACKAGE_STAMP)
	nice -n 10 $(PACKAGE_VENV)/bin/pyinstaller --noconfirm --clean --log-level WARN \
		--distpath dist --workpath build/pyinstaller packaging/chroma-desk.spec
	du -sh dist/chroma-desk
	dist/chroma-desk/chroma-desk --version

# slow tests: a wheel into a fresh venv, and the bundle built and run on a photo
package-test: $(STAMP) $(PACKAGE_STAMP)
	QT_QPA_PLATFORM=offscreen nice -n 10 $(PY) -m pytest -q -m slow tests/test_wheel.py tests/test_bundle.py

clean-venv:
	rm -rf $(VENV)
