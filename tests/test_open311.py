"""Open311 GeoReport v2 on the petition plugin's cases (plugins/petition/open311.py).

The fixtures below are the GeoReport v2 spec's own examples, copied from its text
(http://wiki.open311.org/GeoReport_v2, "Example response" of each method and of
"Errors"; the wiki's source is open311/open311.github.io, GeoReport_v2/index.md):
each of our answers must carry exactly the spec's fields, in JSON and in XML (parsed
and compared with the JSON answer field by field).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context

from platform_core.accounts.services import issue_token, revoke_token
from platform_core.actors import Actor
from platform_core.households.models import Village
from platform_core.plugins.services import enable_plugin
from plugins.petition.models import Case
from plugins.petition.services import advance, receive_case
from tests import factories as f

pytestmark = pytest.mark.django_db

# --- the spec's examples (wiki.open311.org/GeoReport_v2) ---------------------------------

# "GET Service List" — Example response (XML; the first service).
SPEC_SERVICES_XML = """<?xml version="1.0" encoding="utf-8"?>
<services>
    <service>
        <service_code>001</service_code>
        <service_name>Cans left out 24x7</service_name>
        <description>Garbage or recycling cans that have been left out for more than 24 hours after collection. Violators will be cited.</description>
        <metadata>true</metadata>
        <type>realtime</type>
        <keywords>lorem, ipsum, dolor</keywords>
        <group>sanitation</group>
    </service>
</services>"""  # noqa: E501
# "GET Service List" — Example response (JSON; the first service).
SPEC_SERVICES_JSON = """[
  {
    "service_code":"001",
    "service_name":"Cans left out 24x7",
    "description":"Garbage or recycling cans that have been left out for more than 24 hours after collection. Violators will be cited.",
    "metadata":true,
    "type":"realtime",
    "keywords":"lorem, ipsum, dolor",
    "group":"sanitation"
  }
]"""  # noqa: E501
# "GET Service Definition" — Example response (XML and JSON).
SPEC_DEFINITION_XML = """<?xml version="1.0" encoding="utf-8"?>
<service_definition>
    <service_code>DMV66</service_code>
    <attributes>
        <attribute>
            <variable>true</variable>
            <code>WHISHETN</code>
            <datatype>singlevaluelist</datatype>
            <required>true</required>
            <datatype_description></datatype_description>
            <order>1</order>
            <description>What is the ticket/tag/DL number?</description>
            <values>
                <value>
                    <key>123</key>
                    <name>Ford</name>
                </value>
                <value>
                    <key>124</key>
                    <name>Chrysler</name>
                </value>
            </values>
        </attribute>
    </attributes>
</service_definition>"""
SPEC_DEFINITION_JSON = """{
  "service_code":"DMV66",
  "attributes":[
    {
      "variable":true,
      "code":"WHISHETN",
      "datatype":"singlevaluelist",
      "required":true,
      "datatype_description":null,
      "order":1,
      "description":"What is the ticket/tag/DL number?",
      "values":[
        {"key":123, "name":"Ford"},
        {"key":124, "name":"Chrysler"}
      ]
    }
  ]
}"""
# The spec's datatype options of an attribute.
SPEC_DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}
# "POST Service Request" — Example response.
SPEC_POSTED_XML = """<?xml version="1.0" encoding="utf-8"?>
<service_requests>
    <request>
        <service_request_id>293944</service_request_id>
        <service_notice>
            The City will inspect and require the responsible party to correct within 24 hours and/or issue a Correction Notice or Notice of Violation of the Public Works Code
        </service_notice>
        <account_id/>
    </request>
</service_requests>"""  # noqa: E501
SPEC_POSTED_JSON = """[
  {
    "service_request_id":293944,
    "service_notice":"The City will inspect and require the responsible party to correct within 24 hours and/or issue a Correction Notice or Notice of Violation of the Public Works Code",
    "account_id":null
  }
]"""  # noqa: E501
# "GET Service Request(s)" — Example response (the first request; both methods give it).
SPEC_REQUESTS_XML = """<?xml version="1.0" encoding="utf-8"?>
<service_requests>
    <request>
        <service_request_id>638344</service_request_id>
        <status>closed</status>
        <status_notes>Duplicate request.</status_notes>
        <service_name>Sidewalk and Curb Issues</service_name>
        <service_code>006</service_code>
        <description></description>
        <agency_responsible></agency_responsible>
        <service_notice></service_notice>
        <requested_datetime>2010-04-14T06:37:38-08:00</requested_datetime>
        <updated_datetime>2010-04-14T06:37:38-08:00</updated_datetime>
        <expected_datetime>2010-04-15T06:37:38-08:00</expected_datetime>
        <address>8TH AVE and JUDAH ST</address>
        <address_id>545483</address_id>
        <zipcode>94122</zipcode>
        <lat>37.762221815</lat>
        <long>-122.4651145</long>
        <media_url>http://city.gov.s3.amazonaws.com/requests/media/638344.jpg </media_url>
    </request>
</service_requests>"""
SPEC_REQUESTS_JSON = """[
  {
    "service_request_id":638344,
    "status":"closed",
    "status_notes":"Duplicate request.",
    "service_name":"Sidewalk and Curb Issues",
    "service_code":"006",
    "description":null,
    "agency_responsible":null,
    "service_notice":null,
    "requested_datetime":"2010-04-14T06:37:38-08:00",
    "updated_datetime":"2010-04-14T06:37:38-08:00",
    "expected_datetime":"2010-04-15T06:37:38-08:00",
    "address":"8TH AVE and JUDAH ST",
    "address_id":545483,
    "zipcode":94122,
    "lat":37.762221815,
    "long":-122.4651145,
    "media_url":"http://city.gov.s3.amazonaws.com/requests/media/638344.jpg"
  }
]"""
# "Errors" — Example (HTTP/1.1 403 Forbidden).
SPEC_ERRORS_XML = """<?xml version="1.0" encoding="utf-8"?>
<errors>
    <error>
        <code>403</code>
        <description>Invalid api_key received -- can't proceed with create_request.</description>
    </error>
</errors>"""
SPEC_ERRORS_JSON = """[
  {
    "code":403,
    "description":"Invalid api_key received -- can't proceed with create_request."
  }
]"""
# "Date/time format": W3C date-times with a time zone (Z or an HH:MM offset).
W3 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$")


def xml_tree(text: str | bytes):
    """An XML document as (root tag, its value): an element with children becomes a list
    of (tag, value) pairs, a leaf its text ("" when empty)."""

    def value(element):
        children = list(element)
        if not children:
            return (element.text or "").strip()
        return [(child.tag, value(child)) for child in children]

    root = ET.fromstring(text)
    return root.tag, value(root)


def shape(tree):
    """The tags of an XML tree, without the values (lists of items keep one item's)."""
    if isinstance(tree, list):
        seen = {}
        for tag, child in tree:
            seen.setdefault(tag, shape(child))
        return seen
    return None


def as_xml_text(value) -> str:
    """How a JSON value reads in the spec's XML: booleans true/false, null empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def same_answer(json_value, xml_value) -> None:
    """Our JSON and our XML of one answer say the same, field by field."""
    if isinstance(json_value, dict):
        assert [tag for tag, _ in xml_value] == list(json_value)
        for (_tag, child), key in zip(xml_value, json_value, strict=True):
            same_answer(json_value[key], child)
    elif isinstance(json_value, list):
        if not json_value:
            assert xml_value in ("", [])
            return
        assert len(xml_value) == len(json_value)
        for (_tag, child), item in zip(xml_value, json_value, strict=True):
            same_answer(item, child)
    else:
        assert xml_value == as_xml_text(json_value)


# --- the world ---------------------------------------------------------------------------


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


TODAY = timezone.localdate()


@pytest.fixture
def world(township_a, township_b):
    """Both townships with the plugin, villages V01/V02 each, a token of an administrator
    of each, and cases: A has a hotline case closed with a note and an open petition; B has
    more cases than A (so B's ids reach beyond A's)."""
    enable_plugin(township_a, "petition")
    enable_plugin(township_b, "petition")
    found = {}
    for township, count in ((township_a, 1), (township_b, 4)):
        with tenant_context(township):
            f.village("V01", "太湖村")
            f.village("V02", "南浔村")
            admin = f.person(f"admin-{township.code}", "township_admin")
            v01 = Village.objects.get(code="V01")
            cases = []
            for n in range(count):
                cases.append(
                    receive_case(
                        kind="petition",
                        reference=f"{township.code}-P{n}",
                        village=v01,
                        household=f.household("V01-0001"),
                        petitioner_name="俞国明",
                        summary="反映道路积水，电话13800138000",
                        received_at=at(TODAY - dt.timedelta(days=10)),
                        by=admin,
                    )
                )
            found[township.code] = {"admin": admin, "cases": cases}
        with schema_context("public"):
            _, token = issue_token(
                admin.user, township, "township_admin", label="open311", by=Actor.cli()
            )
        found[township.code]["token"] = token
    with tenant_context(township_a):
        admin = found[township_a.code]["admin"]
        hotline = receive_case(
            kind="hotline",
            reference="12345-001",
            village=Village.objects.get(code="V02"),
            household=f.household("V02-0002"),
            petitioner_name="沈红",
            summary="路灯不亮",
            received_at=at(TODAY - dt.timedelta(days=5)),
            by=admin,
        )
        for status, note in (("assigned", ""), ("handling", ""), ("responded", "路灯已修复")):
            advance(hotline, status, by=admin, note=note, at=at(TODAY - dt.timedelta(days=4)))
        advance(
            hotline,
            "closed",
            by=admin,
            satisfaction="satisfied",
            note="已修复，沈红满意，回访电话 138 0013 8000",
            at=at(TODAY - dt.timedelta(days=3)),
        )
        found["hotline"] = hotline
    found["a"], found["b"] = township_a, township_b
    return found


def address(township, path: str) -> str:
    return f"/t/{township.code}/open311/v2/{path}"


def get(township, path: str, **params):
    return Client(HTTP_ACCEPT_LANGUAGE="en").get(address(township, path), params)


def post(township, path: str, **data):
    return Client(HTTP_ACCEPT_LANGUAGE="en").post(address(township, path), data)


def body(response):
    return json.loads(response.content)


def errors_of(response) -> str:
    """The description(s) of a JSON error answer, after checking the spec's error shape."""
    answer = body(response)
    assert [set(e) for e in answer] == [{"code", "description"}] * len(answer)
    assert all(e["code"] == response.status_code for e in answer)
    return " ".join(e["description"] for e in answer)


def xml_errors_of(response) -> str:
    root, errors = xml_tree(response.content)
    assert root == "errors" and shape(errors) == shape(xml_tree(SPEC_ERRORS_XML)[1])
    assert response["Content-Type"].startswith("text/xml")
    return " ".join(dict(e)["description"] for _tag, e in errors)


# --- the spec's fields, JSON and XML ------------------------------------------------------


def test_services_carry_the_spec_fields_in_json_and_xml(world):
    township = world["a"]
    answer = get(township, "services.json")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/json; charset=utf-8"
    services = body(answer)
    spec = json.loads(SPEC_SERVICES_JSON)[0]
    assert [s["service_code"] for s in services] == ["petition", "hotline", "online"]
    for service in services:
        assert list(service) == list(spec)
        assert service["metadata"] is True and service["type"] in ("realtime", "batch", "blackbox")
    xml = get(township, "services.xml")
    assert xml.status_code == 200 and xml["Content-Type"] == "text/xml; charset=utf-8"
    assert xml.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    root, tree = xml_tree(xml.content)
    spec_root, spec_tree = xml_tree(SPEC_SERVICES_XML)
    assert root == spec_root and shape(tree) == shape(spec_tree)
    same_answer(services, tree)


def test_a_service_definition_carries_the_spec_fields_and_the_villages(world):
    township = world["a"]
    definition = body(get(township, "services/hotline.json"))
    spec = json.loads(SPEC_DEFINITION_JSON)
    assert list(definition) == list(spec) and definition["service_code"] == "hotline"
    for attribute in definition["attributes"]:
        assert list(attribute) == list(spec["attributes"][0])
        assert attribute["datatype"] in SPEC_DATATYPES
    village = definition["attributes"][0]
    assert (village["code"], village["required"]) == ("village", True)
    assert village["values"] == [{"key": "V01", "name": "太湖村"}, {"key": "V02", "name": "南浔村"}]
    orders = [a["order"] for a in definition["attributes"]]
    assert orders == sorted(set(orders)) and min(orders) == 1
    root, tree = xml_tree(get(township, "services/hotline.xml").content)
    spec_root, spec_tree = xml_tree(SPEC_DEFINITION_XML)
    assert root == spec_root and shape(tree) == shape(spec_tree)
    same_answer(definition, tree)


@pytest.mark.parametrize("code", ["lawsuit", "criminal", "nothing"])
def test_an_unknown_service_is_404_in_both_formats(world, code):
    answer = get(world["a"], f"services/{code}.json")
    assert answer.status_code == 404 and f"service_code '{code}' was not found" in errors_of(answer)
    answer = get(world["a"], f"services/{code}.xml")
    assert answer.status_code == 404 and "service_code" in xml_errors_of(answer)


def test_requests_carry_the_spec_fields_and_no_personal_data(world):
    township, hotline = world["a"], world["hotline"]
    answer = get(township, "requests.json")
    assert answer.status_code == 200
    requests = body(answer)
    spec = json.loads(SPEC_REQUESTS_JSON)[0]
    assert {r["service_request_id"] for r in requests} == {
        world["hotline"].pk,
        world[township.code]["cases"][0].pk,
    }
    for request in requests:
        assert list(request) == list(spec)
        assert request["status"] in ("open", "closed")
        for name in ("requested_datetime", "updated_datetime", "expected_datetime"):
            assert W3.match(request[name]), (name, request[name])
    closed = next(r for r in requests if r["service_request_id"] == hotline.pk)
    with tenant_context(township):
        case = Case.objects.get(pk=hotline.pk)
    assert closed["status"] == "closed" and closed["service_code"] == "hotline"
    assert closed["address"] == "南浔村" and closed["address_id"] == "V02"
    assert closed["requested_datetime"] == timezone.localtime(case.received_at).isoformat()
    assert closed["updated_datetime"] == timezone.localtime(at(TODAY - dt.timedelta(3))).isoformat()
    assert closed["expected_datetime"] == timezone.localtime(case.handling_due).isoformat()
    assert closed["description"] is None and closed["agency_responsible"] == township.name
    # The closing note, without the petitioner's name or the phone number in it.
    assert closed["status_notes"] == "已修复，***满意，回访电话 ***"
    text = answer.content.decode()
    for personal in ("沈红", "俞国明", "V02-0002", "V01-0001", "13800138000", "路灯不亮", "积水"):
        assert personal not in text
    xml = get(township, "requests.xml")
    root, tree = xml_tree(xml.content)
    spec_root, spec_tree = xml_tree(SPEC_REQUESTS_XML)
    assert root == spec_root and shape(tree) == shape(spec_tree)
    same_answer(requests, tree)


def test_one_request_in_both_formats_and_unknown_ids_are_404(world):
    township, hotline = world["a"], world["hotline"]
    one = body(get(township, f"requests/{hotline.pk}.json"))
    assert len(one) == 1 and one[0]["service_request_id"] == hotline.pk
    assert list(one[0]) == list(json.loads(SPEC_REQUESTS_JSON)[0])
    root, tree = xml_tree(get(township, f"requests/{hotline.pk}.xml").content)
    assert root == "service_requests" and shape(tree) == shape(xml_tree(SPEC_REQUESTS_XML)[1])
    same_answer(one, tree)
    for unknown in ("999999", "abc"):
        answer = get(township, f"requests/{unknown}.json")
        assert answer.status_code == 404
        assert f"service_request_id '{unknown}' was not found" in errors_of(answer)
        assert get(township, f"requests/{unknown}.xml").status_code == 404


def test_a_lawsuit_is_never_served(world):
    township = world["a"]
    with tenant_context(township):
        lawsuit = receive_case(
            kind="lawsuit",
            reference="L-1",
            village=Village.objects.get(code="V01"),
            summary="土地纠纷",
            received_at=at(TODAY - dt.timedelta(days=1)),
            by=world[township.code]["admin"],
        )
    assert get(township, f"requests/{lawsuit.pk}.json").status_code == 404
    assert lawsuit.pk not in {r["service_request_id"] for r in body(get(township, "requests.json"))}


def test_a_merged_case_is_closed(world):
    township = world["a"]
    petition = world[township.code]["cases"][0]
    with tenant_context(township):
        Case.objects.filter(pk=petition.pk).update(status="merged", merged_into=world["hotline"].pk)
    answer = body(get(township, f"requests/{petition.pk}.json"))
    assert answer[0]["status"] == "closed"
    assert answer[0]["status_notes"] == f"Merged into request {world['hotline'].pk}."


def test_status_notes_are_staff_notes_not_the_citizens_words_at_the_follow_up(world):
    from plugins.petition.loop import record_follow_up

    township = world["a"]
    petition = world[township.code]["cases"][0]
    admin = world[township.code]["admin"]
    with tenant_context(township):
        for status, note in (("assigned", "交城建办"), ("handling", ""), ("responded", "已疏通")):
            advance(petition, status, by=admin, note=note)
    answer = body(get(township, f"requests/{petition.pk}.json"))[0]
    assert (answer["status"], answer["status_notes"]) == ("open", "已疏通")
    with tenant_context(township):
        record_follow_up(
            petition,
            by=admin,
            result="家住村东头的老俞说还有积水",
            satisfaction_score=3,
            satisfied="basically_satisfied",
        )
    answer = body(get(township, f"requests/{petition.pk}.json"))[0]
    assert (answer["status"], answer["status_notes"]) == ("closed", "已疏通")
    assert "老俞" not in get(township, "requests.xml").content.decode()


# --- filters -----------------------------------------------------------------------------


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {r["service_request_id"] for r in body(response)}


def test_filters_by_id_code_status_and_dates(world):
    township, hotline = world["a"], world["hotline"]
    petition = world[township.code]["cases"][0]
    assert ids(get(township, "requests.json", service_request_id=f"{petition.pk}")) == {petition.pk}
    # service_request_id overrides every other argument (the spec).
    assert ids(
        get(
            township,
            "requests.json",
            service_request_id=f"{petition.pk},{hotline.pk}",
            status="closed",
        )
    ) == {petition.pk, hotline.pk}
    assert ids(get(township, "requests.json", service_code="hotline")) == {hotline.pk}
    assert ids(get(township, "requests.json", service_code="hotline,petition")) == {
        hotline.pk,
        petition.pk,
    }
    assert ids(get(township, "requests.json", status="open")) == {petition.pk}
    assert ids(get(township, "requests.json", status="closed")) == {hotline.pk}
    assert ids(get(township, "requests.json", status="open,closed")) == {hotline.pk, petition.pk}
    six_days_ago = f"{TODAY - dt.timedelta(days=6):%Y-%m-%d}T00:00:00+08:00"
    assert ids(get(township, "requests.json", start_date=six_days_ago)) == {hotline.pk}
    assert ids(get(township, "requests.json", end_date=six_days_ago)) == {petition.pk}
    # A date alone: the township's day (the end date included).
    day = f"{TODAY - dt.timedelta(days=10):%Y-%m-%d}"
    assert ids(get(township, "requests.json", start_date=day, end_date=day)) == {petition.pk}
    # Empty parameters count as not given (the spec's "Optional Arguments").
    assert ids(get(township, "requests.json", status="", service_code="")) == {
        hotline.pk,
        petition.pk,
    }
    assert len(body(get(township, "requests.json", page_size="1"))) == 1
    assert ids(get(township, "requests.json", page_size="1", page="2")) == {petition.pk}
    old = f"{TODAY - dt.timedelta(days=200):%Y-%m-%d}"
    assert ids(get(township, "requests.json", start_date=old)) == set()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start_date": "yesterday"}, "start_date 'yesterday' is not a W3C date-time"),
        ({"end_date": "2026-13-01"}, "end_date '2026-13-01' is not a W3C date-time"),
        ({"start_date": "2026-01-01T00:00:00"}, "start_date '2026-01-01T00:00:00' needs its time"),
        (
            {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
            "start_date and end_date may not span more than 90 days",
        ),
        (
            {"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
            "end_date must be after start_date",
        ),
        ({"status": "pending"}, "status 'pending': use open or closed"),
        ({"status": "open,done"}, "status 'done': use open or closed"),
        ({"service_code": "lawsuit"}, "service_code 'lawsuit': use one of petition"),
        ({"service_request_id": "1,x"}, "service_request_id 'x': give request ids"),
        ({"service_request_id": ",".join(["1"] * 1001)}, "service_request_id: at most 1000 ids"),
        ({"page_size": "1001"}, "page_size '1001': give a whole number from 1 to 1000"),
        ({"page": "0"}, "page '0': give a whole number"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(world, params, message):
    answer = get(world["a"], "requests.json", **params)
    assert answer.status_code == 400 and message in errors_of(answer)
    xml = get(world["a"], "requests.xml", **params)
    assert xml.status_code == 400 and message in xml_errors_of(xml)


def test_wrong_format_and_method(world):
    answer = get(world["a"], "services.csv")
    assert answer.status_code == 404 and "format csv: use json or xml" in errors_of(answer)
    put = Client().put(address(world["a"], "services.json"))
    assert put.status_code == 405 and put["Allow"] == "GET" and "GET" in errors_of(put)
    posted = post(world["a"], f"requests/{world['hotline'].pk}.xml")
    assert posted.status_code == 405 and "GET" in xml_errors_of(posted)


# --- POST requests ----------------------------------------------------------------------


def new_request(township, token, fmt="json", **extra):
    data = {
        "api_key": token,
        "service_code": "hotline",
        "attribute[village]": "V01",
        "description": "村口垃圾桶满溢",
        "address_string": "太湖村村口",
        "first_name": "小英",
        "last_name": "张",
        "phone": "13900000000",
        **extra,
    }
    return post(township, f"requests.{fmt}", **{k: v for k, v in data.items() if v is not None})


def test_posting_a_request_creates_a_case_and_answers_in_the_spec_fields(world):
    township = world["a"]
    answer = new_request(township, world[township.code]["token"])
    assert answer.status_code == 200, answer.content
    posted = body(answer)
    spec = json.loads(SPEC_POSTED_JSON)[0]
    assert len(posted) == 1 and list(posted[0]) == list(spec)
    assert posted[0]["account_id"] is None and "answered by" in posted[0]["service_notice"]
    with tenant_context(township):
        case = Case.objects.get(pk=posted[0]["service_request_id"])
        first = case.steps.get()
        assert (case.kind, case.village.code, case.status) == ("hotline", "V01", "received")
    assert case.petitioner_name == "张小英" and case.reference.startswith("O311-")
    assert case.summary.startswith("村口垃圾桶满溢") and "13900000000" in case.summary
    assert "太湖村村口" in case.summary
    assert first.by_id == world[township.code]["admin"].user.pk and "(token" in first.by_label
    assert case.handling_due is not None
    # Read back: no name, phone or description.
    read = get(township, f"requests/{case.pk}.json")
    assert body(read)[0]["status"] == "open" and body(read)[0]["description"] is None
    for personal in ("张", "小英", "13900000000", "垃圾桶", "村口"):
        assert personal not in read.content.decode()
    xml = new_request(
        township, world[township.code]["token"], "xml", **{"attribute[reference]": "12345-777"}
    )
    assert xml.status_code == 200
    root, tree = xml_tree(xml.content)
    spec_root, spec_tree = xml_tree(SPEC_POSTED_XML)
    assert root == spec_root and shape(tree) == shape(spec_tree)
    with tenant_context(township):
        assert Case.objects.filter(kind="hotline", reference="12345-777").exists()


def test_posting_with_a_household(world):
    township = world["a"]
    token = world[township.code]["token"]
    answer = new_request(township, token, **{"attribute[household_code]": "V01-0002"})
    with tenant_context(township):
        case = Case.objects.get(pk=body(answer)[0]["service_request_id"])
        assert case.household.code == "V01-0002"
    elsewhere = new_request(township, token, **{"attribute[household_code]": "V02-0001"})
    assert elsewhere.status_code == 400
    assert "attribute[household_code] 'V02-0001': no such household in 太湖村" in errors_of(
        elsewhere
    )


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"service_code": None}, 400, "service_code is missing"),
        ({"service_code": "lawsuit"}, 404, "service_code 'lawsuit' was not found"),
        ({"attribute[village]": None}, 400, "attribute[village] is missing"),
        ({"attribute[village]": "V09"}, 400, "attribute[village] 'V09': no such village"),
        ({"description": None}, 400, "description is missing"),
        ({"description": "x" * 4001}, 400, "description is longer than 4000 characters"),
        ({"attribute[reference]": "R" * 65}, 400, "attribute[reference] is longer than 64"),
    ],
)
def test_bad_posts_are_refused_naming_the_parameter(world, change, status, message):
    township = world["a"]
    with tenant_context(township):
        before = Case.objects.count()
    answer = new_request(township, world[township.code]["token"], **change)
    assert answer.status_code == status and message in errors_of(answer)
    xml = new_request(township, world[township.code]["token"], "xml", **change)
    assert xml.status_code == status and message in xml_errors_of(xml)
    with tenant_context(township):
        assert Case.objects.count() == before


def test_a_case_number_twice_is_refused(world):
    township = world["a"]
    token = world[township.code]["token"]
    assert new_request(township, token, **{"attribute[reference]": "12345-9"}).status_code == 200
    again = new_request(township, token, **{"attribute[reference]": "12345-9"})
    assert again.status_code == 400 and "12345-9 is already registered" in errors_of(again)


def test_wrong_credentials_are_403(world):
    township, other = world["a"], world["b"]
    missing = new_request(township, None)
    assert missing.status_code == 403 and "api_key is missing" in errors_of(missing)
    wrong = new_request(township, "tit_not-a-token")
    assert wrong.status_code == 403 and "api_key refused" in errors_of(wrong)
    assert "api_key" in xml_errors_of(new_request(township, "tit_not-a-token", "xml"))
    # B's token in A: refused, and nothing was created in either township.
    foreign = new_request(township, world[other.code]["token"])
    assert foreign.status_code == 403 and "api_key refused" in errors_of(foreign)
    with tenant_context(township):
        assert not Case.objects.filter(kind="hotline", village__code="V01").exists()
    with tenant_context(other):
        assert not Case.objects.filter(kind="hotline").exists()
    # A revoked token.
    with schema_context("public"):
        record, token = issue_token(
            world[township.code]["admin"].user,
            township,
            "township_admin",
            label="old",
            by=Actor.cli(),
        )
        revoke_token(record, by=Actor.cli())
    assert new_request(township, token).status_code == 403


def test_a_village_token_posts_only_for_its_village(world):
    township = world["a"]
    with tenant_context(township):
        grid = f.person("grid-v02", "grid_worker", "V02")
    with schema_context("public"):
        _, token = issue_token(
            grid.user, township, "grid_worker", label="app", by=Actor.cli(), village_code="V02"
        )
    refused = new_request(township, token)
    assert refused.status_code == 403 and "api_key refused" in errors_of(refused)
    assert new_request(township, token, **{"attribute[village]": "V02"}).status_code == 200


# --- townships apart -----------------------------------------------------------------------


def test_nothing_of_one_township_is_served_by_another(world):
    township, other = world["a"], world["b"]
    b_cases = world[other.code]["cases"]
    a_ids = ids(get(township, "requests.json"))
    b_ids = ids(get(other, "requests.json"))
    assert b_ids == {c.pk for c in b_cases}
    # B's last ids do not exist in A: asked in A they are 404, by path and by filter.
    with tenant_context(township):
        a_pks = set(Case.objects.values_list("pk", flat=True))
    beyond = [c.pk for c in b_cases if c.pk not in a_pks]
    assert beyond
    for pk in beyond:
        assert get(township, f"requests/{pk}.json").status_code == 404
        assert get(township, f"requests/{pk}.xml").status_code == 404
    assert ids(get(township, "requests.json", service_request_id=",".join(map(str, beyond)))) == (
        set()
    )
    # A's hotline case (closed, with its note) appears nowhere in B's answers.
    assert {r["service_code"] for r in body(get(other, "requests.json"))} == {"petition"}
    assert ids(get(other, "requests.json", service_code="hotline")) == set()
    assert "路灯已修复" not in get(other, "requests.xml").content.decode()
    assert a_ids.isdisjoint(beyond)
    # A's jurisdiction_id on B's address is not B.
    answer = get(other, "services.json", jurisdiction_id=township.code)
    assert answer.status_code == 404 and "jurisdiction_id" in errors_of(answer)
    assert get(township, "services.json", jurisdiction_id=township.code).status_code == 200


def test_a_township_without_the_plugin_serves_nothing(world):
    from platform_core.plugins.services import disable_plugin

    other = world["b"]
    disable_plugin(other, "petition")
    for path in ("services.json", "services/hotline.json", "requests.json", "requests/1.json"):
        answer = get(other, path)
        assert answer.status_code == 404, path
        errors_of(answer)
    assert new_request(other, world[other.code]["token"]).status_code == 404


# --- the county's address (jurisdiction_id) -------------------------------------------------


def county(path: str, **params):
    return Client().get(f"/open311/v2/{path}", params)


def test_the_county_address_serves_each_township_by_jurisdiction_id(world):
    township, other = world["a"], world["b"]
    a = ids(county("requests.json", jurisdiction_id=township.code))
    b = ids(county("requests.json", jurisdiction_id=other.code))
    assert a == ids(get(township, "requests.json")) and b == ids(get(other, "requests.json"))
    assert body(county("services.json", jurisdiction_id=township.code))[0]["service_code"]
    hotline = world["hotline"].pk
    assert county(f"requests/{hotline}.json", jurisdiction_id=township.code).status_code == 200
    beyond = world[other.code]["cases"][-1].pk
    assert county(f"requests/{beyond}.json", jurisdiction_id=township.code).status_code == 404
    posted = Client().post(
        "/open311/v2/requests.json",
        {
            "jurisdiction_id": township.code,
            "api_key": world[township.code]["token"],
            "service_code": "online",
            "attribute[village]": "V02",
            "description": "网上反映噪音",
        },
    )
    assert posted.status_code == 200, posted.content
    with tenant_context(township):
        assert Case.objects.filter(kind="online", pk=body(posted)[0]["service_request_id"]).exists()
    # B's token through the county address naming A: refused.
    refused = Client().post(
        "/open311/v2/requests.json",
        {
            "jurisdiction_id": township.code,
            "api_key": world[other.code]["token"],
            "service_code": "online",
            "attribute[village]": "V02",
            "description": "网上反映噪音",
        },
    )
    assert refused.status_code == 403


def test_the_county_address_needs_a_known_jurisdiction_id(world):
    missing = county("services.json")
    assert missing.status_code == 400 and "jurisdiction_id" in errors_of(missing)
    missing_xml = county("services.xml")
    assert missing_xml.status_code == 400 and "jurisdiction_id" in xml_errors_of(missing_xml)
    unknown = county("requests.json", jurisdiction_id="999999999")
    assert unknown.status_code == 404 and "999999999" in errors_of(unknown)
    assert county("requests.xml", jurisdiction_id="999999999").status_code == 404


# --- the black box: Open311 -> workbench -> Open311 ------------------------------------------


def test_a_request_posted_through_open311_is_worked_in_the_workbench_and_read_back_closed(world):
    township = world["a"]
    posted = new_request(township, world[township.code]["token"], service_code="online")
    request_id = body(posted)[0]["service_request_id"]
    with tenant_context(township):
        handler = f.person("handler", "grid_worker", "V01")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(handler.user)
    page = f"/t/{township.code}/work/x/petition/cases/{request_id}/"
    assert client.get(page).status_code == 200

    def step(**fields):
        form = client.get(page).content.decode()
        key = re.search(r'name="advance-submission" value="([^"]+)"', form).group(1)
        data = {"form": "advance", "advance-submission": key}
        data.update({f"advance-{name}": value for name, value in fields.items()})
        return client.post(page, data)

    assert step(status="assigned").status_code == 302
    assert body(get(township, f"requests/{request_id}.json"))[0]["status"] == "open"
    assert step(status="handling").status_code == 302
    assert step(status="responded", note="垃圾已清运").status_code == 302
    assert step(status="closed", satisfaction="satisfied", note="已清运并回访").status_code == 302
    closed = body(get(township, f"requests/{request_id}.json"))[0]
    assert closed["status"] == "closed" and closed["status_notes"] == "已清运并回访"
    root, tree = xml_tree(get(township, f"requests/{request_id}.xml").content)
    request = dict(tree[0][1])
    assert request["status"] == "closed" and request["status_notes"] == "已清运并回访"
    assert ids(get(township, "requests.json", status="closed")) >= {request_id}


def test_other_machines_post_without_a_csrf_token(world):
    township = world["a"]
    machine = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    answer = machine.post(
        address(township, "requests.json"),
        {
            "api_key": world[township.code]["token"],
            "service_code": "petition",
            "attribute[village]": "V02",
            "description": "反映村道破损",
        },
    )
    assert answer.status_code == 200, answer.content


def test_a_page_costs_the_same_statements_whatever_its_size(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    township = world["a"]
    token = world[township.code]["token"]
    for n in range(3):
        new_request(township, token, **{"attribute[reference]": f"12345-{n}"})
    counts = {}
    for size in ("1", "5"):
        with CaptureQueriesContext(connection) as queries:
            answer = get(township, "requests.xml", page_size=size)
        assert answer.status_code == 200
        counts[size] = len(queries)
    assert len(xml_tree(answer.content)[1]) == 5
    assert counts["1"] == counts["5"], counts
