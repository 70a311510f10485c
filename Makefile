# The two commands: `make demo` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test example-test bench bench-smoke install lint format clean-data stop-db

demo: install
	$(BIN)/python -m platform_core.launcher demo

test: install
	$(BIN)/python -m platform_core.launcher test $(PYTEST_ARGS)

# The example third-party plugin as its author runs it: a real pip install of its folder
# into the venv (not editable; its dependency range on township-integrity is checked),
# imported from site-packages, its own tests (discovery and enabling for one township
# included) on the platform's test database, then uninstalled whatever happened, so the
# main suite's all-plugins schema snapshot and role matrix never see it.
EXAMPLE := examples/police_feed

example-test: install
	@trap '$(BIN)/python -m pip uninstall --quiet --yes township-integrity-police-feed; \
	       rm -rf $(EXAMPLE)/build $(EXAMPLE)/*.egg-info' EXIT INT TERM; \
	set -e; \
	echo "pip install ./$(EXAMPLE)"; \
	$(BIN)/python -m pip install --quiet --no-build-isolation ./$(EXAMPLE); \
	$(BIN)/python -c 'import police_feed, sys; where = police_feed.__file__; \
	    sys.exit(0 if "site-packages" in where else "not the installed package: " + where)'; \
	$(BIN)/python -m platform_core.launcher test $(EXAMPLE)/tests $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m platform_core.launcher bench $(BENCH)

# Every benchmark at a tiny size (CI): proves each still runs; its figures mean nothing.
BENCH_SMOKE_SIZE := BENCH_SMOKE=1 BENCH_TOWNSHIPS=2 BENCH_SAMPLE=2 \
	BENCH_HOUSEHOLDS_PER_VILLAGE=50 BENCH_ENTRIES_PER_HOUSEHOLD=2 BENCH_HOUSEHOLDS=100 \
	BENCH_API_REQUESTS=20 BENCH_PENDING=40 BENCH_EVALUATION_CASES=bare,caps BENCH_CASES=300 \
	BENCH_USERS=2 BENCH_DURATION=3 BENCH_SPAWN_RATE=2

bench-smoke: install
	$(BENCH_SMOKE_SIZE) $(BIN)/python -m platform_core.launcher bench $(BENCH)

# Installing also compiles the translation catalogues (.po in git → .mo) with Babel,
# so no GNU gettext is needed; only catalogues newer than their .mo are compiled.
install: $(STAMP)
	@$(BIN)/python -m platform_core.i18n

$(STAMP): requirements.lock requirements-dev.lock pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed, found " + sys.version.split()[0]'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.lock
	# The project itself, editable: registers the built-in plugins' entry points.
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Then the import contracts of pyproject.toml ([tool.importlinter]): the layers, plugins
# only through township_integrity, no cycles (docs/architecture.md, "Layers").
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

stop-db: install
	$(BIN)/python -c "from platform_core import embedded; print('stopped' if embedded.stop('var/postgres') else 'not running')"

clean-data: stop-db
	rm -rf var
