"""The premium: a transparent rating function over an operator-loaded rate table.

Pure functions, no Flask, no database, no float.

    年間保険料 = 基本保険料(更新後の等級)
                × 運転者の範囲 × 運転者年齢条件 × 車両保険
                × 免責金額 (車両保険ありのときだけ) × 使用目的 × 年間走行距離

Each factor is an integer per-mille (1000 = ×1.000). The product is computed
exactly in integers and rounded DOWN to 10 yen once, at the end:

    annual = base × f1 × … × fn // (1000ⁿ × 10) × 10

給与天引き instalments: annual // n each, and the remainder (annual % n) is
added to the first instalment, so the instalments always add up to the annual
premium.

The next year's 等級: one up (max 20) after a term without claims; three
down per claim (min 1) otherwise (3等級ダウン事故 only; 事故有係数 is not modelled).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Mapping

GRADES = tuple(range(1, 21))
MAX_GRADE = 20
ROUND_TO = 10          # yen: round down to this at the end
PER_MILLE = 1000

ITEMS = ("driver_scope", "driver_age", "vehicle", "deductible", "purpose", "mileage")

ITEM_LABELS = {
    "driver_scope": "運転者の範囲",
    "driver_age": "運転者年齢条件",
    "vehicle": "車両保険",
    "deductible": "車両保険の免責金額",
    "purpose": "使用目的",
    "mileage": "年間走行距離",
}

# item → ((code, label), …) in the order the customer sees them
OPTIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "driver_scope": (("self", "本人限定"), ("couple", "本人・配偶者限定"),
                     ("family", "家族限定"), ("any", "限定なし")),
    "driver_age": (("all", "年齢を問わず補償"), ("21", "21歳以上補償"),
                   ("26", "26歳以上補償"), ("35", "35歳以上補償")),
    "vehicle": (("general", "一般型"), ("economy", "エコノミー型（車対車＋A）"), ("none", "車両保険なし")),
    "deductible": (("0-10", "1回目0万円・2回目以降10万円"), ("5-10", "1回目5万円・2回目以降10万円"),
                   ("10-10", "1回目10万円・2回目以降10万円")),
    "purpose": (("leisure", "日常・レジャー"), ("commute", "通勤・通学"), ("business", "業務")),
    "mileage": (("3000", "3,000km以下"), ("5000", "5,000km以下"), ("10000", "10,000km以下"),
                ("15000", "15,000km以下"), ("over", "15,000km超")),
}

# What an unknown contract is shown with (a new contract's 6等級 and middling options).
DEFAULT_CONDITIONS = {"grade": 6, "claims": 0, "driver_scope": "family", "driver_age": "26",
                      "vehicle": "general", "deductible": "5-10", "purpose": "leisure",
                      "mileage": "10000"}


class RatingError(ValueError):
    """Options the rate table cannot price; .item names the option."""

    def __init__(self, item: str, message: str):
        super().__init__(message)
        self.item = item
        self.message = message


def label(item: str, code: str) -> str:
    return dict(OPTIONS.get(item, ())).get(code, code)


def applicable_items(options: Mapping[str, str]) -> tuple[str, ...]:
    """The items that price these options (no 免責金額 without 車両保険)."""
    if options.get("vehicle") == "none":
        return tuple(i for i in ITEMS if i != "deductible")
    return ITEMS


def normalise_options(options: Mapping[str, str]) -> dict:
    """Known codes only; 免責金額 is '' when there is no 車両保険. Raises RatingError."""
    result = {}
    for item in ITEMS:
        code = (options.get(item) or "").strip()
        if item == "deductible" and options.get("vehicle") == "none":
            result[item] = ""
            continue
        if code not in dict(OPTIONS[item]):
            raise RatingError(item, f"{ITEM_LABELS[item]}を選択してください。")
        result[item] = code
    return result


def next_grade(grade: int, claims: int = 0) -> int:
    if claims <= 0:
        return min(MAX_GRADE, grade + 1)
    return max(1, grade - 3 * claims)


# ------------------------------------------------------------------ rates

@dataclass(frozen=True)
class Rates:
    base: Mapping[int, int]                      # 等級 → yen
    factors: Mapping[str, Mapping[str, int]]     # item → code → per-mille
    name: str = ""
    illustrative: bool = False

    @classmethod
    def from_json(cls, data: Mapping, name: str = "", illustrative: bool = False) -> "Rates":
        return cls(base={int(k): int(v) for k, v in data["base"].items()},
                   factors={i: {c: int(v) for c, v in codes.items()} for i, codes in data["factors"].items()},
                   name=name, illustrative=illustrative)

    def to_json(self) -> dict:
        return {"base": {str(k): v for k, v in sorted(self.base.items())},
                "factors": {i: dict(codes) for i, codes in self.factors.items()}}


@dataclass(frozen=True)
class Factor:
    item: str
    code: str
    permille: int

    @property
    def item_label(self) -> str:
        return ITEM_LABELS[self.item]

    @property
    def label(self) -> str:
        return label(self.item, self.code)

    @property
    def multiplier(self) -> str:
        """×0.950 as text (never a float)."""
        return f"×{self.permille // PER_MILLE}.{self.permille % PER_MILLE:03d}"


@dataclass(frozen=True)
class Quote:
    grade: int
    base: int
    factors: tuple[Factor, ...]
    annual: int
    installments: tuple[int, ...] = field(default=())

    @property
    def count(self) -> int:
        return len(self.installments)

    @property
    def first(self) -> int:
        return self.installments[0]

    @property
    def other(self) -> int:
        return self.installments[1] if len(self.installments) > 1 else self.installments[0]


def split(annual: int, count: int) -> tuple[int, ...]:
    """Instalments: equal parts, the remainder in the first one."""
    if count < 1:
        raise ValueError("count must be at least 1")
    part, remainder = divmod(annual, count)
    return (part + remainder,) + (part,) * (count - 1)


def quote(rates: Rates, grade: int, options: Mapping[str, str], installments: int = 1) -> Quote:
    """The premium for the next term at this 等級 with these options."""
    options = normalise_options(options)
    if grade not in rates.base:
        raise RatingError("grade", f"{grade}等級の料率がありません。")
    base = rates.base[grade]
    numerator, denominator = base, 1
    factors = []
    for item in applicable_items(options):
        code = options[item]
        permille = rates.factors.get(item, {}).get(code)
        if permille is None:
            raise RatingError(item, f"{ITEM_LABELS[item]}の料率がありません。")
        factors.append(Factor(item, code, permille))
        numerator *= permille
        denominator *= PER_MILLE
    annual = numerator // (denominator * ROUND_TO) * ROUND_TO
    return Quote(grade=grade, base=base, factors=tuple(factors), annual=annual,
                 installments=split(annual, installments))


# ------------------------------------------------------------ CSV import

MAX_BASE = 10_000_000
MAX_PERMILLE = 10_000


@dataclass
class ParseResult:
    rates: Rates | None = None
    errors: list[str] = field(default_factory=list)


def parse_rates(text: str, name: str = "", illustrative: bool = False) -> ParseResult:
    """Rates CSV: columns item,code,value; lines starting with # are comments.

    item `base`: code = 等級 1–20, value = annual yen. Other items (ITEMS):
    code = an option code, value = per-mille factor. Every 等級 and every
    option code must be present exactly once. Errors read `line N: column: reason`.
    """
    result = ParseResult()
    lines = text.splitlines()
    # Keep line numbers true: comments become empty lines the reader skips.
    cleaned = "\n".join("" if ln.lstrip().startswith("#") else ln for ln in lines)
    reader = csv.reader(io.StringIO(cleaned))
    header = None
    base: dict[int, int] = {}
    factors: dict[str, dict[str, int]] = {item: {} for item in ITEMS}
    seen: dict[tuple[str, str], int] = {}
    for row in reader:
        line = reader.line_num
        if not row or all(not cell.strip() for cell in row):
            continue
        if header is None:
            header = [c.strip() for c in row]
            missing = [c for c in ("item", "code", "value") if c not in header]
            if missing:
                result.errors.extend(f"line {line}: {c}: missing column" for c in missing)
                return result
            continue
        cells = dict(zip(header, (c.strip() for c in row)))
        item, code, value = cells.get("item", ""), cells.get("code", ""), cells.get("value", "")
        if item != "base" and item not in ITEMS:
            result.errors.append(f"line {line}: item: unknown item {item!r}")
            continue
        if item == "base":
            if not code.isdigit() or int(code) not in GRADES:
                result.errors.append(f"line {line}: code: 等級 must be 1-20")
                continue
        elif code not in dict(OPTIONS[item]):
            result.errors.append(f"line {line}: code: unknown {item} code {code!r}")
            continue
        key = (item, code)
        if key in seen:
            result.errors.append(f"line {line}: code: duplicate of line {seen[key]}")
            continue
        seen[key] = line
        limit = MAX_BASE if item == "base" else MAX_PERMILLE
        if not value.isdigit() or not (1 <= int(value) <= limit):
            unit = "yen" if item == "base" else "per-mille"
            result.errors.append(f"line {line}: value: a whole number of {unit}, 1-{limit}")
            continue
        if item == "base":
            base[int(code)] = int(value)
        else:
            factors[item][code] = int(value)
    if header is None:
        result.errors.append("line 1: item: missing column")
        return result
    end = len(lines) + 1
    for grade in GRADES:
        if grade not in base and ("base", str(grade)) not in seen:
            result.errors.append(f"line {end}: code: missing row base,{grade}")
    for item in ITEMS:
        for code, _ in OPTIONS[item]:
            if code not in factors[item] and (item, code) not in seen:
                result.errors.append(f"line {end}: code: missing row {item},{code}")
    if not result.errors:
        result.rates = Rates(base=base, factors=factors, name=name, illustrative=illustrative)
    return result
