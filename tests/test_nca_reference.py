"""Validation against published Phoenix WinNonlin results (not used to build anything).

Source: S. Han, "Validation of Noncompartmental Analysis Performed by NonCompart R package"
(asancpt/NonCompart-tests, validation.md, 2018-05-11): Phoenix WinNonlin 6.3/7.0 results
for R's ``datasets::Theoph`` (12 subjects, extravascular, dose 320 mg for every subject,
mg/L, h) and ``datasets::Indometh`` (6 subjects, dose 25 mg, as IV bolus and as a 0.25 h IV
infusion), with WinNonlin's "Linear Trapezoidal Linear Interpolation" ("Linear") and
"Linear Up Log Down" ("Log") AUC rules and its best-fit λz. The data files ship as
examples/nca_theoph.csv (NONMEM-style) and examples/nca_indometh.csv (tidy); both data
sets are from R's datasets package. Values below are WinNonlin's, copied to the 7
decimals published; the model must agree to 1e-6 relative.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from xposim.analysis.nca_data import Columns, read_nca_data
from xposim.analysis.nca_table import NCAOptions, run_nca

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

# Theoph, extravascular, dose 320 mg. Per subject 1..12.
THEOPH = {
    "linear": {
        "LAMZNPT": [3, 4, 3, 3, 4, 7, 4, 6, 3, 3, 3, 3],
        "LAMZ": [0.0484570, 0.1040864, 0.1024443, 0.0992870, 0.0866189, 0.0877957,
                 0.0883365, 0.0814505, 0.0824586, 0.0749598, 0.0954586, 0.1102595],
        "R2ADJ": [0.9999995, 0.9957931, 0.9986499, 0.9978483, 0.9979708, 0.9978896,
                  0.9980053, 0.9887655, 0.9988873, 0.9990174, 0.9999965, 0.9987936],
        "LAMZLL": [9.05, 7.03, 9.00, 9.02, 7.02, 2.03, 6.98, 3.53, 8.80, 9.38, 9.03, 9.03],
        "AUCLST": [148.9230500, 91.5268000, 99.2865000, 106.7963000, 121.2944000,
                   73.7755500, 90.7534000, 88.5599500, 86.3261500, 138.3681000,
                   80.0936000, 119.9775000],
        "AUCIFO": [216.6119330, 100.1734591, 109.5359707, 118.3788814, 139.4197778,
                   84.2544183, 103.7718018, 103.9066868, 99.9087179, 170.6520606,
                   89.1027449, 130.5888316],
        "AUCIFP": [216.6149558, 100.0643176, 109.5857218, 118.4435586, 139.2546304,
                   84.4966986, 103.8931470, 103.6430515, 99.8660677, 170.5679125,
                   89.1007190, 130.6390680],
        "AUMCIFO": [4505.5348194, 999.7722880, 1150.9647687, 1303.2524014, 1667.7216119,
                    978.4284857, 1245.0984083, 1298.1157547, 1201.7715381, 2473.9934274,
                    928.5599714, 1330.3840024],
        "MRTEVIFO": [20.8000305, 9.9804109, 10.5076420, 11.0091630, 11.9618725,
                     11.6127855, 11.9984272, 12.4930916, 12.0286954, 14.4972959,
                     10.4212275, 10.1875787],
        "CLFO": [1.4772963, 3.1944589, 2.9214147, 2.7031849, 2.2952267, 3.7980204,
                 3.0836893, 3.0796863, 3.2029237, 1.8751605, 3.5913596, 2.4504393],
        "VZFO": [30.4867482, 30.6904416, 28.5170999, 27.2259641, 26.4979947, 43.2597345,
                 34.9084408, 37.8105081, 38.8427934, 25.0155401, 37.6221852, 22.2242936],
    },
    "linear-up-log-down": {
        "AUCLST": [147.2347485, 88.7312755, 95.8781978, 102.6336232, 118.1793538,
                   71.6970150, 87.9692274, 86.8065635, 83.9374360, 135.5760701,
                   77.8934723, 115.2202082],
        "AUCIFO": [214.9236316, 97.3779346, 106.1276685, 114.2162046, 136.3047316,
                   82.1758833, 100.9876292, 102.1533003, 97.5200039, 167.8600307,
                   86.9026173, 125.8315397],
        "AUCPEO": [31.4943883, 8.8794850, 9.6576801, 10.1409266, 13.2976879, 12.7517562,
                   12.8910857, 15.0232413, 13.9279813, 19.2326669, 10.3669431, 8.4329665],
        "AUMCLST": [1499.1290852, 716.2787279, 810.8726830, 911.7828093, 1038.8799844,
                    618.6659191, 795.6267785, 756.3619816, 723.3794155, 1306.7406149,
                    626.6357849, 982.6343023],
        "MRTEVIFO": [21.1498046, 10.3664599, 10.9175260, 11.5040681, 12.3949276,
                     12.0222866, 12.4599947, 12.8722531, 12.5094471, 14.9085758,
                     10.7931564, 10.6105161],
        "CLFO": [1.4889010, 3.2861654, 3.0152363, 2.8017040, 2.3476808, 3.8940865,
                 3.1687049, 3.1325469, 3.2813780, 1.9063502, 3.6822827, 2.5430826],
        "VZFP": [30.7258003, 31.6069275, 29.4191386, 28.2022603, 27.1364464, 44.2235499,
                 35.8277969, 38.5590101, 39.8116439, 25.4443810, 38.5755715, 23.0553192],
    },
}
# Indometh, dose 25 mg. Per subject 1..6.
INDOMETH = {
    ("iv-bolus", "linear"): {
        "C0": [2.3936170, 2.5281595, 4.9653691, 2.4622302, 4.0408654, 3.7056250],
        "CMAX": [1.50, 2.03, 2.72, 1.85, 2.05, 2.31],
        "TMAX": [0.25] * 6,
        "LAMZNPT": [3, 9, 10, 11, 8, 9],
        "AUCLST": [2.0404521, 3.2485199, 3.5544211, 2.7852788, 2.4588582, 3.3357031],
        "AUCIFO": [2.3562672, 3.5131752, 3.7440428, 2.9389745, 2.6962490, 3.5902852],
        "AUCPBEO": [20.6556421, 16.2180906, 25.6586578, 18.3407098, 28.2376805, 20.9441054],
        "MRTIVIFO": [3.3071607, 2.6732291, 1.8623394, 2.0241424, 2.4277678, 2.3088112],
        "CLO": [10.6100020, 7.1160698, 6.6772740, 8.5063686, 9.2721407, 6.9632351],
        "VZO": [67.0159780, 23.5413171, 15.8269504, 18.6770303, 36.6853493, 19.6968341],
        "VSSO": [35.0889819, 19.0228851, 12.4353504, 17.2181012, 22.5106044, 16.0767951],
    },
    ("iv-bolus", "linear-up-log-down"): {
        "AUCLST": [2.0098984, 3.2028878, 3.4743971, 2.7483832, 2.3983736, 3.2908266],
        "AUCIFO": [2.3257135, 3.4675431, 3.6640188, 2.9020789, 2.6357645, 3.5454087],
        "AUCIFP": [2.3272832, 3.4501946, 3.5691429, 2.8185565, 2.5945039, 3.4499191],
        "AUMCLST": [3.3047961, 6.4131687, 5.0552993, 4.4049718, 3.7472994, 5.5904206],
        "MRTIVIFO": [3.3650320, 2.7125665, 1.9164006, 2.0578350, 2.4985790, 2.3543721],
        "VSSO": [36.1720388, 19.5568334, 13.0758105, 17.7272490, 23.6988080, 16.6015562],
        "VSSP": [36.2269851, 19.3419923, 11.8493272, 16.1136274, 22.6263772, 15.3613252],
    },
    ("iv-infusion", "linear"): {
        "LAMZNPT": [3, 9, 10, 10, 8, 9],  # Cmax (end of infusion) not in λz: 10, not 11
        "LAMZ": [0.1583205, 0.3022800, 0.4218926, 0.4290762, 0.2527478, 0.3535205],
        "AUCLST": [1.7412500, 2.9325000, 2.9337500, 2.4775000, 1.9537500, 2.8725000],
        "AUCIFO": [2.0570651, 3.1971553, 3.1233717, 2.6406412, 2.1911408, 3.1270821],
        "MRTIVIFO": [3.6631905, 2.8124621, 2.1074203, 2.1726312, 2.8624239, 2.5258069],
        "VSSO": [44.5196227, 21.9919102, 16.8681518, 20.5691634, 32.6590590, 20.1930009],
    },
    ("iv-infusion", "linear-up-log-down"): {
        "AUCLST": [1.7193653, 2.8891436, 2.8817113, 2.4442459, 1.9211984, 2.8413138],
        "AUCIFO": [2.0351804, 3.1537989, 3.0713330, 2.6073871, 2.1585892, 3.0958959],
        "AUMCIFO": [7.8178588, 9.4010343, 7.0017667, 6.0843899, 6.5683405, 8.3343579],
        "MRTIVIFO": [3.7163591, 2.8558604, 2.1547159, 2.2085200, 2.9178858, 2.5670666],
        "CLO": [12.2839234, 7.9269481, 8.1397881, 9.5881430, 11.5816384, 8.0752068],
        "VSSO": [45.6514707, 22.6382575, 17.5389306, 21.1756058, 33.7938980, 20.7295934],
    },
}


def _by_subject(results, code):
    f = results.frame
    return [f.set_index("ID").loc[sid, code] for sid in sorted(f.ID)]


@pytest.mark.parametrize("method", sorted(THEOPH))
def test_theophylline_extravascular_matches_winnonlin(method):
    # the published run gave every subject 320 mg; the file's dose records carry the
    # actual mg/kg x kg (319.992 mg for subject 1), so analyse the observations alone
    df = pd.read_csv(EXAMPLES / "nca_theoph.csv")
    obs = df[df.EVID == 0][["ID", "TIME", "DV"]]
    data = read_nca_data(obs)
    res = run_nca(data, NCAOptions(auc_method=method, dose=320.0, conc_unit="mg/L"))
    for code, published in THEOPH[method].items():
        assert _by_subject(res, code) == pytest.approx(published, rel=1e-6), code


@pytest.mark.parametrize("route, method", sorted(INDOMETH))
def test_indometacin_iv_bolus_and_infusion_match_winnonlin(route, method):
    data = read_nca_data(EXAMPLES / "nca_indometh.csv",
                         columns=Columns(id="subject", time="time_h", conc="conc_mg_l"))
    res = run_nca(data, NCAOptions(route=route, auc_method=method, dose=25.0,
                                   duration=0.25 if route == "iv-infusion" else None,
                                   conc_unit="mg/L"))
    for code, published in INDOMETH[(route, method)].items():
        assert _by_subject(res, code) == pytest.approx(published, rel=1e-6), code
