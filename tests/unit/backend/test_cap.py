"""CAP 1.2 without sockets: validation against the OASIS schema, the hardened parser, the
mapping to an alert, and Alert/Update/Cancel decided against a state (``backend_stub.ingest
.doors.cap``)."""

from __future__ import annotations

from typing import Any

import pytest

from backend_stub.ingest.doors.cap import (
    CapError,
    cap_key,
    circle_centre,
    decide_cap,
    parse_cap,
    polygon_centre,
    priority_of,
    schema,
)
from backend_stub.state import DistrictState, Refused
from console.protocol.codec import validate_event
from tests.documents import CAP_BILLION_LAUGHS, CAP_NS, cap_doc

NS = CAP_NS
TS = "2024-05-01T02:00:00.000Z"


REF = "ops@ordos.example,KSB-2024-0001,2024-05-01T10:00:00+08:00"


class Refs:
    """ExternalRefs over a plain dict (the door keeps it current from commits)."""

    def __init__(self, state: DistrictState) -> None:
        self.state = state

    def get(self, ref: str) -> str | None:
        for alert in self.state.alerts.values():
            if ref in alert.get("external_refs", []):
                return str(alert["id"])
        return None


def commit(state: DistrictState, bodies: list[dict[str, Any]]) -> None:
    for body in bodies:
        event = {"type": body["type"], "seq": state.seq + 1, "ts": TS}
        event.update((k, v) for k, v in body.items() if k != "type")
        validate_event(event)
        state.apply(event)


def run(state: DistrictState, doc: bytes) -> tuple[str, list[dict[str, Any]]]:
    outcome, bodies = decide_cap(state, Refs(state), parse_cap(doc), "ordos-cap", TS)  # type: ignore[arg-type]
    commit(state, bodies)
    return outcome.alert_id, bodies


def test_the_shipped_xsd_is_the_oasis_cap_1_2_schema() -> None:
    assert schema() is schema()  # loaded once
    root = schema()
    assert root is not None


def test_a_valid_alert_maps_to_an_alert() -> None:
    msg = parse_cap(cap_doc())
    assert (msg.identifier, msg.sender, msg.msg_type) == (
        "KSB-2024-0001",
        "ops@ordos.example",
        "Alert",
    )
    assert msg.key == cap_key("ops@ordos.example", "KSB-2024-0001")
    assert msg.info is not None
    assert msg.info.title == "危化品泄漏"
    assert msg.info.description.startswith("伊金霍洛西街加油站储罐泄漏")
    assert msg.info.priority == 2
    assert msg.info.position == (39.8123, 109.9876)
    assert msg.info.address == "伊金霍洛西街加油站"

    state = DistrictState()
    alert_id, bodies = run(state, cap_doc())
    assert alert_id == "A-000001"
    [body] = bodies
    alert = body["alert"]
    assert body["type"] == "alert.new"
    assert alert["kind"] == "manual" and alert["status"] == "new"
    assert (alert["lat"], alert["lon"]) == (39.8123, 109.9876)
    assert alert["external_ref"] == "cap:ops@ordos.example:KSB-2024-0001"
    assert alert["owner"] is None and alert["history"][0]["operator"] is None


@pytest.mark.parametrize(
    ("severity", "urgency", "priority"),
    [
        ("Extreme", "Future", 1),
        ("Minor", "Immediate", 1),
        ("Severe", "Expected", 2),
        ("Moderate", "Expected", 3),
        ("Minor", "Past", 4),
        ("Unknown", "Unknown", 4),
    ],
)
def test_severity_and_urgency_give_the_priority(severity: str, urgency: str, priority: int) -> None:
    assert priority_of(severity, urgency) == priority
    msg = parse_cap(cap_doc(severity=severity, urgency=urgency))
    assert msg.info is not None and msg.info.priority == priority


def test_a_polygon_gives_the_centre_of_its_points() -> None:
    polygon = "<polygon>39.80,109.90 39.80,110.00 39.90,110.00 39.90,109.90 39.80,109.90</polygon>"
    msg = parse_cap(cap_doc(area=polygon))
    assert msg.info is not None and msg.info.position is not None
    lat, lon = msg.info.position
    assert lat == pytest.approx(39.85) and lon == pytest.approx(109.95)
    assert circle_centre("39.5,110.25 2") == (39.5, 110.25)
    assert polygon_centre("1,1 1,3 3,3 3,1 1,1") == (2.0, 2.0)
    with pytest.raises(CapError):
        polygon_centre("1,1 1,3 3,3")  # not closed, too few
    with pytest.raises(CapError):
        circle_centre("95,110 2")  # out of range


def test_the_chinese_info_is_preferred() -> None:
    doc = cap_doc().replace(
        b"<info>",
        b"<info><language>en-US</language><category>Safety</category><event>Chemical leak"
        b"</event><urgency>Expected</urgency><severity>Severe</severity><certainty>Observed"
        b"</certainty></info><info><language>zh-CN</language>",
        1,
    )
    msg = parse_cap(doc)
    assert msg.info is not None and msg.info.title == "危化品泄漏"


@pytest.mark.parametrize(
    ("doc", "reason"),
    [
        (b"", "empty"),
        (b"not xml at all", "well-formed"),
        (cap_doc().replace(b"<sender>", b"<sendr>").replace(b"</sender>", b"</sendr>"), "valid"),
        (cap_doc(status="Rumour"), "valid"),
        (cap_doc().replace(b"+08:00", b"Z"), "valid"),  # CAP's time pattern needs an offset
        (cap_doc().replace(NS.encode(), b"urn:oasis:names:tc:emergency:cap:1.1"), "valid"),
        (cap_doc(msg_type="Update"), "references"),
        (cap_doc(area="<circle>39.8,109.9</circle>"), "circle"),
        (CAP_BILLION_LAUGHS, "DOCTYPE"),
        # UTF-16 hides the DOCTYPE from a byte scan: the parsed document still shows it.
        (
            CAP_BILLION_LAUGHS.decode()
            .replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>')
            .encode("utf-16"),
            "DOCTYPE",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE alert SYSTEM "http://evil.example/x.dtd">'
            + cap_doc().split(b"?>", 1)[1],
            "DOCTYPE",
        ),
    ],
)
def test_invalid_documents_are_refused_with_a_reason(doc: bytes, reason: str) -> None:
    with pytest.raises(CapError, match=reason):
        parse_cap(doc)


def test_the_same_message_twice_is_one_alert() -> None:
    state = DistrictState()
    first, _ = run(state, cap_doc())
    again, bodies = run(state, cap_doc())
    assert again == first and bodies == []
    assert len(state.alerts) == 1


def test_an_update_changes_the_referenced_alert() -> None:
    state = DistrictState()
    alert_id, _ = run(state, cap_doc())
    update = cap_doc(
        "KSB-2024-0002",
        msg_type="Update",
        references=REF,
        event="危化品泄漏（扩大）",
        description="疏散范围扩大至五百米。",
        severity="Extreme",
        area="<circle>39.8200,109.9900 0.5</circle>",
        area_desc="伊金霍洛西街",
    )
    updated, [body] = run(state, update)
    assert updated == alert_id and body["type"] == "alert.updated"
    alert = state.alerts[alert_id]
    assert alert["title"] == "危化品泄漏（扩大）"
    assert alert["description"] == "疏散范围扩大至五百米。"
    assert alert["priority"] == 1
    assert (alert["lat"], alert["lon"]) == (39.82, 109.99)
    assert alert["address"] == "伊金霍洛西街"
    assert alert["version"] == 2 and alert["history"][-1]["action"] == "updated"
    # The update itself is idempotent too.
    again, bodies = run(state, update)
    assert again == alert_id and bodies == []


def test_an_update_of_an_unknown_alert_is_refused() -> None:
    state = DistrictState()
    with pytest.raises(Refused, match="references no alert"):
        run(
            state,
            cap_doc("X-2", msg_type="Update", references="a@b,nope,2024-05-01T10:00:00+08:00"),
        )


def test_a_cancel_closes_an_alert_without_units() -> None:
    state = DistrictState()
    alert_id, _ = run(state, cap_doc())
    cancelled, [body, *released] = run(
        state, cap_doc("KSB-2024-0003", msg_type="Cancel", references=REF, note="误报")
    )
    assert cancelled == alert_id and body["type"] == "alert.updated" and released == []
    alert = state.alerts[alert_id]
    assert alert["status"] == "closed" and alert["disposition"] == "cancelled"
    assert "误报" in alert["history"][-1]["note"]


def test_a_cancel_with_units_on_the_alert_is_only_noted() -> None:
    state = DistrictState()
    alert_id, _ = run(state, cap_doc())
    on_it = {**state.alerts[alert_id], "unit_ids": ["U1"], "status": "dispatched"}
    commit(state, [{"type": "alert.updated", "alert": on_it}])
    _, [body] = run(state, cap_doc("KSB-2024-0003", msg_type="Cancel", references=REF, info=False))
    assert body["alert"]["version"] == state.alerts[alert_id]["version"]
    alert = state.alerts[alert_id]
    assert alert["status"] == "dispatched" and alert["unit_ids"] == ["U1"]
    assert alert["history"][-1]["action"] == "cancel_requested"


def test_an_alert_without_a_position_is_refused() -> None:
    state = DistrictState()
    with pytest.raises(Refused, match="no position"):
        run(state, cap_doc(area=""))
    with pytest.raises(Refused, match="no info"):
        run(state, cap_doc(info=False))
    assert state.alerts == {}
