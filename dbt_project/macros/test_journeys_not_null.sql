{#- Rows where any of `columns` is null (fails when any exist). One test per model instead
    of one per column: dbt spends about 20 ms on every test node of every tick. -#}
{% test journeys_not_null(model, columns) %}
select {{ columns | join(', ') }}
from {{ model }}
where {% for column in columns %}{{ column }} is null{% if not loop.last %} or {% endif %}{% endfor %}
{% endtest %}
