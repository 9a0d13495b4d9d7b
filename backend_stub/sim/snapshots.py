"""The snapshots the demo district's cameras take of the watched vehicles and people.

A real ANPR camera sends a picture with each read; the demo draws one with ffmpeg (a street
scene in the camera's hue, the plate in a blue plate box or the person id in a face-match
frame, the camera's name along the bottom), once per camera and subject, cached as a JPEG in
a folder that ``GET /snapshots/files/{name}`` serves. Blocking (ffmpeg): call it off the
event loop.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

from backend_stub.streams import _find_font, drawtext_works

SIZE = (480, 270)


def snapshot_name(camera_id: str, kind: str, value: str) -> str:
    """The file name of a camera's snapshot of a plate or person (safe in a URL)."""
    digest = hashlib.sha256(f"{camera_id}\n{kind}\n{value}".encode()).hexdigest()[:20]
    return f"{kind}-{digest}.jpg"


def render_snapshot(
    folder: Path, camera_id: str, camera_name: str, kind: str, value: str, ffmpeg: str = "ffmpeg"
) -> Path | None:
    """The JPEG of ``camera_id`` seeing ``value`` (made once), or None when ffmpeg cannot."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / snapshot_name(camera_id, kind, value)
    if path.is_file():
        return path
    hue = int(hashlib.sha256(camera_id.encode()).hexdigest()[:4], 16) % 360
    w, h = SIZE
    chain = [
        f"hue=h={hue}:s=0.35",
        # the road, a vehicle (or a person's frame) in the middle
        f"drawbox=x=0:y={h * 3 // 5}:w={w}:h={h}:color=0x2a2d30:t=fill",
        f"drawbox=x={w // 4}:y={h // 4}:w={w // 2}:h={h // 2}:color=0xd0d4d8@0.85:t=fill",
    ]
    if kind == "plate":
        chain.append(f"drawbox=x={w // 2 - 90}:y={h // 2 - 12}:w=180:h=44:color=0x1646b4:t=fill")
    else:
        chain.append(f"drawbox=x={w // 2 - 50}:y={h // 4 + 8}:w=100:h=110:color=0xe03030:t=3")
    if drawtext_works(ffmpeg):
        font = _find_font()
        font_opt = f"fontfile='{font}':" if font else ""
        texts = {
            "value": (value, 30, "x=(w-tw)/2", f"y={h // 2 - 6}" if kind == "plate" else "y=h*3/4"),
            "camera": (f"{camera_id}  {camera_name}", 18, "x=10", "y=h-th-10"),
        }
        for key, (text, size, x, y) in texts.items():
            text_file = folder / f"{path.stem}-{key}.txt"
            text_file.write_text(text, encoding="utf-8")
            chain.append(
                f"drawtext={font_opt}textfile='{text_file}':fontsize={size}:fontcolor=white:"
                f"{x}:{y}" + (":box=1:boxcolor=black@0.5:boxborderw=4" if key == "camera" else "")
            )
    tmp = path.with_suffix(f".tmp{os.getpid()}.jpg")
    cmd = [
        ffmpeg,
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        f"color=c=0x6a7f8c:size={w}x{h}",
        "-vf",
        ",".join(chain),
        "-frames:v",
        "1",
        "-q:v",
        "4",
        str(tmp),
    ]
    done = subprocess.run(cmd, capture_output=True, check=False, timeout=30)
    if done.returncode != 0 or not tmp.is_file():
        tmp.unlink(missing_ok=True)
        return None
    tmp.replace(path)
    return path
