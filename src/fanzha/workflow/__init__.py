"""The workflow: warnings, dispatch, SLA clocks, outcomes and audit (one package per entity)."""
