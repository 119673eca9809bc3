{#- A typed relation with no rows and a model's documented columns (data_type in its
    YAML): what a journey reads of a table that does not exist yet. -#}
{% macro journeys_empty_relation(model_name) -%}
    {%- set node = graph.nodes.values()
        | selectattr('resource_type', 'equalto', 'model')
        | selectattr('name', 'equalto', model_name) | first -%}
    (select
    {%- for column in node.columns.values() %}
        cast(null as {{ column.data_type }}) as {{ column.name }}{{ "," if not loop.last }}
    {%- endfor %}
    where 1 = 0)
{%- endmacro %}

{#- The table at database.schema.identifier if it exists, else the empty relation of
    model_name: what journeys_prior and journeys_part read. -#}
{% macro journeys_existing_or_empty(database, schema, identifier, model_name) -%}
    {%- set existing = adapter.get_relation(database=database, schema=schema,
        identifier=identifier) -%}
    {%- if existing is not none -%}
        {{ existing }}
    {%- else -%}
        {{ journeys_empty_relation(model_name) }}
    {%- endif -%}
{%- endmacro %}
