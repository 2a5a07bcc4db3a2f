# kechuang — the two commands: `make run` (set up, demo data, serve) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
KECHUANG := $(VENV)/bin/kechuang
STAMP := $(VENV)/.installed

.PHONY: run test test-sqlite test-postgres install lint messages clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## make run: create the environment, the SQLite database and the demo data, then serve on :8000
run: $(STAMP)
	$(KECHUANG) demo --if-empty
	$(KECHUANG) serve --host 127.0.0.1 --port 8000

## make test: the whole suite on SQLite, then again on PostgreSQL when one is reachable
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/kechuang

test: $(STAMP)
	$(PY) -m pytest
	KECHUANG_DATABASE_URL=$(PG_TEST_URL) $(PY) -m pytest --postgres -m "not browser"

test-sqlite: $(STAMP)
	$(PY) -m pytest

test-postgres: $(STAMP)
	KECHUANG_DATABASE_URL=$(PG_TEST_URL) $(PY) -m pytest --postgres

lint: $(STAMP)
	$(VENV)/bin/ruff check .

## make messages: refresh and compile the translation catalogue (needs GNU gettext)
messages: $(STAMP)
	cd kechuang && ../$(PY) -m django makemessages -l zh_Hans --settings=kechuang.config.settings --ignore='static/*'
	cd kechuang && ../$(PY) -m django compilemessages -l zh_Hans --settings=kechuang.config.settings

clean:
	rm -rf $(VENV) var
