# English uses the same date and number conventions as zh-Hans (see there).
from kam.formats.zh_Hans.formats import *  # noqa: F403
