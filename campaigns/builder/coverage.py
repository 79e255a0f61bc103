"""The units a campaign covers (the organiser's active subtree), as a tree with counts by unit type."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from units.models import PATH_SEPARATOR, Unit
from units.selectors import unit_subtree


@dataclass
class CoverageNode:
    unit: Unit
    children: list[CoverageNode] = field(default_factory=list)
    # Units below this one (itself excluded), by unit type name.
    below: Counter[str] = field(default_factory=Counter)

    @property
    def below_total(self) -> int:
        return sum(self.below.values())

    def below_text(self) -> str:
        return "; ".join(f"{name}: {count}" for name, count in sorted(self.below.items(), key=lambda item: (-item[1], item[0])))


@dataclass
class Coverage:
    root: CoverageNode
    units: list[Unit]

    @property
    def below(self) -> list[Unit]:
        """The units under the organiser (what the campaign surveys, unless it surveys only itself)."""
        return [unit for unit in self.units if unit.pk != self.root.unit.pk]

    @property
    def root_open(self) -> bool:
        """Whether the tree starts unfolded: when the organiser's own list is short enough to read at a glance."""
        return len(self.root.children) <= 12

    @property
    def surveys_itself(self) -> bool:
        return not self.below

    def counts(self) -> list[tuple[str, int]]:
        """Units under the organiser by type, most numerous first."""
        return sorted(Counter(unit.type.name for unit in self.below).items(), key=lambda item: (-item[1], item[0]))

    def types(self) -> list:
        """The unit types the campaign surveys: those under the organiser, or the organiser's own when it has none."""
        seen: dict[int, object] = {}
        for unit in self.below or [self.root.unit]:
            seen.setdefault(unit.type_id, unit.type)
        return sorted(seen.values(), key=lambda unit_type: (unit_type.order, unit_type.name))


def coverage_of(organiser: Unit) -> Coverage:
    """The organiser's active subtree as a tree (in path order), each node with the counts of units below it."""
    units = list(unit_subtree(organiser).filter(is_active=True).select_related("type").order_by("path"))
    nodes = {unit.pk: CoverageNode(unit) for unit in units}
    root = nodes.get(organiser.pk) or CoverageNode(organiser)
    by_path = {unit.path: nodes[unit.pk] for unit in units}
    for unit in units:
        if unit.pk == organiser.pk:
            continue
        parent = nodes.get(unit.parent_id)
        if parent is not None:
            parent.children.append(nodes[unit.pk])
        # Count the unit under every ancestor inside the subtree (a path is the chain of codes, "56/22330/").
        codes = unit.path.split(PATH_SEPARATOR)[:-2]
        for end in range(1, len(codes) + 1):
            ancestor = by_path.get(PATH_SEPARATOR.join(codes[:end]) + PATH_SEPARATOR)
            if ancestor is not None:
                ancestor.below[unit.type.name] += 1
    return Coverage(root=root, units=units)
