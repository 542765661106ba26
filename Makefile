# The two commands a newcomer needs: `make run` and `make test`. Both set up .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean messages

$(STAMP): pyproject.toml
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# pycanon (the HTCDS export's independent k-anonymity check) pins typing_extensions below
	# what pydantic needs: installed without its pins; it needs only numpy and pandas here
	$(BIN)/python -m pip install --quiet --no-deps 'pycanon==1.3.6'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/referral-engine serve --demo

# Two test processes (pytest-xdist), each with its own database: the suite waits on PostgreSQL
# about half the time, so two share the cores well (9 min 45 s alone, 5 min 33 s as two on a
# 2-core machine). Not `auto`: each process holds a dozen connections at times.
PYTEST_WORKERS ?= 2
test: $(STAMP)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# mypy (strict) checks src, projections and bench: the list is `files` in pyproject.toml.
LINTED := src tests bench projections tools
lint: $(STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy
	$(BIN)/lint-imports

# Every benchmark, each printing its ratio against a baseline measured in the same run (not part of
# `make test`; about 10 minutes). On the embedded PostgreSQL unless REFERRAL_ENGINE_DATABASE_URL is set.
BENCHES := rebuild command replay lag notifications http_api reports imports webhooks search audit_log \
	pages htcds
# Each benchmark prints its figures with their targets, PASS or MISS (bench/common.py `verdict`),
# and exits 1 on a MISS; all run either way, then the MISSes of every one are listed and the
# target fails if any benchmark missed a target or failed.
bench: $(STAMP)
	@misses=$$(mktemp); failed=""; \
	for b in $(BENCHES); do echo "== bench/$$b.py"; \
		BENCH_MISSES=$$misses PYTHONPATH=. $(BIN)/python bench/$$b.py || failed="$$failed $$b"; \
	done; \
	echo "== summary"; \
	if [ -s $$misses ]; then echo "targets missed:"; sed 's/^/  /' $$misses; fi; \
	rm -f $$misses; \
	if [ -n "$$failed" ]; then echo "benchmarks that missed a target or failed:$$failed"; exit 1; fi; \
	echo "every target met"

# The translations in step with the English catalogue (docs/translations.md); LANG=xx starts one.
messages: $(STAMP)
	$(BIN)/python tools/messages.py $(if $(LANG_NEW),--init $(LANG_NEW))

clean:
	rm -rf $(VENV) .referral-engine .pytest_cache .mypy_cache .ruff_cache
