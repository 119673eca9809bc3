{{ config(materialized='view') }}
-- The demo's suppression list (`suppression: { model: suppression_list }` in
-- journey_specs/_governance.yml): members never contacted on any channel. Any dbt model
-- with a member_id column works: hard bounces, spam complaints, legal holds. A view, so
-- dispatch sees a member added after the tick.
select member_id
from {{ ref('stg_profiles') }}
where unsubscribed
