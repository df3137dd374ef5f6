"""Patroller feedback: judgments written with a tool's token, kept in a SQL database behind
SQLAlchemy and Alembic, and read back as observed precision and as a labeled training table.

- `tokens`: the operator's hashed tokens, checked in constant time;
- `rate`: a token bucket per tool;
- `judgments`: the request body, validated into a `Judgment`;
- `schema` and `migrations/`: the tables and their Alembic history;
- `store`: writes and reads, off the event loop, with every database failure a 503;
- `observed`: precision at each threshold preset and per wiki, with Wilson intervals;
- `routes`: POST /v1/feedback and GET /v1/models/<name>/feedback;
- `export`: `revertrisk dataset feedback`, the judgments joined with the edits' signals.
"""
