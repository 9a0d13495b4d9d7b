"""Documents the doors receive, honest and hostile: CAP alerts, Cursor-on-Target events with
entity bombs, and the multipart form trunk-recorder posts for a radio call."""

from __future__ import annotations

import json
import time

import aiohttp

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
COT_T0 = "2024-05-01T08:00:00.000Z"


def cap_doc(
    identifier: str = "KSB-2024-0001",
    *,
    msg_type: str = "Alert",
    status: str = "Actual",
    references: str | None = None,
    event: str = "危化品泄漏",
    description: str = "伊金霍洛西街加油站储罐泄漏，周边三百米疏散。",
    severity: str = "Severe",
    urgency: str = "Expected",
    area: str = "<circle>39.8123,109.9876 0.3</circle>",
    area_desc: str = "伊金霍洛西街加油站",
    info: bool = True,
    note: str | None = None,
    language: str | None = None,
) -> bytes:
    refs = f"<references>{references}</references>" if references else ""
    note_el = f"<note>{note}</note>" if note else ""
    lang = f"<language>{language}</language>" if language else ""
    info_el = (
        f"<info>{lang}<category>Safety</category><event>{event}</event>"
        f"<urgency>{urgency}</urgency><severity>{severity}</severity>"
        "<certainty>Observed</certainty><headline>泄漏</headline>"
        f"<description>{description}</description>"
        f"<area><areaDesc>{area_desc}</areaDesc>{area}</area></info>"
        if info
        else ""
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<alert xmlns="{CAP_NS}">'
        f"<identifier>{identifier}</identifier><sender>ops@ordos.example</sender>"
        f"<sent>2024-05-01T10:00:00+08:00</sent><status>{status}</status>"
        f"<msgType>{msg_type}</msgType><scope>Public</scope>{note_el}{refs}{info_el}</alert>"
    ).encode()


CAP_BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&lol3;</identifier>'
    b"</alert>"
)


COT_BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
        for i in range(1, 10)
    )
    + b']><event version="2.0" uid="x" type="a-f-G" time="'
    + COT_T0.encode()
    + b'"><point lat="1" lon="1"/><detail><remarks>&lol9;</remarks></detail></event>'
)


COT_XXE = (
    b'<?xml version="1.0"?><!DOCTYPE event [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b'<event version="2.0" uid="x" type="a-f-G" time="2024-05-01T08:00:00Z">'
    b'<point lat="1" lon="1"/><detail><remarks>&xxe;</remarks></detail></event>'
)


def trunk_recorder_form(
    key: str,
    audio: bytes,
    *,
    talkgroup: str | None = "1101",
    system: str = "1",
    start: int | None = None,
    source: int = 4600101,
    extra: dict[str, str] | None = None,
) -> aiohttp.FormData:
    """The multipart body trunk-recorder's rdioscanner_uploader posts (curl_formadd order)."""
    form = aiohttp.FormData()
    form.add_field(
        "audio",
        audio,
        filename="1101-1714528800_851162500.0-call_1.wav",
        content_type="application/octet-stream",
    )
    form.add_field("audioName", "1101-1714528800_851162500.0-call_1.wav")
    form.add_field("audioType", "audio/wav")
    form.add_field("dateTime", str(start if start is not None else int(time.time()) - 30))
    form.add_field("frequencies", "[]")
    form.add_field("frequency", "851162500")
    form.add_field("key", key)
    form.add_field("patches", "[]")
    if talkgroup is not None:
        form.add_field("talkgroup", talkgroup)
    form.add_field("talkgroupGroup", "Police")
    form.add_field("talkgroupLabel", "东胜区指挥调度")
    form.add_field("talkgroupTag", "Dispatch")
    form.add_field("sources", json.dumps([{"pos": 0.0, "src": source}]))
    form.add_field("system", system)
    form.add_field("systemLabel", "ordos")
    for name, value in (extra or {}).items():
        form.add_field(name, value)
    return form
