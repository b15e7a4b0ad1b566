"""Reference knowledge the risk criteria rest on: the standards each category is expected to meet.

This is domain knowledge, not learned from data, so that "an expected test is missing" means the
same for every insurer. The feature pipeline copies this catalogue into each trained model, so a
later edit here never changes an existing model's scores.

Each entry names a real international standard (or a well-known test method) with the kind of test
it is, and, where the standard yields one headline measurement, that quantity with a representative
pass limit. The limits are representative values for synthetic data and for reading margins; they
are not quotations of the standards' full requirements.

Examples
--------
>>> from riskmodel.reference import expected_standards, normalise_standard
>>> [s.name for s in expected_standards("battery_ess")][:2]
['IEC 62133-2', 'IEC 62619']
>>> normalise_standard(" iec 62133-2:2017 ") == normalise_standard("IEC 62133-2")
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "StandardRef",
    "STANDARDS_CATALOGUE",
    "DOMESTIC_COUNTRY",
    "DOMESTIC_SCHEMES",
    "OVERSEAS_SCHEMES",
    "RELEVANT_OVERSEAS_SCHEMES",
    "TEST_KIND_FAMILY",
    "FAMILIES",
    "expected_standards",
    "normalise_standard",
    "normalise_scheme",
    "relevant_schemes",
    "scheme_country",
]

#: Each test kind bears mainly on one of the two risks: safety-related kinds (safety,
#: biocompatibility, cybersecurity) on safety incidents, the others on performance incidents.
TEST_KIND_FAMILY: dict[str, str] = {
    "safety": "safety",
    "biocompatibility": "safety",
    "cybersecurity": "safety",
    "performance": "performance",
    "software": "performance",
    "environmental": "performance",
    "emc": "performance",
}
FAMILIES: tuple[str, ...] = ("performance", "safety")

#: Certifications issued by bodies of this country are domestic; all others are overseas.
DOMESTIC_COUNTRY = "KR"


@dataclass(frozen=True)
class StandardRef:
    """A standard a category is expected to be tested against.

    Parameters
    ----------
    name : str
        The standard as usually cited, e.g. ``"IEC 62133-2"``.
    kind : str
        The contract's ``test_kind``.
    quantity : str or None
        The headline measurement, when the standard yields one.
    unit : str
        Unit of the measurement.
    limit : float or None
        A representative pass limit for the measurement.
    higher_is_better : bool
        Whether values above the limit are the good side.
    """

    name: str
    kind: str
    quantity: str | None = None
    unit: str = ""
    limit: float | None = None
    higher_is_better: bool = True


S = StandardRef
STANDARDS_CATALOGUE: dict[str, tuple[StandardRef, ...]] = {
    "autonomous_vehicle": (
        S("ISO 26262", "safety"),
        S("UL 4600", "safety"),
        S("ISO 21448", "performance", "disengagements per 1,000 km", "1/1000km", 2.0, False),
        S("ISO 22737", "performance", "emergency stopping distance at 20 km/h", "m", 4.0, False),
        S("ISO/SAE 21434", "cybersecurity"),
        S("UNECE R10", "emc", "radiated emission at 10 m", "dBuV/m", 40.0, False),
        S("ISO 16750-4", "environmental", "operating temperature ceiling", "degC", 85.0, True),
    ),
    "urban_air_mobility": (
        S(
            "EASA SC-VTOL",
            "safety",
            "probability of catastrophic failure per flight hour",
            "1e-9/h",
            1.0,
            False,
        ),
        S("DO-178C", "software"),
        S("DO-254", "software"),
        S("DO-160G", "environmental", "vibration endurance", "g", 7.0, True),
        S("DO-160G Section 20", "emc", "RF susceptibility", "V/m", 200.0, True),
        S("DO-326A", "cybersecurity"),
        S("ASTM F3264", "performance", "hover endurance", "min", 20.0, True),
    ),
    "drone": (
        S("EN 4709-001", "safety", "geo-awareness alert latency", "s", 2.0, False),
        S("ASTM F3322", "safety", "parachute deployment altitude loss", "m", 30.0, False),
        S("DO-178C", "software", "structural coverage (statement)", "%", 90.0, True),
        S("ASTM F3002", "performance", "command-and-control link range", "km", 5.0, True),
        S("EN 61000-6-1", "emc", "radiated immunity field strength", "V/m", 3.0, True),
        S("IEC 60529", "environmental", "ingress protection (second digit)", "IPX", 4.0, True),
        S("ETSI EN 303 645", "cybersecurity"),
    ),
    "marine_mobility": (
        S("IMO MSC.1/Circ.1638", "safety"),
        S("DNV-CG-0264", "safety", "collision-avoidance detection range", "nm", 2.0, True),
        S("ISO 12215-5", "safety", "hull scantling safety factor", "x", 1.0, True),
        S("IEC 62923-1", "performance", "track-keeping cross-track error", "m", 10.0, False),
        S("IEC 60945", "environmental", "salt-mist exposure endurance", "h", 96.0, True),
        S("IEC 60945 EMC", "emc", "conducted emission", "dBuV", 80.0, False),
        S("IEC 61162-460", "cybersecurity"),
    ),
    "robotics": (
        S("ISO 10218-1", "safety", "protective stop time", "ms", 500.0, False),
        S("ISO/TS 15066", "safety", "transient contact force", "N", 140.0, False),
        S("IEC 61508", "safety", "safe failure fraction", "%", 90.0, True),
        S("ISO 9283", "performance", "pose repeatability", "mm", 0.1, False),
        S("IEC 61000-6-2", "emc", "radiated immunity field strength", "V/m", 10.0, True),
        S("IEC 60068-2-6", "environmental", "vibration endurance", "g", 2.0, True),
        S("IEC 62443-4-2", "cybersecurity"),
    ),
    "ai_software": (
        S("ISO/IEC 25059", "performance", "accuracy on the acceptance set", "%", 95.0, True),
        S("ISO/IEC TR 24029-1", "performance", "accuracy under perturbation", "%", 90.0, True),
        S("ISO/IEC 42001", "software"),
        S("ISO/IEC 25010", "software", "95th-percentile response time", "ms", 500.0, False),
        S("ISO/IEC 27001", "cybersecurity"),
        S("ISO/IEC 23894", "safety"),
    ),
    "digital_healthcare": (
        S("IEC 82304-1", "safety"),
        S("ISO 14971", "safety"),
        S("IEC 62304", "software"),
        S("HL7 FHIR R4", "performance", "conformance test pass rate", "%", 98.0, True),
        S("ISO/IEC 27001", "cybersecurity"),
        S("IEC 81001-5-1", "cybersecurity"),
    ),
    "medical_device": (
        S("IEC 60601-1", "safety", "patient leakage current", "uA", 100.0, False),
        S("ISO 14971", "safety"),
        S("ISO 10993-5", "biocompatibility", "cell viability", "%", 70.0, True),
        S("ISO 10993-10", "biocompatibility"),
        S("IEC 60601-1-2", "emc", "radiated immunity field strength", "V/m", 10.0, True),
        S("IEC 62304", "software"),
        S("IEC 62366-1", "performance", "use-error rate in summative test", "%", 5.0, False),
    ),
    "regenerative_bio": (
        S("ISO 10993-5", "biocompatibility", "cell viability", "%", 70.0, True),
        S("ISO 10993-11", "biocompatibility"),
        S("USP <71>", "safety"),
        S("ICH Q5A", "safety", "viral clearance", "log10", 6.0, True),
        S("ISO 20391-2", "performance", "post-thaw viable cell fraction", "%", 70.0, True),
        S("ISO 13022", "safety"),
    ),
    "battery_ess": (
        S(
            "IEC 62133-2",
            "safety",
            "cell temperature in external short circuit",
            "degC",
            170.0,
            False,
        ),
        S("IEC 62619", "safety", "internal short-circuit propagation", "cells", 1.0, False),
        S("UL 9540A", "safety", "time to thermal-runaway propagation", "min", 60.0, True),
        S("UL 1973", "safety"),
        S("IEC 62620", "performance", "capacity retention after 500 cycles", "%", 80.0, True),
        S("IEC 61000-6-2", "emc", "radiated immunity field strength", "V/m", 10.0, True),
        S("IEC 60068-2-14", "environmental", "thermal-cycling endurance", "cycles", 100.0, True),
    ),
    "hydrogen_energy": (
        S("ISO 19880-1", "safety", "leak rate", "NmL/h", 10.0, False),
        S("ISO 16111", "safety", "burst pressure ratio", "x", 2.25, True),
        S("IEC 60079-0", "safety"),
        S("IEC 62282-3-100", "safety", "hydrogen concentration in enclosure", "%LFL", 25.0, False),
        S("SAE J2601", "performance", "fuelling state-of-charge", "%", 95.0, True),
        S("ISO 14687", "performance", "total impurities", "umol/mol", 300.0, False),
        S("ISO 11114-4", "environmental"),
    ),
    "renewable_energy": (
        S("IEC 61730-2", "safety", "insulation resistance", "MOhm m2", 40.0, True),
        S("IEC 62109-1", "safety"),
        S("IEC 61400-1", "safety", "extreme-load safety factor", "x", 1.35, True),
        S("IEC 61215-2", "performance", "power degradation after stress sequence", "%", 5.0, False),
        S("IEC 62446-1", "performance", "performance ratio", "%", 75.0, True),
        S("IEC 61000-6-3", "emc", "radiated emission at 10 m", "dBuV/m", 30.0, False),
        S("IEC 60068-2-6", "environmental", "vibration endurance", "g", 2.0, True),
    ),
    "semiconductor_equipment": (
        S("SEMI S2", "safety", "accessible surface temperature", "degC", 65.0, False),
        S("SEMI S14", "safety"),
        S("IEC 61010-1", "safety", "protective earth resistance", "mOhm", 100.0, False),
        S("SEMI S8", "safety"),
        S("SEMI F47", "performance", "voltage-sag ride-through", "% of nominal", 50.0, False),
        S("SEMI E10", "performance", "mean time between failures", "h", 500.0, True),
        S("IEC 61326-1", "emc", "radiated immunity field strength", "V/m", 3.0, True),
    ),
}
del S


#: Domestic certification schemes (Korea).
DOMESTIC_SCHEMES: tuple[str, ...] = ("KC", "KGS", "MFDS", "KS", "K_MARK")
#: Overseas schemes relevant to the programme's fast track, by the categories they usually cover.
OVERSEAS_SCHEMES: dict[str, tuple[tuple[str, str], ...]] = {
    # (scheme, issuer_country)
    "autonomous_vehicle": (("UL", "US"), ("TUV", "DE"), ("UNECE_WVTA", "DE"), ("CE", "DE")),
    "urban_air_mobility": (("EASA_TC", "DE"), ("FAA_TC", "US"), ("CE", "FR")),
    "drone": (("CE", "FR"), ("FAA_PART107", "US"), ("EASA_C2", "DE"), ("FCC", "US")),
    "marine_mobility": (("DNV", "NO"), ("ABS", "US"), ("LR", "GB"), ("CE", "DE")),
    "robotics": (("CE", "DE"), ("UL", "US"), ("TUV", "DE"), ("CCC", "CN")),
    "ai_software": (("ISO_IEC_27001", "GB"), ("SOC2", "US"), ("CE", "IE")),
    "digital_healthcare": (("FDA_510K", "US"), ("CE", "NL"), ("ISO_13485", "DE")),
    "medical_device": (("FDA_510K", "US"), ("CE", "DE"), ("ISO_13485", "DE"), ("PMDA", "JP")),
    "regenerative_bio": (("FDA_IND", "US"), ("EMA_ATMP", "NL"), ("PMDA", "JP")),
    "battery_ess": (("UL", "US"), ("CE", "DE"), ("TUV", "DE"), ("CCC", "CN")),
    "hydrogen_energy": (("IECEX", "CH"), ("ATEX", "DE"), ("TUV", "DE"), ("ASME", "US")),
    "renewable_energy": (("TUV", "DE"), ("UL", "US"), ("CE", "ES"), ("DNV", "NO")),
    "semiconductor_equipment": (("CE", "DE"), ("UL", "US"), ("SEMI_S2_CERT", "US"), ("CCC", "CN")),
}

#: Further overseas schemes that test what fails in the field for a category, beyond those its
#: applicants usually hold (``OVERSEAS_SCHEMES``), e.g. UL 9540 and UL 2580 for batteries and ESS.
_MORE_RELEVANT: dict[str, tuple[tuple[str, str], ...]] = {
    "autonomous_vehicle": (("UL_4600", "US"), ("FMVSS", "US")),
    "urban_air_mobility": (("EASA_SC_VTOL", "DE"),),
    "drone": (("EASA_C1", "DE"), ("EASA_C3", "DE"), ("FAA_PART135", "US")),
    "marine_mobility": (("BV", "FR"),),
    "robotics": (("UL_3300", "US"),),
    "ai_software": (("ISO_IEC_42001", "GB"),),
    "digital_healthcare": (("FDA_SAMD", "US"),),
    "medical_device": (("FDA_PMA", "US"), ("FDA_DE_NOVO", "US"), ("CE_MDR", "DE"), ("MDSAP", "CA")),
    "regenerative_bio": (("FDA_BLA", "US"), ("EMA_PRIME", "NL")),
    "battery_ess": (
        ("UL_9540", "US"),
        ("UL_9540A", "US"),
        ("UL_2580", "US"),
        ("UL_1973", "US"),
        ("UL_1642", "US"),
    ),
    "hydrogen_energy": (("ISO_19880_CERT", "DE"), ("CE", "DE")),
    "renewable_energy": (("IEC_CB", "CH"), ("MCS", "GB")),
    "semiconductor_equipment": (("TUV", "DE"),),
}


def normalise_scheme(name: str) -> str:
    """Canonical form of a certification scheme: upper case, every run of spaces, dots, hyphens or
    other punctuation one underscore (``"fda 510(k)"`` and ``"FDA-510K"`` are ``FDA_510K``)."""
    text = re.sub(r"[^0-9A-Z]+", "_", str(name).strip().upper().replace("(", "").replace(")", ""))
    return text.strip("_")


#: The overseas schemes whose certification bears on each category's risk (domain knowledge, like
#: the standards catalogue). An active overseas certificate of another scheme (an FDA 510(k) on a
#: drone) still counts, but as an *other* overseas certification, a separate feature.
RELEVANT_OVERSEAS_SCHEMES: dict[str, frozenset[str]] = {
    cat: frozenset(normalise_scheme(s) for s, _ in OVERSEAS_SCHEMES[cat] + more)
    for cat, more in _MORE_RELEVANT.items()
}


def scheme_country(category: str, scheme: str) -> str | None:
    """The usual issuer country of an overseas ``scheme`` relevant to ``category`` (None when the
    scheme is not relevant to it)."""
    wanted = normalise_scheme(scheme)
    for name, country in OVERSEAS_SCHEMES.get(category, ()) + _MORE_RELEVANT.get(category, ()):
        if normalise_scheme(name) == wanted:
            return country
    return None


def relevant_schemes(category: str) -> frozenset[str]:
    """The (normalised) overseas schemes relevant to ``category``; empty for an unknown one."""
    return RELEVANT_OVERSEAS_SCHEMES.get(category, frozenset())


_EDITION = re.compile(r"\s*[:(]\s*\d{4}.*$")  # ":2017", " (2019)", ":2017+AMD1:2020"


def normalise_standard(name: str) -> str:
    """Canonical form of a standard's citation, so edition suffixes and spacing do not matter.

    Upper-cases, drops an edition year (``:2017``, ``(2019)``) and collapses spaces.
    """
    text = _EDITION.sub("", str(name).strip().upper())
    return re.sub(r"\s+", " ", text)


def expected_standards(category: str) -> tuple[StandardRef, ...]:
    """The standards a product of ``category`` is expected to have been tested against.

    Raises
    ------
    KeyError
        For a category outside the contract.
    """
    if category not in STANDARDS_CATALOGUE:
        raise KeyError(f"category {category!r} is not one of the contract's categories")
    return STANDARDS_CATALOGUE[category]
