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
