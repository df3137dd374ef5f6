"""Online model transparency: the /info and /thresholds routes, over files written by evaluation/."""
