"""Tests of the tooltrail package against a real ``tooltrail serve``.

The package under test is the one in ``../src``, not an installed copy.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src"))
