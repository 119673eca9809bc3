{#- Rows that share the same values in all of `columns` (fails when any exist). -#}
{% test journeys_unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
