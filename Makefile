# The two commands a newcomer types: `make run` and `make test`. Everything they need is installed here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum requirements.txt | cut -c1-12)
export FLASK_APP := app

.PHONY: run test install i18n i18n-compile worker scheduler bench bench-sla bench-home unit integration e2e fuzz clean

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

# Two processes (the machine has two cores); a file's tests stay together (they share fixtures).
test: i18n-compile
	$(BIN)/python -m pytest -n 2 --dist loadfile

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

# SPEC §4 SLA stamping on PostgreSQL; on a busy machine: make bench-sla SLA_TICKETS=100000
SLA_TICKETS ?= 1000000
bench-sla: install
	$(BIN)/python bench/sla.py --tickets $(SLA_TICKETS)

clean:
	rm -rf $(VENV) instance .pytest_cache

# Issue #15: the department head's home page on PostgreSQL with a million clients, tickets and
# visit logs (target <= 300 ms); on a busy machine: make bench-home HOME_ROWS=200000
HOME_ROWS ?= 1000000
bench-home: install
	$(BIN)/python bench/home.py --clients $(HOME_ROWS) --tickets $(HOME_ROWS) --visits $(HOME_ROWS)
