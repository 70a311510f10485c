"""GraphQL endpoints; GraphiQL only when DEBUG is on (the demo)."""

from django.conf import settings
from django.views.decorators.csrf import csrf_exempt
from graphene_django.views import GraphQLView

from graphql_api.schema import county_schema, township_schema


def county_graphql_view():
    return csrf_exempt(GraphQLView.as_view(schema=county_schema, graphiql=settings.DEBUG))


def township_graphql_view():
    return csrf_exempt(GraphQLView.as_view(schema=township_schema, graphiql=settings.DEBUG))
