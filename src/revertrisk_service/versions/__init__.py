"""Model versions side by side: which one serves (`champion`), which one is tried in the shadow
(`challenger`), how an operator moves those aliases, and how every serving process follows them.

- registry: the installed versions, each a complete artifact directory;
- aliases: where the champion and challenger aliases live (a file, or Redis for replicas);
- live: one process's view of the aliases, kept current by polling;
- shadow: the challenger scored beside the champion, from the same solved signals;
- gate: champion and challenger compared on the same decided live edits;
- caution: each version's threshold per caution level.
"""
