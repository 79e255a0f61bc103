from units.access import SYSTEM
from units.models import AuditEntry, Unit
from units.services import unit_save


def test_moving_a_unit_rewrites_the_paths_of_its_whole_subtree(tree):
    syt = tree["A-SYT"]
    syt.parent = tree["B"]
    unit_save(unit=syt, actor=SYSTEM)
    hospital = Unit.objects.get(code="A-BV")
    assert hospital.path == "B/A-SYT/A-BV/"
    assert hospital.depth == 2
    assert AuditEntry.objects.filter(action="unit.update", object_id=str(syt.pk)).exists()


def test_a_merged_unit_keeps_its_history_and_names_its_successor(tree):
    old = tree["A1"]
    old.successor = tree["A2"]
    old.is_active = False
    unit_save(unit=old, actor=SYSTEM)
    assert list(tree["A2"].predecessors.all()) == [old]
