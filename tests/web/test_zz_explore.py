import datetime as dt
from django.utils import timezone
from pimm.planning import models as pm
from pimm.worklist import models as w
from collections import Counter

def test_explore(world):
    now = timezone.now()
    print("now", now)
    days = Counter(timezone.localtime(b.start).date() for b in pm.Booking.objects.filter(status="booked"))
    print("bookings by day", sorted(days.items())[:15])
    print("exam status", Counter(w.Exam.objects.values_list("status", flat=True)))
    sch = Counter((timezone.localtime(e.scheduled_at).date() if e.scheduled_at else None, e.status) for e in w.Exam.objects.all())
    print(sorted(sch.items(), key=str)[:30])
    print("slots", pm.Slot.objects.count(), pm.Slot.objects.order_by("start").first().start, pm.Slot.objects.order_by("start").last().start)
