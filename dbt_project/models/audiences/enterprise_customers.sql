{{ config(materialized='view') }}
-- An example audience model: any dbt model with a member_id column can feed
-- `entry: { audience: { model: <name> } }`.
select member_id
from {{ ref('stg_profiles') }}
where plan = 'enterprise'
