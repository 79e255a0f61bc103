"""Database constraints whose violation a form shows next to the field it concerns.

Django validates a model's CheckConstraint and UniqueConstraint in every ModelForm (the admin's and
ours) but reports a broken one above the form; a model with this mixin names, per constraint, the field
whose input breaks it, and the constraint's own `violation_error_message` is shown there.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import router


class ConstraintErrorsOnFields:
    """Mix into a model before models.Model; `constraint_fields` maps a constraint's name to one of its fields."""

    constraint_fields: ClassVar[dict[str, str]] = {}

    def validate_constraints(self, exclude: Any = None) -> None:
        using = router.db_for_write(self.__class__, instance=self)
        errors: dict[str, list[ValidationError]] = {}
        for model_class, constraints in self.get_constraints():  # type: ignore[attr-defined]
            for constraint in constraints:
                try:
                    constraint.validate(model_class, self, exclude=exclude, using=using)
                except ValidationError as error:
                    errors.setdefault(self.constraint_fields.get(constraint.name, NON_FIELD_ERRORS), []).extend(error.error_list)
        if errors:
            raise ValidationError(errors)
