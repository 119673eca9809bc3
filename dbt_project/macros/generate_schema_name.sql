{#- Models name their schema exactly (journeys, journeys_internal, journeys_staging):
    BI tools and the reverse-ETL step read `journeys.<table>`, on every target. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
