"""Community types (社区类型): who lives in each community, and which needs and collective issues arise there.

A community is `average` (the district-wide population.* values and the catalogues' rates, as every
community was before types existed) or one of the types of `params.COMMUNITY_TYPES`: an old estate
(老旧小区), a commercial estate (商品房小区), an urban village (城中村), a work-unit compound (单位社区) or
an administrative village (行政村). A synthetic territory takes its types from `territory.community_types`
(assigned in order, repeated); an imported district from its type field, mapped here from Chinese or
English names. `Profiles` holds each community's values as arrays the model indexes by community, so a
territory whose communities are all average draws exactly what it drew before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from .params import COMMUNITY_TYPE_FIELDS, COMMUNITY_TYPES, community_type_key

AVERAGE = "average"
TYPES = (AVERAGE, *COMMUNITY_TYPES)
# The names a district's type field may hold (beside the English keys): the usual Chinese names. A plain
# community (社区, 居委会) or an empty field is average.
ALIASES = {
    "": AVERAGE, "社区": AVERAGE, "居委会": AVERAGE, "一般社区": AVERAGE,
    "老旧小区": "old_estate", "老小区": "old_estate",
    "商品房小区": "commercial_estate", "商品房": "commercial_estate",
    "城中村": "urban_village",
    "单位社区": "work_unit", "单位大院": "work_unit",
    "行政村": "village", "村": "village",
}
ALLOWED_TEXT = ("one of " + ", ".join(TYPES) + " (or 社区, 老旧小区, 商品房小区, 城中村, 单位社区, 行政村, 村; "
                "empty: average)")
# The district-wide value an average community takes for each type field.
_BASELINE_KEYS = {"share_elderly": "population.share_elderly", "digital_elderly": "population.digital_elderly",
                  "digital_other": "population.digital_other", "trust_mean": "population.trust_mean",
                  "renter_share": "deliberation.renter_share"}


def canonical(name: str) -> str | None:
    """A type key for an English key or a Chinese name (surrounding spaces ignored), or None."""
    text = str(name).strip()
    if text in TYPES:
        return text
    return ALIASES.get(text)


def listed_types(text: str) -> list[str]:
    """The names of `territory.community_types`, comma-separated (empty entries ignored)."""
    return [n.strip() for n in str(text).replace("，", ",").split(",") if n.strip()]


def unknown_listed(text: str) -> list[str]:
    return [n for n in listed_types(text) if canonical(n) is None]


def assign(values: Mapping[str, Any], n_communities: int, district_types: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Each community's type: `territory.community_types` in order, repeated; else the district's field;
    else average. Names are validated when the scenario loads."""
    listed = listed_types(values.get("territory.community_types", ""))
    if listed:
        return tuple(canonical(listed[c % len(listed)]) or AVERAGE for c in range(n_communities))
    if district_types:
        return tuple(canonical(t) or AVERAGE for t in district_types)
    return (AVERAGE,) * n_communities


def types_of(values: Mapping[str, Any]) -> tuple[str, ...]:
    """The types of a scenario's communities, known before the territory is built."""
    from .territory import community_count, district_of

    d = district_of(values)
    return assign(values, community_count(values), d.community_types if d is not None else ())


def type_value(values: Mapping[str, Any], ctype: str, field: str) -> float:
    """A type's value of one field: the type's row, or for an average community the district-wide value
    (1 for a multiplier)."""
    if ctype == AVERAGE:
        if field == "density":
            return values["territory.density_per_km2"] / values["territory.household_size"]
        return float(values[_BASELINE_KEYS[field]]) if field in _BASELINE_KEYS else 1.0
    key = community_type_key(ctype, field)
    return float(values[key]) if key in values else 1.0


def household_density(values: Mapping[str, Any]) -> float:
    """Households per km² of a synthetic territory: with every community average the district-wide
    density; else the communities (of equal households) laid side by side, each at its type's density."""
    densities = [type_value(values, t, "density") for t in types_of(values)]
    if all(d == densities[0] for d in densities):   # one density: exactly it (no rounding in the mean)
        return densities[0]
    return len(densities) / sum(1.0 / d for d in densities)


@dataclass(frozen=True)
class Profiles:
    """Each community's type and values, as arrays indexed by community (needs and issues: by catalogue
    index, then community)."""

    names: tuple[str, ...]           # type key of each community
    share_elderly: np.ndarray
    digital_elderly: np.ndarray
    digital_other: np.ndarray
    trust_mean: np.ndarray
    renter_share: np.ndarray
    need_factor: np.ndarray          # (need types, communities)
    issue_factor: np.ndarray         # (collective issue types, communities)

    @property
    def present(self) -> tuple[str, ...]:
        """The types present, in the order of TYPES."""
        return tuple(t for t in TYPES if t in self.names)


def profiles(values: Mapping[str, Any], names: tuple[str, ...], needs, collective) -> Profiles:
    def per_community(field: str) -> np.ndarray:
        by_type = {t: type_value(values, t, field) for t in set(names)}
        return np.array([by_type[t] for t in names], dtype=float)

    fields = {f: per_community(f) for f in COMMUNITY_TYPE_FIELDS if f != "density"}
    need_factor = np.array([per_community(f"need_{n.name}") for n in needs]).reshape(len(needs), len(names))
    issue_factor = np.array([per_community(f"issue_{c.name}") for c in collective]).reshape(len(collective), len(names))
    return Profiles(tuple(names), need_factor=need_factor, issue_factor=issue_factor, **fields)
