# The two commands a newcomer types: `make run` and `make test`. Everything they need is installed here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum requirements.txt | cut -c1-12)
export FLASK_APP := app

.PHONY: run serve test install i18n i18n-compile worker scheduler bench bench-sla bench-home bench-export bench-load bench-soak unit integration e2e fuzz clean

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

# pybabel (unlike `flask fab babel-compile`) reports errors and fails on them.
i18n-compile: install
	$(BIN)/pybabel compile -d translations --statistics

i18n: install
	bash translations/update.sh

run: i18n-compile
	$(BIN)/flask backoffice init
	$(BIN)/flask backoffice demo-data
	$(BIN)/flask run --host 127.0.0.1 --port 5000

# Production (README "Production"): gunicorn with the production settings. Needs SECRET_KEY,
# DATABASE_URL (PostgreSQL) and REDIS_URL in the environment; WEB_CONCURRENCY workers (gunicorn.conf.py).
# Run `flask backoffice init` once per release first (migrations, permissions, roles).
serve: i18n-compile
	BACKOFFICE_ENV=$${BACKOFFICE_ENV:-production} $(BIN)/gunicorn -c gunicorn.conf.py app:app

# Two processes (the machine has two cores); a file's tests stay together (they share fixtures).
test: i18n-compile
	$(BIN)/python -m pytest -n 2 --dist loadfile --durations=25

unit: install
	$(BIN)/python -m pytest tests/unit

integration: i18n-compile
	$(BIN)/python -m pytest tests/integration

e2e: i18n-compile
	$(BIN)/python -m pytest tests/e2e

worker: i18n-compile
	$(BIN)/python -m backoffice.jobs.worker

# Issue #9: a long seeded fuzz of the REST API from its OpenAPI document (SQLite and PostgreSQL);
# prints "fuzzed requests / 5xx". FUZZ_SEED=<n> for another sequence. `make test` runs 250 examples.
FUZZ_EXAMPLES ?= 5000
fuzz: i18n-compile
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest tests/integration/test_fuzz_api.py -s -q

bench: install
	$(BIN)/python bench/recalc.py

# SPEC §4 SLA stamping and the overdue scan on PostgreSQL; on a busy machine: make bench-sla SLA_TICKETS=100000;
# only the scan (issue #12): make bench-sla SLA_PART=scan
SLA_TICKETS ?= 1000000
SLA_PART ?= all
bench-sla: install
	$(BIN)/python bench/sla.py --tickets $(SLA_TICKETS) --part $(SLA_PART)

# Issue #16: the client export as Admin, a DeptHead (1 department of 20) and BackOffice (5 of 20)
# against COPY over the same rows, under gunicorn; on a busy machine: make bench-export EXPORT_CLIENTS=100000
EXPORT_CLIENTS ?= 1000000
bench-export: i18n-compile
	$(BIN)/python bench/export.py --clients $(EXPORT_CLIENTS)

# Issue #16: 50 users for 5 minutes against gunicorn (production settings) on PostgreSQL with
# 1,000,000 clients (built once by bench/loaddata.py, then reused); the soak runs 15 minutes and
# reports RSS growth per web worker. Quicker: make bench-load LOAD_ARGS="--users 10 --minutes 1"
LOAD_ARGS ?=
bench-load: i18n-compile
	$(BIN)/python bench/load.py $(LOAD_ARGS)

bench-soak: i18n-compile
	$(BIN)/python bench/load.py --soak $(LOAD_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache

# Issue #15: the department head's home page on PostgreSQL with a million clients, tickets and
# visit logs (target <= 300 ms); on a busy machine: make bench-home HOME_ROWS=200000
HOME_ROWS ?= 1000000
bench-home: install
	$(BIN)/python bench/home.py --clients $(HOME_ROWS) --tickets $(HOME_ROWS) --visits $(HOME_ROWS)
