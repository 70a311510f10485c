"""Schemas: the county endpoint (public schema) and the township endpoint.

Only the health query exists so far; the API issue adds the rest.
"""

import graphene
from django.db import connection


class Health(graphene.ObjectType):
    status = graphene.String(required=True)
    schema_name = graphene.String(required=True, description="Database schema serving the request")


class TownshipInfo(graphene.ObjectType):
    code = graphene.String(required=True)
    name = graphene.String(required=True)


def _health(root, info) -> Health:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return Health(status="ok", schema_name=connection.schema_name)


class CountyQuery(graphene.ObjectType):
    health = graphene.Field(Health, required=True, resolver=_health)


class TownshipQuery(graphene.ObjectType):
    health = graphene.Field(Health, required=True, resolver=_health)
    township = graphene.Field(TownshipInfo, required=True)

    def resolve_township(root, info):
        township = info.context.township
        return TownshipInfo(code=township.code, name=township.name)


county_schema = graphene.Schema(query=CountyQuery)
township_schema = graphene.Schema(query=TownshipQuery)
