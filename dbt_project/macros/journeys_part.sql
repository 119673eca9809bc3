{#- A journey's part of a union output (journey_steps, due_actions, …): its table, or a
    typed empty relation while the journey has never ticked. Each journey ticks on its own
    schedule (one Dagster job per journey), so a union must not fail because another
    journey's tables are not built yet. The ref() keeps the dependency in dbt's graph. -#}
{% macro journeys_part(model_name) -%}
    {%- set relation = ref(model_name) -%}
    {%- if not execute -%}
        {{ relation }}
    {%- else -%}
        {%- set existing = adapter.get_relation(database=relation.database,
            schema=relation.schema, identifier=relation.identifier) -%}
        {%- if existing is not none -%}
            {{ relation }}
        {%- else -%}
            {{ journeys_empty_relation(model_name) }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
