"""Field helpers shared by the task forms."""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, IntegerField, RadioField, SelectMultipleField, widgets
from wtforms.utils import unset_value
from wtforms.validators import InputRequired, NumberRange, StopValidation, ValidationError

YES_NO = [("yes", _l("Yes")), ("no", _l("No"))]
# Marks a file field of a case's documents: the page names the types and sizes taken (macros.render_field).
CASE_FILE = {"data-case-file": "1"}
# The days a date field takes. Beyond them a date is a typing slip, and the day after 9999-12-31 (or a
# day-start in UTC before 0001-01-01) is no date Python has: the page failed instead of saying so.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)
# The largest id a database's BIGINT holds (and a SELECT's value compared with one): larger ones overflow
# the driver.
MAX_ID = 2**63 - 1


def within_calendar(form, field) -> None:
    """A date field's validator: a day between FIRST_DAY and LAST_DAY (no check after it runs otherwise)."""
    if field.data is not None and not FIRST_DAY <= field.data <= LAST_DAY:
        raise StopValidation(str(_l("Please enter a date between %(first)s and %(last)s.",
                                    first=FIRST_DAY.year, last=LAST_DAY.year)))


class MultiCheckboxField(SelectMultipleField):
    """Boxes to tick. A value that is not one of the boxes — outside the choices, or, with `coerce=int`, no number
    at all ("abc" for an expert) — is told in the app's words, `not_offered` where the form says which to tick
    instead: WTForms' own messages quote the raw values (database ids here) or speak of "coercion", and its zh
    catalog leaves them untranslated (fuzzy in 3.2)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def __init__(self, label=None, validators=None, not_offered=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.not_offered = not_offered or _l("Some of the ticked options cannot be chosen here; please choose again.")

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = []
            raise ValueError(self.not_offered) from None

    def pre_validate(self, form):
        if self.process_errors:  # said once, as read
            raise StopValidation()
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError(self.not_offered) from None


TINY = Decimal("1e-6")  # below a millionth (of a ㎡, a yuan, a point) a number people type means nothing


class NumberField(DecimalField):
    """A decimal number as people write one. Python's Decimal also reads "NaN", "sNaN" and "Infinity": such
    a value compared with a bound (or with another field, in a form's own checks) raised an error, and as a
    float it is no JSON a database stores. It is refused like any other text that is not a number.

    A field given its `places` (amounts, areas, scores: two) takes no more decimals than those: 99.999 was kept
    as typed while every page showed it rounded (a total of 100.00). Without `places` any number is taken."""

    def __init__(self, label=None, validators=None, places=unset_value, **kwargs):
        super().__init__(label, validators, places=places, **kwargs)
        self.max_places = None if places is unset_value else places

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:  # WTForms' own "Not a valid decimal value.": said as for NaN below
            raise ValueError(_l("Please enter a number.")) from None
        if self.data is not None and not (self.data.is_finite() and math.isfinite(float(self.data))):  # 1e400 too
            self.data = None
            raise ValueError(_l("Please enter a number."))
        # The decimals before the smallness below: 0.0000001 ㎡ was read as 0 and told "must be greater than 0",
        # about a value that is; it has too many decimals, and that is what it is told.
        if self.data is not None and self.max_places is not None \
                and self.data.normalize().as_tuple().exponent < -self.max_places:  # 1.50 is two decimals, 1.005 three
            self.data = None
            raise ValueError(_l("Keep at most %(places)s decimal places, then submit again.", places=self.max_places))
        if self.data is not None and 0 < abs(self.data) < TINY:
            # 1e-400 passed "greater than 0" as a Decimal and was stored as the float 0.0: a value this small
            # is read as the 0 it would be stored as, so the bounds judge what is kept.
            self.data = Decimal(0)

    def pre_validate(self, form):
        # A value refused as read (not a number, too many decimals) says only why: the bounds checked after it
        # would add "Enter a number from … to …" about a number nobody typed.
        if self.process_errors:
            raise StopValidation()


class WholeNumberField(IntegerField):
    """A whole number as people write one. Text that is none ("NaN", "inf", "1.5", "abc") is told so once: WTForms
    said "Not a valid integer value." and the bounds after it added "Enter a whole number from 0 to …", two
    messages about one slip."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Please enter a whole number.")) from None

    def pre_validate(self, form):
        if self.process_errors:  # refused as read: the bounds checked after it would only repeat it
            raise StopValidation()


def count_field(label, maximum: int = 100000) -> WholeNumberField:
    return WholeNumberField(label, validators=[
        InputRequired(_l("Please fill in this field.")),
        NumberRange(min=0, max=maximum, message=_l("Enter a whole number from %(min)s to %(max)s.")),
    ])


def plain_number(value: float) -> int | float:
    """A bound as people write it in a message: 10000000, not 1e7's "10000000.0"."""
    return int(value) if float(value).is_integer() else value


def amount_field(label, maximum: float = 1e7, minimum: float = 0) -> NumberField:
    return NumberField(label, places=2, validators=[
        InputRequired(_l("Please fill in this field.")),
        NumberRange(min=plain_number(minimum), max=plain_number(maximum),
                    message=_l("Enter a number from %(min)s to %(max)s.")),
    ])


# One cap for every floor area a form takes (the application, the half-year report, the change filing), and one
# message: beyond a hundred hectares an area is a typing slip (the largest maker spaces have tens of thousands
# of m²). They had three (10,000,000, 1,000,000 and 1,000,000,000 m²), and some took an area of 0.
MAX_AREA_M2 = 1_000_000


def check_area(form, field) -> None:
    """WTForms validator: an area greater than 0 and at most MAX_AREA_M2; an empty one passes (say elsewhere
    when one is required)."""
    if field.data is not None and not 0 < field.data <= MAX_AREA_M2:
        raise ValidationError(_l("Enter an area greater than 0 and at most %(max)s m².", max=MAX_AREA_M2))


def area_field(label) -> NumberField:
    """A floor area that must be given, in m² with two decimals (as every page shows areas)."""
    return NumberField(label, places=2, validators=[InputRequired(_l("Please fill in this field.")), check_area])


def yes_no_field(label) -> RadioField:
    return RadioField(label, choices=YES_NO, validators=[InputRequired(_l("Please choose one."))])


def as_bool(value: str | None) -> bool:
    return value == "yes"


def as_number(value) -> float:
    return float(value) if value is not None else 0.0


def reasons_unless(form, decision_field, ok_value, text_field) -> bool:
    """A decision other than `ok_value` (a return, a refusal) must say why: the person it goes back to reads it."""
    if decision_field.data != ok_value and not (text_field.data or "").strip():
        text_field.errors.append(_l("Please give your reasons."))
        return False
    return True


# 统一社会信用代码 (GB 32100-2015): 18 characters from these 31 (no I, O, S, V, Z), the 3rd to 8th the
# registering authority's division code (digits), the 18th a check character over the first 17.
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_FORMAT = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")
_CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)  # 3**i mod 31


def credit_code_filter(value):
    """A WTForms filter: the code as people copy it from a licence — full-width characters (NFKC), spaces
    between the groups and lower case — written the one way the registers write it."""
    if not isinstance(value, str):
        return value
    return "".join(unicodedata.normalize("NFKC", value).split()).upper()


def credit_code_check_character(first17: str) -> str:
    total = sum(CREDIT_CODE_CHARS.index(ch) * weight for ch, weight in zip(first17, _CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARS[-total % 31]


def credit_code_fault(code: str) -> str:
    """What is wrong with a (filtered) code: "format", "check" (the check character does not match), or ""."""
    if not CREDIT_CODE_FORMAT.match(code):
        return "format"
    return "check" if credit_code_check_character(code[:17]) != code[17] else ""


def check_credit_code(form, field) -> None:
    """WTForms validator: an empty value passes (say elsewhere when one is required)."""
    code = field.data or ""
    if not code:
        return
    fault = credit_code_fault(code)
    if fault == "format":
        raise ValidationError(_l("A unified social credit code has 18 characters, digits and capital letters (not "
                                 "I, O, S, V or Z), as printed on the business licence."))
    if fault == "check":
        raise ValidationError(_l("This unified social credit code does not add up: its last character does not "
                                 "match the others, so a character was probably mistyped. Please check it against "
                                 "the business licence."))
