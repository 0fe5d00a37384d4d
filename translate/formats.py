"""Reading translation exchange files (provided translations): XLIFF 1.2 and 2.x,
gettext PO, CSV and JSON. Pure file formats, no translation logic."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

from translate.errors import TranslationError

XLIFF2 = "urn:oasis:names:tc:xliff:document:2.0"


class FormatError(TranslationError):
    """A translation file is malformed."""


@dataclass(frozen=True)
class Unit:
    id: str
    source: str
    target: str | None        # None: the file has no target for this unit
    approved: bool = False
    machine: str | None = None  # a machine translation carried alongside (alt-trans)
    note: str = ""


@dataclass(frozen=True)
class Exchange:
    source_language: str | None
    target_language: str | None
    units: tuple[Unit, ...]


def _text(data: str | bytes | Path) -> bytes:
    if isinstance(data, Path):
        try:
            return data.read_bytes()
        except OSError as exc:
            raise FormatError(f"cannot read {data}: {exc.strerror}") from exc
    return data.encode("utf-8") if isinstance(data, str) else data


def _parser():
    from lxml import etree

    # no entities, no network: an exchange file from outside must not reach into this machine
    return etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)


def _all_text(el) -> str:
    return "".join(el.itertext()) if el is not None else ""


def read_xliff(data: str | bytes | Path) -> Exchange:
    from lxml import etree

    try:
        root = etree.fromstring(_text(data), _parser())
    except etree.XMLSyntaxError as exc:
        raise FormatError(f"the XLIFF file is not well-formed XML ({exc}); export it again") from exc
    ns = etree.QName(root).namespace or ""
    q = (lambda tag: f"{{{ns}}}{tag}") if ns else (lambda tag: tag)
    units: list[Unit] = []
    if ns == XLIFF2 or root.get("version", "").startswith("2"):
        src_lang, tgt_lang = root.get("srcLang"), root.get("trgLang")
        for unit in root.iter(q("unit")):
            seg = unit.find(q("segment"))
            if seg is None:
                continue
            target = seg.find(q("target"))
            units.append(Unit(unit.get("id", str(len(units) + 1)), _all_text(seg.find(q("source"))),
                              _all_text(target) if target is not None else None,
                              approved=seg.get("state") == "final"))
        return Exchange(src_lang, tgt_lang, tuple(units))
    file_el = root.find(q("file"))
    src_lang = file_el.get("source-language") if file_el is not None else None
    tgt_lang = file_el.get("target-language") if file_el is not None else None
    for tu in root.iter(q("trans-unit")):
        target = tu.find(q("target"))
        alt = tu.find(f"{q('alt-trans')}/{q('target')}")
        note = tu.find(q("note"))
        units.append(Unit(
            tu.get("id", str(len(units) + 1)), _all_text(tu.find(q("source"))),
            _all_text(target) if target is not None and (_all_text(target) or target.get("state")) else None,
            approved=tu.get("approved") == "yes" or (target is not None and target.get("state") in ("final", "signed-off")),
            machine=_all_text(alt) if alt is not None else None,
            note=_all_text(note)))
    return Exchange(src_lang, tgt_lang, tuple(units))


def read_po(data: str | bytes | Path) -> Exchange:
    import polib

    try:
        po = polib.pofile(str(data)) if isinstance(data, Path) else polib.pofile(
            data.decode("utf-8") if isinstance(data, bytes) else data)
    except (OSError, ValueError) as exc:
        raise FormatError(f"the PO file cannot be read ({exc}); check it with msgfmt --check") from exc
    language = po.metadata.get("Language") or None
    source = po.metadata.get("X-Source-Language") or None
    units = tuple(Unit(e.msgctxt or str(i + 1), e.msgid, e.msgstr or None,
                       approved=bool(e.msgstr) and "fuzzy" not in e.flags)
                  for i, e in enumerate(po) if not e.obsolete)
    return Exchange(source, language, units)


def read_csv_rows(data: str | bytes | Path) -> tuple[list[str], list[dict[str, str]]]:
    raw = _text(data).decode("utf-8-sig")
    try:
        reader = csv.DictReader(io.StringIO(raw))
        rows = list(reader)
    except csv.Error as exc:
        raise FormatError(f"the CSV file cannot be parsed ({exc}); save it as UTF-8 CSV") from exc
    return list(reader.fieldnames or []), rows


def read_json(data: str | bytes | Path):
    try:
        return json.loads(_text(data).decode("utf-8-sig"))
    except ValueError as exc:
        raise FormatError(f"the JSON file is not valid JSON ({exc})") from exc
