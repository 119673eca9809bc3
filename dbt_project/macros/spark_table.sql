{#- The `table` materialization on Spark, built under a staged name and swapped in.

    dbt-spark drops a parquet table before rebuilding it, but a journey's open entries
    read their own previous state (journeys_prior): the table would be gone by then. The
    other engines' adapters already build beside the old table and rename. -#}
{% materialization table, adapter='spark' %}
  {%- set identifier = model['alias'] -%}
  {%- set old_relation = adapter.get_relation(database=database, schema=schema,
                                              identifier=identifier) -%}
  {%- set target_relation = api.Relation.create(identifier=identifier, schema=schema,
                                                database=database, type='table') -%}
  {%- set staged_relation = api.Relation.create(identifier=identifier ~ '__journeys_staged',
                                                schema=schema, database=database,
                                                type='table') -%}
  {{ run_hooks(pre_hooks) }}
  {% do adapter.drop_relation(staged_relation) %}
  {%- call statement('main') -%}
    {{ create_table_as(False, staged_relation, compiled_code) }}
  {%- endcall -%}
  {% if old_relation is not none %}
    {% do adapter.drop_relation(old_relation) %}
  {% endif %}
  {% do adapter.rename_relation(staged_relation, target_relation) %}
  {% do persist_docs(target_relation, model) %}
  {{ run_hooks(post_hooks) }}
  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
