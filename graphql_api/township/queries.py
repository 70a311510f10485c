"""Read fields of the township endpoint (the core; plugins add their own)."""

from __future__ import annotations

import datetime as dt

import graphene
from django.db.models import OuterRef, Q, Subquery
from django.utils.translation import gettext as _

from graphql_api.core import (
    PageField,
    TownshipNode,
    parse_month,
    require,
    require_somewhere,
    viewer,
)
from graphql_api.errors import not_found
from graphql_api.township.types import (
    AllianceMemberType,
    BenefitTypeType,
    BoardType,
    DeclarationType,
    EntryType,
    GrantType,
    HouseholdType,
    ObjectionType,
    RoundType,
    RuleType,
    TierEnum,
    VillageType,
    selects_standing,
    with_official_standing,
)
from platform_core.accounts.models import ApiToken, Role
from platform_core.accounts.selectors import STAFF_ROLES
from platform_core.alliance.models import AllianceMember, Grant
from platform_core.evaluation.models import EvaluationRound, HouseholdSnapshot
from platform_core.households.models import Household, Village
from platform_core.publication.models import HonourBoard
from platform_core.scoring.models import Declaration, Objection, Rule, ScoreEvent

# --- small types of this module ---------------------------------------------------


class PolicyType(graphene.ObjectType):
    class Meta:
        name = "ScoringPolicy"

    base = graphene.Int(required=True)
    green_above = graphene.Int(required=True)
    red_below = graphene.Int(required=True)
    window = graphene.String(required=True)
    objection_days = graphene.Int(required=True)
    response_days = graphene.Int(
        required=True, description="Working days before an approved deduction counts"
    )
    posting_days = graphene.Int(
        required=True, description="Working days a month's results are posted before finalising"
    )
    objection_answer_days = graphene.Int(
        required=True, description="Working days within which an objection is answered"
    )
    red_publication_months = graphene.Int(
        required=True, description="Months a household to improve is shown on boards at most"
    )


class TownshipInfo(graphene.ObjectType):
    class Meta:
        name = "Township"

    code = graphene.String(required=True)
    name = graphene.String(required=True)
    policy = graphene.Field(PolicyType, required=True)
    plugins = graphene.List(
        graphene.NonNull(graphene.String), required=True, description="Enabled plugin keys"
    )

    def resolve_policy(root, info):
        from platform_core.scoring.policy import ScoringPolicy

        return ScoringPolicy.of(root)

    def resolve_plugins(root, info):
        from platform_core.plugins.manager import hooks_for

        return sorted(hooks_for(root).enabled)


class ScopeType(graphene.ObjectType):
    class Meta:
        name = "RoleScope"

    role = graphene.String(required=True)
    village_code = graphene.String(required=True)
    household_code = graphene.String(required=True)
    alliance_member_code = graphene.String(required=True)


class MeType(graphene.ObjectType):
    class Meta:
        name = "Me"

    email = graphene.String()
    everywhere = graphene.Boolean(required=True, description="County administrator")
    roles = graphene.List(graphene.NonNull(ScopeType), required=True)
    token = graphene.String(description="Prefix of the API token in use")


class ApiTokenType(graphene.ObjectType):
    class Meta:
        name = "ApiToken"

    prefix = graphene.String(required=True)
    label = graphene.String(required=True)
    user_email = graphene.String(required=True)
    role = graphene.String(required=True)
    village_code = graphene.String(required=True)
    created_at = graphene.DateTime(required=True)
    last_used_at = graphene.DateTime()
    expires_at = graphene.DateTime()
    revoked_at = graphene.DateTime()

    def resolve_user_email(root, info):
        return root.user.email


# --- the query root ---------------------------------------------------------------


class Health(graphene.ObjectType):
    status = graphene.String(required=True)
    schema_name = graphene.String(
        description="Database schema serving the request; only for staff (null for anyone else)"
    )


def resolve_health(root, info) -> Health:
    """Answers without signing in: load balancers and tests ask it. The schema's name is
    an internal detail, so only staff of this township (or the county) are told it."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    viewer = getattr(info.context, "viewer", None)
    shown = viewer is not None and viewer.is_staff
    return Health(status="ok", schema_name=connection.schema_name if shown else None)


class DividendType(graphene.ObjectType):
    """One of the township's published integrity dividends (《诚信红利十条》).

    Public data: every role of the township reads it here; anyone reads the public page
    and its PDF (``/dividends/``), since anonymous callers may ask the API only ``health``.
    """

    class Meta:
        name = "Dividend"

    number = graphene.Int(required=True)
    title_zh = graphene.String(required=True)
    title_en = graphene.String(required=True)
    gives_zh = graphene.String(required=True, description="What it gives")
    gives_en = graphene.String(required=True)
    basis = graphene.String(required=True, description="The document or decision granting it")
    member_code = graphene.String(required=True, description="The alliance member offering it")
    member_name = graphene.String(required=True)
    tiers = graphene.List(graphene.NonNull(graphene.String), required=True)
    subject_kinds = graphene.List(
        graphene.NonNull(graphene.String),
        required=True,
        description="household, merchant or firm",
    )
    benefit_code = graphene.String(
        required=True, description="The plugins' benefit type implementing it (empty: none)"
    )
    plugin = graphene.String(
        required=True,
        description="The enabled plugin offering the benefit type and answering its "
        "eligibility check (empty: none)",
    )
    version = graphene.Int(required=True, description="The published version it belongs to")
    published_at = graphene.DateTime(required=True)

    @staticmethod
    def of(row) -> DividendType:
        d = row.dividend
        return DividendType(
            number=d.number,
            title_zh=d.title_zh,
            title_en=d.title_en,
            gives_zh=d.gives_zh,
            gives_en=d.gives_en,
            basis=d.basis,
            member_code=d.member.code,
            member_name=d.member.name,
            tiers=list(d.tiers),
            subject_kinds=list(d.subject_kinds),
            benefit_code=d.benefit_code,
            plugin=row.plugin,
            version=d.catalogue.version,
            published_at=d.catalogue.published_at,
        )


class TownshipCoreQuery(graphene.ObjectType):
    health = graphene.Field(Health, required=True, resolver=resolve_health)
    node = TownshipNode.Field()
    township = graphene.Field(TownshipInfo, required=True)
    me = graphene.Field(MeType, required=True)
    villages = graphene.List(graphene.NonNull(VillageType), required=True)
    households = PageField(
        HouseholdType,
        village=graphene.String(description="Village code"),
        tier=TierEnum(description="Official tier (latest finalised month)"),
        search=graphene.String(description="Part of the code, head's name or address"),
        description="Households the viewer may see, ordered by code",
    )
    household = graphene.Field(HouseholdType, code=graphene.String(required=True))
    rules = graphene.List(
        graphene.NonNull(RuleType),
        required=True,
        active=graphene.Boolean(),
        category=graphene.String(),
    )
    entries = PageField(
        EntryType,
        status=graphene.String(description="proposed, approved, rejected or reversed"),
        village=graphene.String(),
        month=graphene.String(description="YYYY-MM of occurrence"),
        description="Ledger entries, e.g. those awaiting review (status: proposed)",
    )
    objections = PageField(ObjectionType, status=graphene.String())
    declarations = PageField(
        DeclarationType,
        status=graphene.String(description="pending, confirmed or declined"),
        village=graphene.String(),
        description="Households' declared good deeds, oldest first",
    )
    rounds = graphene.List(
        graphene.NonNull(RoundType),
        required=True,
        month=graphene.String(required=True),
        description="The month's evaluation rounds of the viewer's villages",
    )
    boards = PageField(
        BoardType, village=graphene.String(), year=graphene.Int(), quarter=graphene.Int()
    )
    alliance_members = graphene.List(graphene.NonNull(AllianceMemberType), required=True)
    benefits = graphene.List(graphene.NonNull(BenefitTypeType), required=True)
    dividends = graphene.List(
        graphene.NonNull(DividendType),
        required=True,
        description="The township's published integrity dividends, in order (any role; "
        "empty until one is published)",
    )
    grants = PageField(GrantType, member_code=graphene.String())
    api_tokens = graphene.List(graphene.NonNull(ApiTokenType), required=True)

    def resolve_township(root, info):
        if not viewer(info).is_authenticated:
            from graphql_api.errors import unauthenticated

            raise unauthenticated()
        return info.context.township

    def resolve_me(root, info):
        who = viewer(info)
        return MeType(
            email=getattr(who.user, "email", None),
            everywhere=who.everywhere,
            roles=[ScopeType(**vars(scope)) for scope in who.scopes],
            token=who.token.prefix if who.token else None,
        )

    def resolve_villages(root, info):
        return VillageType.get_queryset(Village.objects.order_by("code"), info)

    def resolve_households(root, info, village=None, tier=None, search=None, **_):
        queryset = Household.objects.order_by("code")
        if village:
            queryset = queryset.filter(village__code=village)
        if tier:
            latest = HouseholdSnapshot.objects.filter(household=OuterRef("pk")).order_by("-period")
            queryset = queryset.annotate(official_tier=Subquery(latest.values("tier")[:1])).filter(
                official_tier=getattr(tier, "value", tier)
            )
        if search:
            queryset = queryset.filter(
                Q(code__icontains=search)
                | Q(head_name__icontains=search)
                | Q(address__icontains=search)
            )
        return queryset  # the page's snapshots and entries: HouseholdType.prepare_page

    def resolve_household(root, info, code):
        households = HouseholdType.get_queryset(Household.objects, info).filter(code=code)
        if selects_standing(info):  # in the same statement: one row, one probe each
            households = with_official_standing(households)
        household = households.first()
        if household is None:
            raise not_found(_("Household %(code)s") % {"code": code})
        return household

    def resolve_rules(root, info, active=None, category=None):
        queryset = RuleType.get_queryset(Rule.objects.order_by("category", "code"), info)
        if active is not None:
            queryset = queryset.filter(active=active)
        if category:
            queryset = queryset.filter(category=category)
        return queryset

    def resolve_entries(root, info, status=None, village=None, month=None, **_):
        queryset = ScoreEvent.objects.order_by("-occurred_on", "-id")
        if status:
            queryset = queryset.filter(status=status)
        if village:
            queryset = queryset.filter(household__village__code=village)
        if month:
            start = parse_month(month)
            end = (start + dt.timedelta(days=32)).replace(day=1)
            queryset = queryset.filter(occurred_on__gte=start, occurred_on__lt=end)
        return queryset

    def resolve_objections(root, info, status=None, **_):
        queryset = Objection.objects.order_by("-filed_at")
        return queryset.filter(status=status) if status else queryset

    def resolve_declarations(root, info, status=None, village=None, **_):
        queryset = Declaration.objects.order_by("declared_at", "id")
        if status:
            queryset = queryset.filter(status=status)
        if village:
            queryset = queryset.filter(household__village__code=village)
        return queryset

    def resolve_rounds(root, info, month):
        queryset = EvaluationRound.objects.filter(period=parse_month(month))
        return RoundType.get_queryset(queryset.order_by("village__code"), info)

    def resolve_boards(root, info, village=None, year=None, quarter=None, **_):
        queryset = HonourBoard.objects.order_by("-year", "-quarter", "village__code")
        if village:
            queryset = queryset.filter(village__code=village)
        if year:
            queryset = queryset.filter(year=year)
        if quarter:
            queryset = queryset.filter(quarter=quarter)
        return queryset

    def resolve_alliance_members(root, info):
        return AllianceMemberType.get_queryset(AllianceMember.objects.order_by("code"), info)

    def resolve_benefits(root, info):
        from platform_core.plugins.selectors import benefit_types

        require_somewhere(info, (*STAFF_ROLES, Role.ALLIANCE_MEMBER))
        return [
            BenefitTypeType(
                code=b.code,
                title_zh=b.title_zh,
                title_en=b.title_en,
                plugin=key,
                legal_basis=b.legal_basis,
            )
            for key, b in benefit_types(info.context.township)
        ]

    def resolve_dividends(root, info):
        from platform_core.alliance.selectors import dividend_rows, published_catalogue

        rows = dividend_rows(published_catalogue(), info.context.township)
        return [DividendType.of(row) for row in rows]

    def resolve_grants(root, info, member_code=None, **_):
        queryset = Grant.objects.order_by("-granted_at")
        return queryset.filter(member__code=member_code) if member_code else queryset

    def resolve_api_tokens(root, info):
        require(info, (Role.TOWNSHIP_ADMIN,))
        return ApiToken.objects.filter(township=info.context.township).select_related("user")
