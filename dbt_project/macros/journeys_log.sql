{#- A table the reverse-ETL step writes in the `journeys` schema (delivery_log), read as it
    stands: governance counts what was sent, the tile statistics where deliveries stand.
    Before the first dispatch (or on an engine no dispatch writes to) it does not exist,
    and this is a typed empty relation of the columns governance and the statistics read. -#}
{% macro journeys_log(table_name) -%}
    {%- if not execute -%}
        (select 1 as placeholder)
    {%- else -%}
        {%- set existing = adapter.get_relation(database=target.database, schema='journeys',
            identifier=table_name) -%}
        {%- if existing is none and model.config.materialized == 'view'
              and target.type in ('duckdb', 'postgres') -%}
            {#- a view binds to what it reads: create the log empty (the columns of
                journeys.compiler.tables.DELIVERY_LOG_COLUMNS), so that the view sees
                the first dispatch without another tick -#}
            {%- do run_query("create schema if not exists journeys") -%}
            {%- do run_query("create table if not exists journeys." ~ table_name ~ " ("
                ~ "action_id varchar, attempt integer, status varchar, destination varchar, "
                ~ "http_status integer, provider_message_id varchar, error varchar, "
                ~ "attempted_at timestamp, journey_id varchar, member_id varchar, "
                ~ "tile_id varchar, action varchar, reason varchar, "
                ~ "next_attempt_at timestamp, dispatch_id varchar)") -%}
            {%- set existing = api.Relation.create(database=target.database,
                schema='journeys', identifier=table_name) -%}
        {%- endif -%}
        {%- if existing is not none -%}
            {{ existing }}
        {%- else -%}
            {%- set text = 'string' if target.type in ('spark', 'databricks', 'bigquery')
                else 'varchar' -%}
            (select cast(null as {{ text }}) as action_id,
                    cast(null as integer) as attempt,
                    cast(null as {{ text }}) as status,
                    cast(null as timestamp) as attempted_at,
                    cast(null as {{ text }}) as journey_id,
                    cast(null as {{ text }}) as tile_id
             where 1 = 0)
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
