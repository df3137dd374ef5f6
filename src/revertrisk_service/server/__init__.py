"""The composition root: builds the engine, the models and the HTTP edge from Settings and runs
the serving processes."""
