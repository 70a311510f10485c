"""Villages, grids and households of one township (township schema)."""
