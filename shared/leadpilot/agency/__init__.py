"""Agencies: workspaces that own sub-account workspaces, see their rollups, rebill them and copy templates into them.

The agency sits above the other capabilities (it reads their counters and creates through their services); no
capability imports it.
"""
