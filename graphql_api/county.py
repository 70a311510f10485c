"""The county endpoint (public schema): onboarding, plugins per township, statistics.

Placeholder until the county schema is written (see issue 6).
"""

import graphene

from graphql_api.township.queries import Health, resolve_health


class CountyQuery(graphene.ObjectType):
    health = graphene.Field(Health, required=True, resolver=resolve_health)


county_schema = graphene.Schema(query=CountyQuery)
