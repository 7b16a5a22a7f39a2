"""The examples in docs/*.md run and their stated results are checked: the docs cannot rot.

How to write an example (also in docs/index.md, "Writing examples"):

- A fenced ```python block is code that runs. It prints nothing; a result the page states
  is checked with ``assert``, with a tolerance that says how exact the claim is, e.g.
  ``assert 19 < ic50 < 23  # "IC50 ≈ 21 nM"`` or ``math.isclose(x, 0.227, abs_tol=5e-4)``.
- A fenced ```pycon block shows output: a doctest. ``>>> code`` (``...`` continues it) is
  followed by exactly what it prints or returns, and the test compares them:
    * a number with a decimal point or exponent matches to the precision written:
      ``0.28`` accepts 0.27 to 0.29 (one unit in the last digit shown; ``1.5e-03``
      likewise 1.4e-03 to 1.6e-03); integers must match exactly;
    * ``...`` matches anything (doctest ELLIPSIS), e.g. a long table's middle rows;
    * runs of whitespace compare equal, so tables may be re-aligned.
- Blocks of one page run in order in one namespace, inside a temporary directory, so a
  ```pycon block can show what the ```python block above it computed.
- ```python no-run shows code without running it (use sparingly, say why in the text).

The test fails if an example raises, an assertion fails, a shown output differs, a
```python block calls ``print`` (shown output must be a checked ```pycon example) or a page
with examples checks nothing.
"""

from __future__ import annotations

import ast
import doctest
import math
import re
from pathlib import Path

import matplotlib
import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
BLOCK = re.compile(r"^```(?P<lang>python|pycon)(?P<flags>[^\n]*)\n(?P<code>.*?)^```",
                   re.S | re.M)
PAGES = sorted(p for p in DOCS.glob("*.md") if BLOCK.search(p.read_text(encoding="utf-8")))

# a number written with a decimal point and/or an exponent (integers compare as text)
_FLOAT = r"[-+]?(?:(?:\d+\.\d*|\.\d+)(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+)"
_WANT_NUMBER = re.compile(rf"(?<![\w.]){_FLOAT}(?![\w.])")
# what may stand in the output for such a number (a float or an integer)
_GOT_NUMBER = r"(?<![\w.])([-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?)(?![\w.])"


def _precision(text: str) -> float:
    """One unit in the last digit written: '0.28' -> 0.01, '1.5e-03' -> 1e-04."""
    mantissa, _, exponent = text.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 10.0 ** (-decimals + (int(exponent) if exponent else 0))


def _fragment(text: str) -> tuple[re.Pattern[str], list[str]]:
    """A regex for expected text whose numbers may differ within their precision."""
    parts, numbers, pos = [], [], 0
    for m in _WANT_NUMBER.finditer(text):
        parts += [re.escape(text[pos:m.start()]), _GOT_NUMBER]
        numbers.append(m.group())
        pos = m.end()
    parts.append(re.escape(text[pos:]))
    return re.compile("".join(parts), re.S), numbers


def _close(match: re.Match[str], numbers: list[str]) -> bool:
    return all(math.isclose(float(g), float(w), rel_tol=1e-12, abs_tol=_precision(w) * 1.000001)
               for g, w in zip(match.groups(), numbers, strict=True))


def _match(fragments: list[tuple[re.Pattern[str], list[str]]], got: str, i: int = 0,
           pos: int = 0) -> bool:
    """Fragments in order (the first at the start, the last at the end, '...' between)."""
    pattern, numbers = fragments[i]
    first, last = i == 0, i == len(fragments) - 1
    start = pos
    while start <= len(got):
        m = pattern.match(got, start) if first else pattern.search(got, start)
        if m is None:
            return False
        if ((not last or m.end() == len(got)) and _close(m, numbers)
                and (last or _match(fragments, got, i + 1, m.end()))):
            return True
        if first:
            return False
        start = m.start() + 1
    return False


class NumberChecker(doctest.OutputChecker):
    """Doctest's check, with numbers compared to the precision written."""

    def check_output(self, want: str, got: str, optionflags: int) -> bool:
        if super().check_output(want, got, optionflags):
            return True
        if optionflags & doctest.NORMALIZE_WHITESPACE:
            want, got = " ".join(want.split()), " ".join(got.split())
        pieces = (want.split(doctest.ELLIPSIS_MARKER) if optionflags & doctest.ELLIPSIS
                  else [want])
        return _match([_fragment(p) for p in pieces], got)


def _blocks(page: Path) -> list[tuple[str, str, str, int]]:
    text = page.read_text(encoding="utf-8")
    return [(m.group("lang"), m.group("flags"), m.group("code"),
             text.count("\n", 0, m.start()) + 2)  # line of the first code line
            for m in BLOCK.finditer(text)]


def _prints(code: str) -> bool:
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "print"
               for n in ast.walk(ast.parse(code)))


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_doc_examples_run_and_state_checked_results(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    matplotlib.use("Agg")  # the examples save figures; nothing is shown
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem}"}
    parser = doctest.DocTestParser()
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    checks = 0
    for lang, block_flags, code, line in _blocks(page):
        if "no-run" in block_flags:
            continue
        where = f"{page.name}:{line}"
        if lang == "python":
            assert not _prints(code), (
                f"{where}: a ```python block prints; show the output in a ```pycon block "
                "(it is checked) or assert the value (see tests/test_docs.py)")
            checks += sum(isinstance(n, ast.Assert) for n in ast.walk(ast.parse(code)))
            # pad so that tracebacks give the line number in the page
            exec(compile("\n" * (line - 1) + code, str(page), "exec"), namespace)
            continue
        test = parser.get_doctest(code, namespace, where, str(page), line - 1)
        assert test.examples, f"{where}: a ```pycon block needs >>> examples"
        report: list[str] = []
        runner = doctest.DocTestRunner(checker=NumberChecker(), optionflags=flags)
        result = runner.run(test, out=report.append, clear_globs=False)
        assert result.failed == 0, "\n".join(report)
        checks += result.attempted
    assert checks, f"{page.name}: its examples check nothing (assert, or a ```pycon block)"


@pytest.mark.parametrize("want, got, ok", [
    ("0.28", "0.2849", True), ("0.28", "0.27", True), ("0.28", "0.2651", False),
    ("21.3 nM", "21.38 nM", True), ("(21.3, 'ok')", "(21.5, 'ok')", False),
    ("1.5e-03", "0.00149", True), ("1.5e-03", "0.0017", False),
    ("42", "42", True), ("42", "43", False),
    ("a   b\n0.1  2", "a b\n0.1 2", True), ("[0.25, ...]", "[0.251, 0.5, 0.75]", True),
    ("0.5", "0.5 0.6", False), ("x ... 0.30", "x 1 2 0.3049", True),
    ("x ... 0.30", "x 1 2 0.32", False), ("2.0", "2", True), ("-0.5", "-0.49", True),
])
def test_number_checker(want, got, ok):
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    assert NumberChecker().check_output(want + "\n", got + "\n", flags) is ok
