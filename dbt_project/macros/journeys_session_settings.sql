{#- Settings of the engine's session for the journeys' models, run as each model's pre-hook
    (dbt_project.yml). An engine without any renders nothing, and dbt skips the hook.

    PostgreSQL: JIT off. It compiles every expression of a plan whose estimated cost passes
    jit_above_cost, and the walk's plans hold thousands of CASE arms: compiling them costs
    seconds whatever the data (2.5 s of a 2.5 s advance on a three-member world), far more
    than it saves on a tick's rows. The in-process executor's session sets the same
    (journeys/tick/sessions.py, PostgresSession). -#}
{% macro journeys_session_settings() %}
  {%- if target.type == 'postgres' -%}
    set local jit = off
  {%- endif -%}
{% endmacro %}
