"""The township endpoint: its types, queries and mutations."""
