"""The label window's defaults, apart from the code that needs mwreverts, so the CLI's help
reads them without the `dataset` extra installed.

ORES/revscoring's editquality labels (reverted_status: radius 15 revisions, window 48 hours);
mwreverts' own default radius is 15 too. Both are options of `revertrisk dataset build`.
"""

from datetime import timedelta

DEFAULT_RADIUS = 15
DEFAULT_WINDOW = timedelta(hours=48)
