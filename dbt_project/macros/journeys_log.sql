{#- A table the reverse-ETL step writes in the `journeys` schema (delivery_log), read as it
    stands: governance counts what was sent. Before the first dispatch (or on an engine no
    dispatch writes to) it does not exist, and this is a typed empty relation of the
    columns governance reads. -#}
{% macro journeys_log(table_name) -%}
    {%- if not execute -%}
        (select 1 as placeholder)
    {%- else -%}
        {%- set existing = adapter.get_relation(database=target.database, schema='journeys',
            identifier=table_name) -%}
        {%- if existing is not none -%}
            {{ existing }}
        {%- else -%}
            {%- set text = 'string' if target.type in ('spark', 'databricks', 'bigquery')
                else 'varchar' -%}
            (select cast(null as {{ text }}) as action_id,
                    cast(null as {{ text }}) as status,
                    cast(null as timestamp) as attempted_at
             where 1 = 0)
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
