{#- A model's table as the previous tick left it, read without a dbt dependency.

    A journey's tick reads its own state (open entries, members) and the tick log, which
    the same run rebuilds afterwards: a ref() would be a cycle. Before the first tick the
    table does not exist yet, and this returns a typed empty relation built from the
    model's documented columns (data_type in its YAML). -#}
{% macro journeys_prior(model_name) -%}
    {%- if not execute -%}
        (select 1 as placeholder)
    {%- else -%}
        {%- set node = graph.nodes.values()
            | selectattr('resource_type', 'equalto', 'model')
            | selectattr('name', 'equalto', model_name) | first -%}
        {{ journeys_existing_or_empty(node.database, node.schema, node.alias, model_name) }}
    {%- endif -%}
{%- endmacro %}
