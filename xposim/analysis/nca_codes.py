"""NCA output codes: CDISC SDTM PP test codes, their WinNonlin and PKNCA names, and units.

Every parameter :func:`xposim.analysis.nca.analyse_profile` reports is listed in
:data:`PARAMETERS` with its kind of unit; :func:`parameter_units` turns the data's time,
concentration and dose units into one unit per column, and :func:`volume_factor` gives
the factor that turns dose/concentration into litres (None when they do not convert,
e.g. a mass dose with a molar concentration). The tests check that docs/nca.md maps
every code listed here.
"""

from __future__ import annotations

from dataclasses import dataclass

import pint

from xposim.errors import InputError
from xposim.model.units import UREG, parse_unit


@dataclass(frozen=True)
class Parameter:
    """One NCA output: code (CDISC PPTESTCD where one exists), unit kind, the names
    Phoenix WinNonlin and PKNCA give it ("—" where the tool has none), and meaning."""

    code: str
    kind: str
    winnonlin: str
    pknca: str
    meaning: str
    cdisc: bool = True  # False: an xposim name where CDISC has no single code


_P = Parameter
#: Output parameters, in output order.
PARAMETERS: tuple[Parameter, ...] = (
    _P("C0", "conc", "C0", "c0", "IV bolus: concentration at the dose time (observed, or "
       "back-extrapolated from the first two samples)"),
    _P("CMAX", "conc", "Cmax", "cmax", "maximum observed concentration"),
    _P("TMAX", "time", "Tmax", "tmax", "time of the first observed maximum"),
    _P("CMAXD", "conc_dose", "Cmax_D", "cmax.dn", "CMAX / dose"),
    _P("TLAG", "time", "Tlag", "tlag", "extravascular: time of the last sample before "
       "the first measurable concentration"),
    _P("TLST", "time", "Tlast", "tlast", "time of the last measurable concentration"),
    _P("CLST", "conc", "Clast", "clast.obs", "last measurable concentration"),
    _P("CLSTP", "conc", "Clast_pred", "clast.pred", "concentration at TLST on the λz line"),
    _P("AUCLST", "auc", "AUClast", "auclast", "AUC from the dose to TLST"),
    _P("AUCALL", "auc", "AUCall", "aucall", "AUC to the last sample, trailing BLQ zeros "
       "included"),
    _P("AUCLSTD", "auc_dose", "AUClast_D", "auclast.dn", "AUCLST / dose"),
    _P("AUCIFO", "auc", "AUCINF_obs", "aucinf.obs", "AUCLST + CLST/LAMZ"),
    _P("AUCIFP", "auc", "AUCINF_pred", "aucinf.pred", "AUCLST + CLSTP/LAMZ"),
    _P("AUCIFOD", "auc_dose", "AUCINF_D_obs", "aucinf.obs.dn", "AUCIFO / dose"),
    _P("AUCIFPD", "auc_dose", "AUCINF_D_pred", "aucinf.pred.dn", "AUCIFP / dose"),
    _P("AUCPEO", "pct", "AUC_%Extrap_obs", "aucpext.obs", "100·(AUCIFO - AUCLST)/AUCIFO"),
    _P("AUCPEP", "pct", "AUC_%Extrap_pred", "aucpext.pred",
       "100·(AUCIFP - AUCLST)/AUCIFP"),
    _P("AUCPBEO", "pct", "AUC_%Back_Ext_obs", "—", "IV bolus: share of AUCIFO from the "
       "dose to the first sample (back-extrapolated part)"),
    _P("AUCPBEP", "pct", "AUC_%Back_Ext_pred", "—", "IV bolus: the same share of AUCIFP"),
    _P("AUMCLST", "aumc", "AUMClast", "aumclast", "AUMC from the dose to TLST"),
    _P("AUMCIFO", "aumc", "AUMCINF_obs", "aumcinf.obs",
       "AUMCLST + CLST·TLST/LAMZ + CLST/LAMZ²"),
    _P("AUMCIFP", "aumc", "AUMCINF_pred", "aumcinf.pred", "as AUMCIFO with CLSTP"),
    _P("AUMCPEO", "pct", "AUMC_%Extrap_obs", "—", "100·(AUMCIFO - AUMCLST)/AUMCIFO"),
    _P("AUMCPEP", "pct", "AUMC_%Extrap_pred", "—", "100·(AUMCIFP - AUMCLST)/AUMCIFP"),
    _P("LAMZ", "rate", "Lambda_z", "lambda.z", "terminal rate constant (minus the slope "
       "of ln C on t)"),
    _P("LAMZHL", "time", "HL_Lambda_z", "half.life", "ln 2 / LAMZ"),
    _P("LAMZNPT", "count", "No_points_lambda_z", "lambda.z.n.points",
       "number of samples in the λz regression"),
    _P("LAMZLL", "time", "Lambda_z_lower", "lambda.z.time.first",
       "first time of the λz regression"),
    _P("LAMZUL", "time", "Lambda_z_upper", "lambda.z.time.last",
       "last time of the λz regression"),
    _P("LAMZSPN", "ratio", "—", "span.ratio", "(LAMZUL - LAMZLL) / LAMZHL"),
    _P("R2", "ratio", "Rsq", "r.squared", "R² of the λz regression"),
    _P("R2ADJ", "ratio", "Rsq_adjusted", "adj.r.squared",
       "adjusted R² = 1 - (1 - R²)(n - 1)/(n - 2)"),
    _P("CORRXY", "ratio", "Corr_XY", "—", "correlation of ln C and t in the λz points"),
    _P("MRTEVLST", "time", "MRTlast", "mrt.last", "extravascular: AUMCLST/AUCLST"),
    _P("MRTEVIFO", "time", "MRTINF_obs", "mrt.obs", "extravascular: AUMCIFO/AUCIFO"),
    _P("MRTEVIFP", "time", "MRTINF_pred", "mrt.pred", "extravascular: AUMCIFP/AUCIFP"),
    _P("MRTIVLST", "time", "MRTlast", "mrt.iv.last", "IV: AUMCLST/AUCLST - infusion "
       "duration/2"),
    _P("MRTIVIFO", "time", "MRTINF_obs", "mrt.iv.obs", "IV: AUMCIFO/AUCIFO - infusion "
       "duration/2"),
    _P("MRTIVIFP", "time", "MRTINF_pred", "mrt.iv.pred", "IV: AUMCIFP/AUCIFP - infusion "
       "duration/2"),
    _P("CLO", "clearance", "Cl_obs", "cl.obs", "IV: dose / AUCIFO"),
    _P("CLP", "clearance", "Cl_pred", "cl.pred", "IV: dose / AUCIFP"),
    _P("CLFO", "clearance", "Cl_F_obs", "cl.obs", "extravascular: dose / AUCIFO"),
    _P("CLFP", "clearance", "Cl_F_pred", "cl.pred", "extravascular: dose / AUCIFP"),
    _P("VZO", "volume", "Vz_obs", "vz.obs", "IV: CLO / LAMZ"),
    _P("VZP", "volume", "Vz_pred", "vz.pred", "IV: CLP / LAMZ"),
    _P("VZFO", "volume", "Vz_F_obs", "vz.obs", "extravascular: CLFO / LAMZ"),
    _P("VZFP", "volume", "Vz_F_pred", "vz.pred", "extravascular: CLFP / LAMZ"),
    _P("VSSO", "volume", "Vss_obs", "vss.iv.obs", "IV: CLO · MRTIVIFO"),
    _P("VSSP", "volume", "Vss_pred", "vss.iv.pred", "IV: CLP · MRTIVIFP"),
    _P("AUCTAU", "auc", "AUC_TAU", "auclast over [0, τ]", "AUC over the dosing interval "
       "(interpolated at τ; past TLST extrapolated with LAMZ)"),
    _P("CMIN", "conc", "Cmin", "cmin", "minimum concentration in the dosing interval"),
    _P("CTROUGH", "conc", "Ctau", "ctrough", "concentration at the end of the dosing "
       "interval (a sample at τ)"),
    _P("CAVG", "conc", "Cavg", "cav", "AUCTAU / τ"),
    _P("FLUCP", "pct", "Fluctuation%", "deg.fluc", "100·(CMAX - CMIN)/CAVG"),
    _P("ACCR", "ratio", "—", "—", "accumulation: AUCTAU of this interval / AUCTAU of the "
       "first (superposition: steady state / single dose)", cdisc=False),
)
BY_CODE: dict[str, Parameter] = {p.code: p for p in PARAMETERS}
#: Descriptive columns written before the parameters (one row per subject and interval).
ROW_COLUMNS: tuple[str, ...] = ("ID", "INTERVAL", "KIND", "START", "END", "TAU", "DOSE",
                                "ROUTE", "DURATION")


def _unit(text: str, dimension: str, field: str) -> str:
    u = parse_unit(text)
    if not u.dimensionality == UREG.parse_units(dimension).dimensionality:
        raise InputError(field, f"must be a unit of {dimension} kind", got=text)
    return text.strip()


def check_units(time_unit: str, conc_unit: str, dose_unit: str) -> tuple[str, str, str]:
    """Validate the three data units (time; mass or amount per volume; mass or amount)."""
    t = _unit(time_unit, "h", "time-unit")
    cu = parse_unit(conc_unit)
    ok_conc = cu.dimensionality in (UREG.parse_units("mg/L").dimensionality,
                                    UREG.parse_units("nmol/L").dimensionality)
    if not ok_conc:
        raise InputError("conc-unit", "must be a mass or amount per volume, e.g. ng/mL, "
                         "mg/L, nM", got=conc_unit)
    du = parse_unit(dose_unit)
    if du.dimensionality not in (UREG.parse_units("mg").dimensionality,
                                 UREG.parse_units("nmol").dimensionality):
        raise InputError("dose-unit", "must be a mass or amount, e.g. mg, ug, umol",
                         got=dose_unit)
    return t, conc_unit.strip(), dose_unit.strip()


def volume_factor(dose_unit: str, conc_unit: str) -> float | None:
    """Litres per (dose unit / concentration unit); None if they do not convert."""
    try:
        q = UREG.Quantity(1.0, parse_unit(dose_unit)) / UREG.Quantity(1.0,
                                                                       parse_unit(conc_unit))
        return float(q.to("liter").magnitude)
    except pint.DimensionalityError:
        return None


def parameter_units(time_unit: str, conc_unit: str, dose_unit: str) -> dict[str, str]:
    """Unit of every code in :data:`PARAMETERS` ("" for counts and ratios)."""
    by_kind = {
        "conc": conc_unit, "time": time_unit, "auc": f"{time_unit}*{conc_unit}",
        "aumc": f"{time_unit}^2*{conc_unit}", "rate": f"1/{time_unit}",
        "conc_dose": f"{conc_unit}/{dose_unit}",
        "auc_dose": f"{time_unit}*{conc_unit}/{dose_unit}",
        "volume": "L", "clearance": f"L/{time_unit}", "pct": "%", "count": "", "ratio": "",
    }
    return {p.code: by_kind[p.kind] for p in PARAMETERS}
