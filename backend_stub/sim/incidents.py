"""Alerts of the demo district: 110 calls, video analytics, e-fences, plate and face matches.

Alerts arrive as a Poisson stream with a random stream of its own; a radio's emergency
button raises one too (``radio_emergency``, where the unit is). Each alert is a full wire
dict (``alert.new``), numbered from the alert id series.
"""

from __future__ import annotations

import math
import random
from typing import Any

from backend_stub.alert_body import alert_body
from backend_stub.district import District
from backend_stub.sim.common import (
    COS_LAT,
    M_PER_DEG,
    Arrivals,
    Mover,
    Numbering,
    pick,
)
from backend_stub.sim.movement import Movement
from console.protocol.codec import format_ts

__all__ = ["Incidents"]

_ALERT_KINDS = (
    ("call_110", 0.55),
    ("video_analytics", 0.12),
    ("efence", 0.10),
    ("plate_match", 0.10),
    ("face_match", 0.08),
    ("radio_emergency", 0.01),
)
# (case, base priority, weight, what the caller says)
_CASES_110 = (
    ("入室盗窃", 2, 8, "家中被盗，门锁有撬动痕迹"),
    ("交通事故", 3, 14, "两车相撞，暂无人员受伤，道路部分堵塞"),
    ("交通事故（有人受伤）", 2, 4, "电动车与轿车相撞，骑车人倒地受伤"),
    ("打架斗殴", 2, 7, "有多人在路边打架，有人手持棍棒"),
    ("纠纷", 4, 14, "与邻居发生纠纷，请求民警到场调解"),
    ("电信诈骗", 3, 8, "接到冒充客服的电话，已向对方转账"),
    ("噪音扰民", 4, 8, "楼上深夜噪音扰民，多次沟通无果"),
    ("走失人员", 3, 5, "家中老人外出未归，身穿深色外套"),
    ("可疑人员", 3, 6, "有可疑人员在小区内徘徊并查看车辆"),
    ("抢劫", 1, 1, "被人持刀抢走手机，嫌疑人往东逃跑"),
    ("火情", 1, 1, "居民楼有浓烟冒出"),
    ("醉酒滋事", 3, 6, "有醉酒人员在饭店内闹事"),
    ("电动车被盗", 4, 8, "停在楼下的电动车被盗"),
)
_FACE_LISTS = (("在逃人员", 2), ("涉毒前科人员", 3), ("重点关注人员", 3), ("走失老人", 3))
_PLATE_REASONS = ("涉嫌盗抢车辆", "套牌嫌疑", "肇事逃逸", "涉案车辆")
_VIDEO_EVENTS = (
    ("人员聚集", 3),
    ("烟火检测", 2),
    ("车辆违停", 4),
    ("人员倒地", 3),
    ("打架行为", 2),
)
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙马胡郭高"
_PHONE_PREFIXES = ("138", "139", "150", "151", "152", "158", "159", "183", "186", "135", "177")
_PLATE_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
_NOTES = {
    "call_110": "110接警平台推送",
    "efence": "电子围栏系统推送",
    "face_match": "人脸识别系统推送",
    "plate_match": "卡口车牌识别系统推送",
    "video_analytics": "视频智能分析系统推送",
    "radio_emergency": "PDT系统紧急告警",
}


class Incidents(Arrivals):
    """The alert stream of a district.

    Args:
        district: The district.
        movement: The units, for where a radio emergency is.
        seed: Seed of the simulation.
        rate: Mean alerts per second.
        ids: The alert ids.
        start: The simulated start time.
    """

    def __init__(
        self,
        district: District,
        movement: Movement,
        *,
        seed: int,
        rate: float,
        ids: Numbering,
        start: float,
    ) -> None:
        super().__init__(seed, "alert", rate, ids, start)
        self._district = district
        self._movement = movement

    def emit(self, t: float, events: list[dict[str, Any]]) -> None:
        """Raise an alert of a random kind.

        Args:
            t: Its time.
            events: Where its ``alert.new`` is appended.
        """
        events.append({"type": "alert.new", "alert": self.alert(t)})

    def alert(self, t: float, unit: Mover | None = None) -> dict[str, Any]:
        """Make an alert.

        Args:
            t: Its time.
            unit: The unit whose radio's emergency button raised it; None: a random kind.

        Returns:
            The alert wire dict.
        """
        rng, d = self.rng, self._district
        movers = self._movement.by_phase
        kind = "radio_emergency" if unit else pick(rng, _ALERT_KINDS)
        if kind == "radio_emergency" and unit is None:
            unit = movers[rng.randrange(len(movers))] if movers else None
            if unit is None:
                kind = "call_110"
        cam = d.cameras[rng.randrange(len(d.cameras))] if d.cameras else None
        if unit is not None:
            lat, lon = self._movement.locate_now(unit, t)
        elif kind in ("face_match", "plate_match", "video_analytics") and cam is not None:
            lat, lon = _offset(rng, cam.lat, cam.lon, 30.0)
        else:
            node = d.nodes[rng.randrange(len(d.nodes))]
            lat, lon = _offset(rng, node.lat, node.lon, 80.0)
        lat, lon = round(lat, 6), round(lon, 6)
        address = d.address_near(lat, lon)
        grid = d.grid_at(lat, lon)
        cam_name = cam.name if cam else "路口"
        if kind == "call_110":
            case = rng.choices(_CASES_110, [c[2] for c in _CASES_110])[0]
            priority = (
                case[1] if case[1] == 1 else min(4, max(2, case[1] + rng.choice((-1, 0, 0, 0, 1))))
            )
            title = f"110报警：{case[0]}"
            phone = rng.choice(_PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"
            who = rng.choice(_SURNAMES) + rng.choice(("先生", "女士"))
            description = f"报警人{who}（{phone}）称：{case[3]}。地点：{address}。"
        elif kind == "efence":
            priority, title = 3, "电子围栏越界告警"
            area = grid.name if grid else "重点区域"
            description = f"{area}重点部位电子围栏检测到人员越界，请核实。"
        elif kind == "face_match":
            who, priority = rng.choice(_FACE_LISTS)
            title = f"人脸比对命中：{who}"
            description = (
                f"{cam_name}抓拍人脸与{who}库比对命中，相似度{rng.uniform(0.86, 0.98):.2f}。"
            )
        elif kind == "plate_match":
            plate = "蒙K·" + "".join(rng.choice(_PLATE_CHARS) for _ in range(5))
            priority, title = rng.choice((2, 3)), f"车牌布控命中：{plate}"
            why = rng.choice(_PLATE_REASONS)
            description = f"{cam_name}识别布控车辆{plate}（{why}），请拦截核查。"
        elif kind == "video_analytics":
            what, priority = rng.choice(_VIDEO_EVENTS)
            title = f"视频分析：{what}"
            description = f"{cam_name}视频分析检测到{what}，置信度{rng.uniform(0.7, 0.97):.2f}。"
        else:
            assert unit is not None
            priority, title = 1, f"电台紧急告警：{unit.callsign}"
            description = f"{unit.callsign}（PDT {unit.radio_id}）触发紧急报警按钮。"
        return alert_body(
            self.ids.issue(),
            format_ts(t),
            kind=kind,
            priority=priority,
            title=title,
            description=description,
            lat=lat,
            lon=lon,
            address=address,
            grid_id=grid.id if grid else "",
            note=_NOTES[kind],
            camera_ids=d.cameras_near(lat, lon, 300.0, 4),
        )


def _offset(rng: random.Random, lat: float, lon: float, max_m: float) -> tuple[float, float]:
    """A random point within ``max_m`` metres of a place, uniform over the disc."""
    d = max_m * math.sqrt(rng.random())
    a = rng.uniform(0.0, 2 * math.pi)
    return lat + d * math.cos(a) / M_PER_DEG, lon + d * math.sin(a) / (M_PER_DEG * COS_LAT)
