# tools/train.py --until HH:MM: the deadline is the first HH:MM after the run's start, the
# next day when that time of day has already passed (before: today's date only, so a run
# started at 23:40 with --until 01:30 got the 60-s minimum). Expected values are calendar
# arithmetic in UTC written out here; a malformed time is refused.
. tests/lib/common.sh
R=${RQ_ROOT:-.}

TZ=UTC $PY - "$R/tools" <<'PYEOF' || fail "train.py until_deadline"
import sys, calendar
sys.path.insert(0, sys.argv[1])
import train
def at(s):  # "YYYY-MM-DD HH:MM" UTC -> epoch seconds
    d, t = s.split()
    y, mo, da = map(int, d.split('-')); h, mi = map(int, t.split(':'))
    return calendar.timegm((y, mo, da, h, mi, 0))
cases = [('2026-12-01 23:46', '01:30', '2026-12-02 01:30'),  # after midnight: next day
         ('2026-12-02 00:30', '01:30', '2026-12-02 01:30'),  # later today
         ('2026-12-02 01:30', '01:30', '2026-12-03 01:30'),  # exactly now: passed
         ('2026-12-31 22:00', '00:15', '2027-01-01 00:15'),  # across a year end
         ('2026-12-02 09:00', '23:59', '2026-12-02 23:59')]
bad = 0
for start, until, want in cases:
    got = train.until_deadline(until, at(start))
    ok = got == at(want)
    bad += not ok
    print(('PASS' if ok else 'FAIL') + f' until {until} from {start}: {(got - at(start)) / 3600:.2f} h')
for wrong in ('25:00', '12:60', 'noon', '1:2:3'):
    try:
        train.until_deadline(wrong, at('2026-12-02 00:00'))
        print(f'FAIL --until {wrong} accepted'); bad += 1
    except SystemExit as e:
        print(f'PASS --until {wrong} refused: {e}')
sys.exit(bad != 0)
PYEOF
finish
