# Two commands do everything on a fresh machine with Python 3.11:
#   make demo   environment + synthetic warehouse + 14 days of hourly ticks + per-tile counts
#   make test   environment + every test (CI runs this through .ci/run): the main suite on
#               both cores, then the engine suites on PostgreSQL and on Spark side by side
#               (each skips, saying why, without its server or pyspark: .ci/run starts
#               PostgreSQL and adds EXTRAS=dev,postgres,spark). About 28 minutes on 2 cores.
#   make test-soak  the many-clients soak alone (a BI reader, the API, Dagster and the CLI)
#   make test-postgres, make test-spark  one engine's suites alone (SPARK_EXAMPLES=15
#               for more hypothesis examples on Spark); make test-spark-dbt  dbt on Spark
#   make dev    the Dagster UI on the journeys (dagster dev -w workspace.yaml)
#   make bench  environment + the figures of BENCHMARKS.md at the issue's scales (about half
#               an hour; BENCH_ARGS="--only backtest --days 3" for a quick one)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
EXTRAS ?= dev
comma := ,
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)-$(subst $(comma),-,$(EXTRAS))

ENGINE_SUITES := tests/journeys/golden tests/journeys/test_differential.py

.PHONY: env demo dev test test-postgres test-spark test-spark-dbt test-soak test-fast bench lint compile clean

env: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required (set PYTHON=/path/to/python3.11)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[$(EXTRAS)]'
	rm -f $(VENV)/.installed-* && touch $@

demo: env
	$(BIN)/journeys demo $(if $(PROFILES),--profiles $(PROFILES))

dev: env
	DAGSTER_HOME=$(CURDIR)/dagster_home $(BIN)/dagster dev -w workspace.yaml

test: env
	$(BIN)/journeys compile --check
	$(BIN)/ruff check journeys orchestration_defs reverse_etl tests
	$(BIN)/python -m pytest -q -n 2 --dist loadscope -m "not spark and not soak" --doctest-modules journeys orchestration_defs reverse_etl tests
	$(MAKE) --no-print-directory -j2 --output-sync=target EXTRAS=$(EXTRAS) test-soak test-spark test-postgres test-spark-dbt

# The engine suites (golden scenarios, differential fixtures; on PostgreSQL also the metrics'
# worked examples, which cost Spark 3 minutes: `dbt build` on Spark compares the metrics
# with DuckDB's instead) on one engine each. Spark
# costs seconds per tick whatever the data: make test gives its hypothesis test fewer
# examples than DuckDB's and PostgreSQL's 40 (SPARK_EXAMPLES=15 for a broader run).
SPARK_EXAMPLES ?= 6

test-postgres: env
	$(BIN)/python -m pytest -q --engine postgres $(ENGINE_SUITES) tests/journeys/test_metrics.py \
		tests/journeys/test_lifecycle_semantics.py

test-spark: env
	JOURNEYS_DIFF_EXAMPLES=$(SPARK_EXAMPLES) $(BIN)/python -m pytest -q --engine spark $(ENGINE_SUITES)

# dbt build on the spark target (about 3 minutes): after the PostgreSQL suites, beside the
# Spark ones, rather than at the tail of the main suite
test-spark-dbt: env
	$(BIN)/python -m pytest -q -m spark tests/journeys/test_dbt_targets.py

# Many clients on one warehouse for minutes (tests/journeys/warehouse): a BI reader, the API,
# ticks through Dagster and the CLI, dispatches; beside the Spark suites
test-soak: env
	$(BIN)/python -m pytest -q -s -m soak tests/journeys/warehouse

test-fast: env
	$(BIN)/python -m pytest -q -m "not slow" tests

bench: env
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

lint: env
	$(BIN)/ruff check journeys orchestration_defs reverse_etl tests benchmarks

compile: env
	$(BIN)/journeys compile

clean:
	rm -rf $(VENV) dbt_project/target dbt_project/logs warehouse.duckdb warehouse.read.duckdb* outbox
