"""The journey models as dbt assets: project, translator, CLI arguments, assets."""
