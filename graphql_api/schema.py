"""Entry points to the schemas (kept for imports): the county's and the township core."""

from graphql_api.assembly import core_schema, township_schema
from graphql_api.county import county_schema

__all__ = ["core_schema", "county_schema", "township_schema"]
