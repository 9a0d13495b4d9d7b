"""Recommendation ranking, timers and duplicate detection, with injected time."""

from __future__ import annotations

from console.dispatch import TimerLevel, possible_duplicates, recommend, timer
from console.domain.model import Alert, AlertStatus, HistoryItem, Position, Unit, UnitStatus
from tests import factories

T = 1_795_880_000.0


def _alert(status: AlertStatus = AlertStatus.NEW, priority: int = 1, **kw: object) -> Alert:
    base: dict[str, object] = dict(
        id="A-1",
        description="报警人 13800000001",
        lat=39.82,
        lon=109.98,
        grid_id="G0001",
        created_ts=T,
        history=(HistoryItem(T, None, "created", ""),),
    )
    return factories.alert(status=status, priority=priority, **{**base, **kw})


def _unit(
    uid: str,
    kind: str = "patrol_car",
    status: UnitStatus = UnitStatus.AVAILABLE,
    grid: str = "G0002",
) -> Unit:
    return factories.unit(uid, kind=kind, status=status, grid_id=grid)


def test_recommend_ranks_by_eta_skips_busy_and_explains() -> None:
    alert = _alert()
    units = {
        u.id: u
        for u in [
            _unit("1"),
            _unit("2", kind="foot"),
            _unit("3"),
            _unit("4", status=UnitStatus.BUSY),
            _unit("5", grid="G0001"),
        ]
    }
    positions = {
        "1": Position("1", 39.83, 109.98, T),  # ~1.1 km by car
        "2": Position("2", 39.821, 109.98, T),  # ~110 m on foot: ~30 s
        "3": Position("3", 39.86, 109.98, T),  # ~4.4 km
        "4": Position("4", 39.82, 109.98, T),  # busy: never recommended
        "5": Position("5", 39.83, 109.98, T),  # same distance as 1, same grid
    }
    ranked = recommend(alert, units, positions, now=T + 10)
    assert [r.unit.id for r in ranked] == ["2", "5", "1", "3"]
    assert "same grid" in ranked[1].reason and "km" in ranked[0].reason


def test_stale_fix_ranks_last() -> None:
    alert = _alert()
    units = {"1": _unit("1"), "2": _unit("2")}
    positions = {"1": Position("1", 39.8201, 109.98, T - 900), "2": Position("2", 39.85, 109.98, T)}
    assert [r.unit.id for r in recommend(alert, units, positions, now=T)] == ["2", "1"]


def test_timers_turn_amber_then_red() -> None:
    alert = _alert(priority=1)
    assert timer(alert, T + 5).level is TimerLevel.OK  # 25 s left of 30
    assert timer(alert, T + 25).level is TimerLevel.AMBER
    late = timer(alert, T + 31)
    assert late.name == "acknowledge" and late.level is TimerLevel.RED and late.remaining_s < 0
    dispatched = _alert(
        AlertStatus.DISPATCHED, history=(HistoryItem(T + 40, "op", "dispatched", "U1"),)
    )
    arrive = timer(dispatched, T + 40 + 200)
    assert arrive.name == "arrive" and round(arrive.remaining_s) == 100
    assert timer(_alert(AlertStatus.CLOSED), T) is None


def test_duplicates_same_caller_or_close_and_compatible() -> None:
    main = _alert(id="A-1")
    same_caller = _alert(id="A-2", lat=39.9, created_ts=T + 5000)
    nearby = _alert(id="A-3", description="", lat=39.8205, created_ts=T + 60)
    far = _alert(id="A-4", description="", lat=39.85, created_ts=T + 60)
    other_kind = _alert(id="A-5", description="", kind="plate_match", created_ts=T + 60)
    closed = _alert(id="A-6", status=AlertStatus.CLOSED)
    found = possible_duplicates(main, [main, same_caller, nearby, far, other_kind, closed])
    assert [a.id for a in found] == ["A-3", "A-2"]


def test_command_line_dispatch_ack_feedback_close() -> None:
    import pytest

    from console.dispatch import CommandLineError, parse_command_line

    alert = _alert(id="A-000042", version=3)
    alerts = {alert.id: alert}
    units = {"U7": _unit("U7"), "U8": _unit("U8")}  # callsigns PU7, PU8
    assert parse_command_line("D PU7 pu8 A-42", alerts, units) == (
        "alert.dispatch",
        {"alert_id": "A-000042", "version": 3, "unit_ids": ["U7", "U8"]},
    )
    assert parse_command_line("a A-000042", alerts, units) == (
        "alert.acknowledge",
        {"alert_id": "A-000042", "version": 3},
    )
    assert parse_command_line("F A-42 双方已劝离", alerts, units)[1]["note"] == "双方已劝离"
    assert parse_command_line("C A-42 false_alarm 误报", alerts, units)[1] == {
        "alert_id": "A-000042",
        "version": 3,
        "disposition": "false_alarm",
        "note": "误报",
    }
    for bad, why in [
        ("Z A-42", "unknown command"),
        ("D A-42", "at least one unit"),
        ("A A-99", "no known alert"),
        ("", "empty"),
    ]:
        with pytest.raises(CommandLineError, match=why):
            parse_command_line(bad, alerts, units)


def test_command_line_merge_cancel_transfer_release() -> None:
    import pytest

    from console.dispatch import CommandLineError, parse_command_line

    main = _alert(id="A-000042", version=3, unit_ids=("U7",))
    dup = _alert(id="A-000043", version=2)
    alerts = {main.id: main, dup.id: dup}
    units = {"U7": _unit("U7"), "U8": _unit("U8")}
    assert parse_command_line("M A-43 A-42 同一起", alerts, units) == (
        "alert.merge",
        {"alert_id": "A-000043", "version": 2, "into_id": "A-000042", "note": "同一起"},
    )
    assert parse_command_line("x A-42 报警人撤回", alerts, units) == (
        "alert.cancel",
        {"alert_id": "A-000042", "version": 3, "reason": "报警人撤回"},
    )
    assert parse_command_line("T A-42 li 交班", alerts, units) == (
        "alert.transfer",
        {"alert_id": "A-000042", "version": 3, "to_operator": "li", "note": "交班"},
    )
    assert parse_command_line("R PU7 A-42", alerts, units) == (
        "alert.release_unit",
        {"alert_id": "A-000042", "version": 3, "unit_id": "U7", "note": ""},
    )
    for bad, why in [
        ("M A-43", "the main incident"),
        ("M A-42 A-000042", "into itself"),
        ("X A-42", "reason"),
        ("T A-42", "operator"),
        ("R A-42", "one unit"),
        ("R PU8 A-42", "not assigned"),
    ]:
        with pytest.raises(CommandLineError, match=why):
            parse_command_line(bad, alerts, units)


def test_reassign_names_the_other_incident_and_respects_priority() -> None:
    from console.dispatch import busy_elsewhere, reassignable

    here = _alert(id="A-1", priority=1)
    low = _alert(id="A-2", priority=3, status=AlertStatus.DISPATCHED, unit_ids=("1",))
    urgent = _alert(id="A-3", priority=1, status=AlertStatus.ON_SCENE, unit_ids=("2",))
    closed = _alert(id="A-4", status=AlertStatus.CLOSED, unit_ids=("3",))
    alerts = {a.id: a for a in (here, low, urgent, closed)}
    units = {u: _unit(u, status=UnitStatus.DISPATCHED) for u in ("1", "2", "3")}
    positions = {u: Position(u, 39.83, 109.98, T) for u in units}
    assert {k: v.id for k, v in busy_elsewhere(["1", "2", "3"], "A-1", alerts).items()} == {
        "1": "A-2",
        "2": "A-3",
    }
    assert busy_elsewhere(["1"], "A-2", alerts) == {}  # already on this incident
    p3 = _alert(id="A-5", priority=3)
    assert [b.unit.id for b in reassignable(here, units, positions, alerts)] == ["1", "2"]
    # A P3 does not take units from a P1.
    assert [b.other.id for b in reassignable(p3, units, positions, {**alerts, "A-5": p3})] == [
        "A-2"
    ]


def test_merge_targets_put_duplicates_first_and_skip_closed() -> None:
    from console.dispatch import known_operators, merge_targets

    dup = _alert(id="A-3", created_ts=T + 60)
    main = _alert(id="A-1", created_ts=T)
    unrelated = _alert(id="A-2", description="", lat=39.9, created_ts=T + 30, owner="li")
    gone = _alert(id="A-4", status=AlertStatus.CLOSED)
    alerts = {a.id: a for a in (dup, main, unrelated, gone)}
    assert [a.id for a in merge_targets(dup, alerts)] == ["A-1", "A-2"]
    assert merge_targets(gone, alerts) == []
    assert known_operators(alerts.values()) == ["li"]
