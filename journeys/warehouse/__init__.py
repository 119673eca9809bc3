"""The one door to the warehouse: every command, the API, Dagster and reverse ETL go through it.

- :mod:`.relations`, :mod:`.tables`, :mod:`.tick_tables`: the schemas, tables and columns;
- :mod:`.connect`: opening the embedded DuckDB file (the only ``duckdb.connect``), waiting for
  a process outside the tool that holds it;
- :mod:`.lease`: one writer at a time per warehouse; :mod:`.writers`: the lease, the file and
  the reader copy for a block that writes;
- :mod:`.readers`: the reader copy that BI tools, the API and `journeys status` read while a
  tick or a dispatch writes;
- :mod:`.sessions`: the executor's connection to each engine (DuckDB, PostgreSQL, Spark);
- :mod:`.setup`: creating and dropping the tool's own tables;
- :mod:`.transactions`, :mod:`.journal`: all-or-nothing writes and dbt ticks;
- :mod:`.catalog`: small questions several steps ask; :mod:`.clock`: tick clocks.
"""
