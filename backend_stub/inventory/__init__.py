"""A real district's inventory: units, cameras, talkgroups and layers from the files a command
centre's systems export (``shared/integration.md`` §1, ``docs/integration.md``).

* :mod:`.read` — files to checked records (CSV, GeoJSON, ESRI Shapefile; UTF-8 or GB18030;
  WGS-84, GCJ-02 or BD-09), every problem as ``FILE:LINE: message``.
* :mod:`.store` — the inventory tables: an all-or-nothing import, exports, the changes a
  running backend has not yet turned into events.
* :mod:`.wire` — inventory records to wire objects (no secrets), and the events that bring a
  district's state in line with its inventory.
"""
