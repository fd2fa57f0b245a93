"""Markdown pages made from the package: presets, censoring schemes, endpoints, data
dictionary, configuration and command line.  Each function returns page text; nothing here
holds a rule of its own."""

from __future__ import annotations

import inspect
import re
import tomllib
from dataclasses import fields
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel

from netsurv import criteria
from netsurv.config import Config
from netsurv.criteria import Criterion
from netsurv.endpoints import ENDPOINTS, SCHEMES
from netsurv.schema.dictionary import data_dictionary_markdown

#: Folder (under ``generated/``) of the preset pages.
PRESET_DIR = "presets"


def cell(value: Any) -> str:
    """A value as the text of a Markdown table cell."""
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def table(frame: pd.DataFrame) -> str:
    """A DataFrame as a Markdown (pipe) table."""
    head = "| " + " | ".join(cell(c) for c in frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(False)]
    return "\n".join([head, rule, *rows]) + "\n"


def rst_to_md(text: str, module: str = "") -> str:
    """The reST inline markup of a docstring as MyST (double backquotes, roles); bare names in
    roles are taken from ``module``."""
    text = re.sub(r"``([^`]+)``", r"`\1`", text)

    def role(m: re.Match[str]) -> str:
        name = m.group(1)
        if module and "." not in name:
            name = f"{module}.{name}"
        return f"{{py:obj}}`{name}`"

    return re.sub(r":(?:data|func|class|meth|mod|attr):`~?([^`]+)`", role, text)


# --------------------------------------------------------------------------- presets


def preset_slug(name: str) -> str:
    """File name of a preset's page (``recist1.1`` -> ``recist1_1``)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", name)


def preset_constants() -> dict[str, str]:
    """Preset name -> the name of its constant in :mod:`netsurv.criteria`."""
    out = {}
    for const in criteria.__all__:
        value = getattr(criteria, const)
        if isinstance(value, Criterion) and criteria.PRESETS.get(value.name) is value:
            out[value.name] = const
    return out


def preset_docstrings() -> dict[str, str]:
    """Constant name -> the docstring written under it in ``netsurv/criteria/presets.py``."""
    return _docstrings("netsurv.criteria.presets")


def _docstrings(module: str) -> dict[str, str]:
    """Constant name -> the docstring written under it in ``module``."""
    from sphinx.pycode import ModuleAnalyzer

    docs = ModuleAnalyzer.for_module(module).find_attr_docs()
    return {name: "\n".join(lines).strip() for (_, name), lines in docs.items()}


def _find_doc(docs: dict[str, str], cc: Any) -> str:
    """The docstring of the module constant holding ``cc`` (constants not exported)."""
    from netsurv.criteria import multimodal

    for const, doc in docs.items():
        if getattr(multimodal, const, None) is cc:
            return doc
    return ""


def combined_page(cc: Any, const: str | None, doc: str) -> str:
    """The page of one combined (multi-modal) preset: its rules, source and components."""
    anchor = cc.anchor or cc.components[0].name
    also = f", also {{py:data}}`netsurv.criteria.{const}`" if const else ""
    rows = [
        ("components", ", ".join(f"[`{c.name}`]({preset_slug(c.name)}.md)" for c in cc.components)),
        ("anchor (time points)", f"`{anchor}`"),
        ("progression", f"`{cc.progression}`"),
        ("response", f"`{cc.response}`"),
        ("pairing window", f"{cc.window_days} days, nearest scan, ties to the earlier"),
    ]
    out = [
        f"(preset-{cc.name})=",
        f"# {cc.label or cc.name}",
        "",
        f'`ns.criteria.get("{cc.name}")`{also}: a combined criterion '
        "({py:func}`netsurv.criteria.combine` documents the rules).",
        "",
        rst_to_md(doc, "netsurv.criteria"),
        "",
        "## Source",
        "",
        rst_to_md(cc.source),
        "",
        "## Rules",
        "",
        "| rule | this preset |",
        "|---|---|",
        *(f"| {cell(k)} | {v} |" for k, v in rows),
        "",
        "## Known simplifications",
        "",
        "- Those of each component (see their pages); the choices marked "
        "**netsurv's reading** above are netsurv's where the source gives no rule.",
    ]
    return "\n".join(out) + "\n"


def shared_simplifications() -> str:
    """The simplifications every preset shares (the presets module's docstring says them)."""
    from netsurv.criteria import presets

    doc = inspect.getdoc(presets) or ""
    match = re.search(r"Simplifications shared by\s+all presets.*", doc, re.S)
    return rst_to_md(" ".join(match.group(0).split()), "netsurv.criteria") if match else ""


def _value(v: Any) -> str:
    if isinstance(v, tuple):
        return ", ".join(str(x) for x in v) if v else "()"
    return "None" if v is None else repr(v) if isinstance(v, str) else str(v)


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def rules_rows(c: Criterion) -> list[tuple[str, str]]:
    """A preset's rules in words, from its fields."""
    lesions = {
        "targets": "the target lesions marked on the baseline scan (RECIST selection when none "
        f"is marked: at most {c.max_lesions or 5}, {c.max_per_organ or 2} per organ)",
        "all": "every lesion measured on the baseline scan",
        "largest": f"the {c.max_lesions} largest lesions at baseline"
        + (f", at most {c.max_per_organ} per organ" if c.max_per_organ else ""),
    }[c.lesion_set]
    if c.sites:
        lesions += f", in {', '.join(c.sites)} only"
    rows = [
        ("scans read", ", ".join(c.modality)),
        ("measurement", f"`{c.measure}`"),
        ("lesions followed", lesions if c.measure != "reader" else "none (recorded read)"),
    ]
    if c.measure == "reader":
        return [*rows, ("time-point response", "`assessments.reader_response` as recorded")]
    rows += [
        ("aggregation per scan", c.aggregation),
        ("favourable change", c.direction),
        ("response (PR)", criteria.describe_response(c) or "no response class"),
        ("progression (PD) by measurement", criteria.describe_progression(c) or "none"),
        ("new lesion is PD", _yes(c.new_lesion_pd)),
        ("unequivocal non-target progression is PD", _yes(c.nontarget_pd)),
        (
            "complete response",
            {
                "recist": f"RECIST (non-nodal 0 mm, nodes < {c.node_cr_mm:g} mm)",
                "zero": "value 0",
                "none": "no CR class",
            }[c.cr_rule],
        ),
        (
            "lesion not measured",
            {"ne_unless_pd": "NE unless progression is certain", "ne": "NE"}[c.missing],
        ),
    ]
    if c.too_small_mm is not None:
        rows.append(("too small to measure", f"{c.too_small_mm:g} mm"))
    if c.confirm_pd:
        lo, hi = c.confirm_pd_window
        rows.append(
            (
                "progression confirmation (iRECIST)",
                f"a scan {lo} to "
                f"{hi if hi is not None else 'any number of'} days after the first PD, "
                "still progressive"
                if c.confirm_pd_min_abs is None
                else f"sum up >= {c.confirm_pd_min_abs:g} more",
            )
        )
    if c.follow_up_scans is not None:
        rows.append(("follow-up scans evaluated", f"the first {c.follow_up_scans}"))
    rows.append(("best response: SD counts from", f"day {c.sd_min_days} of the line"))
    return rows


def preset_page(c: Criterion, const: str, doc: str, notes: list[str], shared: str) -> str:
    """The page of one preset: rules, source, known simplifications and every field."""
    default = {f.name: f.default for f in fields(Criterion)}
    out = [
        f"(preset-{c.name})=",
        f"# {c.title}",
        "",
        f'`ns.criteria.get("{c.name}")`, also {{py:data}}`netsurv.criteria.{const}`.',
        "",
        rst_to_md(doc, "netsurv.criteria"),
        "",
        "## Source",
        "",
        rst_to_md(c.source),
        "",
        "## Rules",
        "",
        "| rule | this preset |",
        "|---|---|",
        *(f"| {cell(k)} | {cell(v)} |" for k, v in rules_rows(c)),
        "",
        "## Known simplifications",
        "",
        *(f"- {rst_to_md(n, 'netsurv.criteria')}" for n in notes),
        f"- {shared}",
        "",
        "## Every field",
        "",
        "Fields that differ from the defaults of {py:class}`~netsurv.criteria.Criterion` "
        "(those of RECIST 1.1) are in bold; the class documents each field.",
        "",
        "| field | value | default |",
        "|---|---|---|",
    ]
    for f in fields(Criterion):
        v = getattr(c, f.name)
        if f.name in ("name", "label", "source"):
            continue
        mark = "**" if v != default[f.name] else ""
        out.append(
            f"| {mark}{f.name}{mark} | {cell(_value(v))} | {cell(_value(default[f.name]))} |"
        )
    return "\n".join(out) + "\n"


def preset_pages(notes_file: Path) -> dict[str, str]:
    """``presets/index.md`` (the table of presets) and one page per preset."""
    notes = tomllib.loads(notes_file.read_text(encoding="utf-8"))
    missing = [n for n in criteria.PRESETS if n not in notes]
    if missing:
        raise ValueError(
            f"presets {missing} have no entry in {notes_file.name}: add their known "
            "simplifications there (an empty list says there are none beyond the shared ones)"
        )
    constants, docs, shared = preset_constants(), preset_docstrings(), shared_simplifications()
    listing = criteria.list()
    # every preset, combined ones included, has a page (linked as a document: a preset and
    # a function may share a name, e.g. liver_fraction)
    listing["name"] = [f"[`{n}`]({preset_slug(n)}.md)" for n in listing["name"]]
    index = [
        "# Preset reference",
        "",
        "Generated from {py:func}`netsurv.criteria.list` and the presets' definitions.",
        "",
        table(
            listing[
                ["name", "label", "modality", "measure", "lesion_set", "response", "progression"]
            ]
        ),
        "```{toctree}",
        ":hidden:",
        "",
        *(preset_slug(n) for n in criteria.PRESETS),
        *(preset_slug(n) for n in criteria.COMBINED_PRESETS),
        "```",
    ]
    pages = {f"{PRESET_DIR}/index.md": "\n".join(index) + "\n"}
    combined_docs = _docstrings("netsurv.criteria.multimodal")
    for name, cc in criteria.COMBINED_PRESETS.items():
        const = next((k for k in criteria.__all__ if getattr(criteria, k, None) is cc), None)
        doc = combined_docs.get(const or "", "") or _find_doc(combined_docs, cc)
        pages[f"{PRESET_DIR}/{preset_slug(name)}.md"] = combined_page(cc, const, doc)
    for name, c in criteria.PRESETS.items():
        const = constants[name]
        pages[f"{PRESET_DIR}/{preset_slug(name)}.md"] = preset_page(
            c, const, docs.get(const, ""), notes[name].get("simplifications", []), shared
        )
    return pages


# --------------------------------------------------------------------------- endpoints


def censoring_schemes() -> str:
    """Each censoring scheme's rules table and settings (an include fragment)."""
    out = []
    for name, scheme in SCHEMES.items():
        steps = ", ".join(
            f"every {s.interval_days} days from day {s.from_day}" for s in scheme.schedule
        )
        out += [
            f"### `{name}`",
            "",
            table(scheme.rules_table()),
            f"Settings: new therapy censors: {_yes(scheme.censor_at_new_therapy)}; missed "
            f"assessments: {scheme.missed_assessments or 'rule off'}; schedule: {steps}; window "
            f"{scheme.window_days} days; no baseline scan: `{scheme.no_baseline}`; duration "
            f"{'date - origin + 1 day' if scheme.add_one_day else 'date - origin'}.",
            "",
        ]
    return "\n".join(out)


def endpoint_definitions() -> str:
    """The endpoint definitions (an include fragment)."""
    rows = [
        {
            "endpoint": e.name,
            "origin": e.origin or "the call's origin (line start by default)",
            "events (earliest wins; ties: first listed)": "; ".join(
                s.description.replace("{criterion}", "criterion") for s in e.events
            ),
            "censoring (latest wins)": "; ".join(s.description for s in e.censors),
            "per criterion": _yes(e.per_criterion),
            "scheme rules apply": _yes(e.scheme_rules),
        }
        for e in ENDPOINTS.values()
    ]
    return table(pd.DataFrame(rows))


# --------------------------------------------------------------------------- config and CLI


def _type_name(annotation: Any) -> str:
    text = repr(annotation) if not isinstance(annotation, type) else annotation.__name__
    text = re.sub(r"\b(typing|pathlib|datetime|netsurv\.[\w.]+)\.", "", text)
    return text.replace("NoneType", "None")


def _sections(model: type[BaseModel], prefix: str) -> list[str]:
    out: list[str] = []
    rows, nested = [], []
    for key, f in model.model_fields.items():
        ann = f.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            nested.append((key, ann))
            continue
        if key == "base_dir":  # set by the loader, not by the user
            continue
        default = f.get_default(call_default_factory=True)
        rows.append((f"{prefix}{key}", _type_name(ann), repr(default)))
    if prefix:
        doc = inspect.getdoc(model) or ""
        out += [f"## `[{prefix[:-1]}]`", "", rst_to_md(doc), ""]
        if rows:
            out.append(table(pd.DataFrame(rows, columns=["key", "type", "default"])))
    for key, sub in nested:
        out += _sections(sub, f"{prefix}{key}.")
    return out


def config_reference() -> str:
    """Every config section and key with its type and default, from the pydantic models."""
    head = [
        "# Configuration reference",
        "",
        "Generated from the models of {py:mod}`netsurv.config`.  A config file is TOML; every "
        "section is optional, an unknown key is an error naming its path, and "
        "`--set section.key=value` overrides any key below.",
        "",
    ]
    return "\n".join(head + _sections(Config, "")) + "\n"


def cli_reference() -> str:
    """Every ``netsurv`` command with its arguments and options, from the typer app."""
    import typer

    from netsurv.cli import app

    group = typer.main.get_command(app)
    ctx = group.context_class(group, info_name="netsurv")
    out = ["# Command line", "", "Generated from {py:mod}`netsurv.cli`.", ""]
    for name in group.list_commands(ctx):  # type: ignore[attr-defined]
        cmd = group.get_command(ctx, name)  # type: ignore[attr-defined]
        sub = cmd.context_class(cmd, info_name=name, parent=ctx)
        out += [f"## `netsurv {name}`", "", "```text", cmd.get_usage(sub), "```", ""]
        out += [inspect.cleandoc(cmd.help or ""), ""]
        rows = []
        for p in cmd.params:
            if p.name == "help":
                continue
            option = p.param_type_name == "option"
            flags = " / ".join(p.opts + p.secondary_opts) if option else p.name.upper()
            rows.append((f"`{flags}`", getattr(p, "help", "") or "", _default(p)))
        if rows:
            out.append(
                table(pd.DataFrame(rows, columns=["argument or option", "meaning", "default"]))
            )
    return "\n".join(out) + "\n"


def _default(p: Any) -> str:
    if p.required:
        return "required"
    d = p.default
    if d is None or d == () or d is False or callable(d):
        return ""
    return f"`{d}`"


def notebook_parameters() -> str:
    """The small parameters each example notebook is executed with (an include fragment)."""
    from netsurv_docs.notebooks import SMALL

    rows = [
        (f"`{name}`", ", ".join(f"`{k} = {v!r}`" for k, v in params.items()) or "its defaults")
        for name, params in SMALL.items()
    ]
    return table(pd.DataFrame(rows, columns=["notebook", "executed with"]))


def all_pages(notes_file: Path) -> dict[str, str]:
    """File name under ``generated/`` -> content, for every generated page and fragment."""
    pages = preset_pages(notes_file)
    pages["fragments/censoring_schemes.md"] = censoring_schemes()
    pages["fragments/endpoint_definitions.md"] = endpoint_definitions()
    pages["fragments/notebook_parameters.md"] = notebook_parameters()
    pages["data_dictionary.md"] = data_dictionary_markdown()
    pages["config_reference.md"] = config_reference()
    pages["cli_reference.md"] = cli_reference()
    return pages
