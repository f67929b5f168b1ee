"""The casework ports over SQL: one module per aggregate, each with its row↔entity conversions."""
