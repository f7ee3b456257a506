"""Applications behind tools/: the video demo (demo.py) and the VOT TraX server (trax_server.py)."""
