"""Imported by Python at start-up when this folder is on PYTHONPATH, which tests/conftest.py
arranges when the suite runs with TEST_MOMENT: then every process of the run (pytest's
workers and each `python main.py` a test starts) reads the wall clock as if the run had
begun at that moment. All of them move by the same offset, so they agree with each other.

time-machine replaces time.time() and datetime.now() in this process only; monotonic time,
which every wait and timeout uses, runs on untouched.
"""

import datetime as _dt
import os as _os

_offset = _os.environ.get("MIGRAN_AMAN_TEST_CLOCK_OFFSET")
if _offset:
    import time_machine as _time_machine

    _moment = _dt.datetime.now(_dt.UTC) + _dt.timedelta(seconds=float(_offset))
    _time_machine.travel(_moment, tick=True).start()
