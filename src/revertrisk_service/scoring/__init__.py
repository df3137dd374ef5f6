"""The scoring engine, built once per process: the score cache, the fetch of each missed revision and
the one scoring call that computes its signals and every model's score."""
