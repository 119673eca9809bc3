{#- A journey's part of a union output (journey_steps, due_actions, …): its table, or a
    typed empty relation while the journey has never ticked. Each journey ticks on its own
    schedule (one Dagster job per journey), so a union must not fail because another
    journey's tables are not built yet. The ref() keeps the dependency in dbt's graph. -#}
{% macro journeys_part(model_name) -%}
    {%- set relation = ref(model_name) -%}
    {%- if not execute -%}
        {{ relation }}
    {%- else -%}
        {{ journeys_existing_or_empty(relation.database, relation.schema,
                                      relation.identifier, model_name) }}
    {%- endif -%}
{%- endmacro %}
