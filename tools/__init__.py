"""Demo and developer scripts: not shipped, free to use ``backend_stub`` and ``widgets`` together.

Run them from the checkout with ``python -m tools.<name>``:

- ``video_wall_demo``: the video wall alone on live demo streams (screenshots, trying the wall).
- ``demo_streets``: regenerate ``resources/map/demo_streets.json`` from the demo district.
"""
