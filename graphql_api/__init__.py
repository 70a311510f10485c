"""GraphQL schemas of the county and of each township.

Named ``graphql_api`` rather than ``graphql`` because a top-level ``graphql``
package would shadow graphql-core, which graphene imports as ``graphql``.
"""
