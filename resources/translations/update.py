# ruff: noqa: E501  (translation table: source strings stay on one line)
"""Refresh the zh_CN .ts from the sources and fill in translations from ZH below.

Run with ``make translations-update`` after adding or changing user-visible strings; a test
fails while any zh_CN message is untranslated.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TS = ROOT / "resources" / "translations" / "console_zh_CN.ts"

ZH = {
    "Open": "未结",
    "All": "全部",
    "All kinds": "全部类型",
    "All priorities": "全部等级",
    "P%1 and higher": "P%1 及以上",
    "Search id, title, address…": "搜索编号、标题、地址…",
    "Acknowledge  [A]": "签收  [A]",
    "%1 is already %2.": "%1 已是“%2”状态。",
    "%1 shown / %2 total": "显示 %1 / 共 %2",
    "Select an alert to see its details.": "选择一条警情查看详情。",
    "P": "级",
    "ID": "编号",
    "Kind": "类型",
    "Title": "标题",
    "Address": "地址",
    "Status": "状态",
    "Age": "时长",
    "Owner": "负责人",
    "me": "我",
    "system": "系统",
    "Position": "位置",
    "Grid": "网格",
    "Units": "警力",
    "History": "处置记录",
    "%1 — retry in %2 s": "%1 — %2 秒后重试",
    "%1 as %2 (%3)": "%1 · %2（%3）",
    "seq %1": "序号 %1",
    "%1 ev/s": "%1 事件/秒",
    "Sign in — Dispatch Console": "登录 — 指挥调度台",
    "token from 'dispatch-backend operator add'": "由 'dispatch-backend operator add' 生成的令牌",
    "Backend": "后台地址",
    "Token": "令牌",
    "Sign in": "登录",
    "The backend URL must start with ws:// or wss://.": "后台地址必须以 ws:// 或 wss:// 开头。",
    "Enter your token.": "请输入令牌。",
    "Dispatch Console — 指挥调度台": "指挥调度台",
    "&File": "文件(&F)",
    "Sign in again…": "重新登录…",
    "&Quit": "退出(&Q)",
    "&Help": "帮助(&H)",
    "Keyboard shortcuts": "快捷键",
    "A or Space: acknowledge the selected alert\nUp/Down: move through the queue\nCtrl+Q: quit": (
        "A 或 空格：签收选中的警情\n上/下：在队列中移动\nCtrl+Q：退出"
    ),
    "The backend refused the sign-in: %1. Use File → Sign in again.": (
        "后台拒绝登录：%1。请使用 文件 → 重新登录。"
    ),
    "%1 acknowledged.": "%1 已签收。",
    "Not done — someone else changed this alert first: %1 The row now shows its current state.": (
        "未执行 — 该警情已被他人先行修改：%1 该行已刷新为最新状态。"
    ),
    "Not done (%1): %2": "未执行（%1）：%2",
    "110 call": "110报警",
    "E-fence": "电子围栏",
    "Face match": "人脸比对",
    "Plate match": "车牌布控",
    "Radio emergency": "电台紧急报警",
    "Video analytics": "视频分析",
    "Manual": "人工录入",
    "New": "新警情",
    "Acknowledged": "已签收",
    "Dispatched": "已派警",
    "On scene": "已到场",
    "Resolved": "已反馈",
    "Closed": "已结案",
    "Connecting": "连接中",
    "Live": "在线",
    "Reconnecting": "重连中",
    "Offline": "离线",
    "Unauthorized": "未授权",
    "%n s": "%n 秒",
    "%n min": "%n 分钟",
    "%h h %m min": "%h 小时 %m 分",
    "Dispatch  [D]": "派警  [D]",
    "On scene  [S]": "到场  [S]",
    "Feedback  [F]": "反馈  [F]",
    "Close  [C]": "结案  [C]",
    "New alert  [N]": "接警  [N]",
    "%1 dispatched to %2.": "已派 %1 处置 %2。",
    "Recommendation %1 overridden: %2": "未采用推荐警力 %1：%2",
    "%1 on scene.": "%1 警力已到场。",
    "Feedback recorded for %1.": "%1 反馈已记录。",
    "%1 closed.": "%1 已结案。",
    "Alert created.": "警情已创建。",
    "Possible duplicates": "疑似重复警情",
    "Timer": "计时",
    "Close — %1": "结案 — %1",
    "Handled": "已处置",
    "False alarm": "误报",
    "Duplicate": "重复警情",
    "Transferred": "已移交",
    "No action needed": "无需处置",
    "Disposition": "处置结果",
    "Note": "备注",
    "Close incident": "结案",
    "Dispatch — %1": "派警 — %1",
    "Unit": "警力",
    "ETA": "预计到达",
    "Distance": "距离",
    "Why": "推荐理由",
    "%1 min": "%1 分钟",
    "Why not the recommended unit?": "为何不派推荐警力？",
    "No available unit with a known position.": "没有位置已知的可用警力。",
    "Dispatch": "派警",
    "Choose at least one unit.": "请至少选择一个警力。",
    "You chose another unit than recommended: give a reason.": "所选警力不是推荐警力：请填写理由。",
    "Feedback — %1": "反馈 — %1",
    "What the unit reported from the scene": "现场警力反馈的情况",
    "Record feedback": "记录反馈",
    "New alert (phone call)": "接警（电话报警）",
    "Caller": "报警人",
    "Phone number": "电话号码",
    "Priority (1 highest)": "等级（1 最高）",
    "Latitude": "纬度",
    "Longitude": "经度",
    "What happened": "警情描述",
    "Create alert": "创建警情",
    "Give the alert a title.": "请填写警情标题。",
    "Ack": "签收",
    "Arrive": "到场",
    "Feedback": "反馈",
    "Available": "空闲",
    "En route": "出警中",
    "Busy": "忙碌",
    "Off duty": "下班",
    "A or Space: acknowledge the selected alert\nD: dispatch (Enter takes the recommended unit)\nS: units on scene · F: record feedback · C: close with a disposition\nN: new alert from a phone call\nUp/Down: move through the queue\nCtrl+Q: quit": (
        "A 或 空格：签收选中的警情\nD：派警（回车派推荐警力）\nS：警力到场 · F：记录反馈 · C：结案\n"
        "N：电话接警\n上/下：在队列中移动\nCtrl+Q：退出"
    ),
    "Save the selected tile's picture as evidence": "将选中画面保存为证据",
    " s": " 秒",
    "%1 fps · %2 kbit/s · %3": "%1 帧/秒 · %2 kbit/s · %3",
    "%1 of %2 tiles live": "%1 / %2 路在线",
    "%1 tiles": "%1 画面",
    "&View": "视图(&V)",
    "Alert P%1": "P%1 警情",
    "Alert queue": "警情队列",
    "Alerts": "警情",
    "Camera": "摄像头",
    "Cameras": "监控",
    "Connecting…": "连接中…",
    "Cycle the cameras the tree shows over the wall": "在电视墙上轮巡列表中的摄像头",
    "Drag a camera here": "将摄像头拖到这里",
    "Evidence saved from this wall": "本电视墙保存的证据",
    "Follow P1 alerts": "联动一级警情",
    "Grids && fences": "网格与围栏",
    "Layout": "布局",
    "Linked to alert %1": "已联动警情 %1",
    "No fix > 5 min": "定位超5分钟",
    "No grid": "无网格",
    "No picture to save in the selected tile.": "选中的画面没有可保存的图像。",
    "Reconnecting in %1 s": "%1 秒后重连",
    "Reconnecting…": "重连中…",
    "Saved %1": "已保存 %1",
    "Search cameras…": "搜索摄像头…",
    "Snapshot": "抓图",
    "Tour": "轮巡",
    "Video wall": "视频墙",
    "Whole district": "全区",
    "offline": "离线",
    "online": "在线",
    "Map": "地图",
    "Alerts per hour today": "今日每小时警情",
    "Alerts by kind": "警情类型分布",
    "Median time to … (s) vs target": "各环节用时中位数（秒）与目标",
    "Units by status": "警力状态",
    "Alerts by grid": "网格警情热力",
    "Open alerts": "未结警情",
    "Cameras online": "在线摄像头",
    "Radio calls / min": "电台呼叫/分钟",
    "Overview": "态势总览",
    "Busiest grids": "警情最多的网格",
}


def main(sources: list[str] | None = None) -> int:
    """Run lupdate, then fill every message that has a translation in ZH."""
    if sources is None:
        sources = [*sorted(str(p) for p in (ROOT / "widgets").rglob("*.py")), str(ROOT / "main.py")]
    lupdate = Path(sys.executable).with_name("pyside6-lupdate")
    subprocess.run(
        [str(lupdate), *sources, "-ts", str(TS), "-no-obsolete", "-locations", "none"],
        check=True,
    )
    tree = ET.parse(TS)
    missing = []
    for message in tree.iter("message"):
        source = message.findtext("source") or ""
        translation = message.find("translation")
        assert translation is not None
        if source in ZH:
            translation.text = ZH[source]
            translation.attrib.pop("type", None)
        else:
            missing.append(source)
    tree.write(TS, encoding="utf-8", xml_declaration=True)
    for source in missing:
        print(f"untranslated: {source!r}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
