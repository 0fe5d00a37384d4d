"""Text normalisation for speech: what SOPs are full of, spelled out per language.

Numbers (cardinal, ordinal, decimal), percentages, currencies, dates, times, units, step
numbers and common abbreviations become words, so every backend reads them the same way and the
phoneme timeline matches what is heard. num2words spells the numbers; the surrounding words
(units, months, "percent") come from the tables below. Languages without a table keep their
digits for espeak-ng, which reads numbers itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from tts.languages import base, num2words_name


@dataclass(frozen=True)
class _Words:
    decimal: str
    percent: str
    step: str
    range_to: str
    minus: str
    months: tuple[str, ...]
    # unit symbol → (singular, plural)
    units: Mapping[str, tuple[str, str]]
    # currency code → (singular, plural, cent singular, cent plural)
    currencies: Mapping[str, tuple[str, str, str, str]]
    currency_and: str
    abbreviations: Mapping[str, str] = field(default_factory=dict)
    ordinal_suffix: str = ""  # regex matching the ordinal suffix after digits
    thousands: str = "."
    decimal_mark: str = ","
    step_mark: str = ":"  # what follows "Step <n>" ("Step one: Switch off")


_EN = _Words(
    # "Step one, Switch off": with a colon Whisper base heard Piper's "Step one:" as "Set one" in 16 of
    # 48 step markers (4 of 12 runs), with a full stop in 10 of 48, with a comma in 0 of 48
    # (bench/bench_step_numbers.py, 12 runs; the comma's short pause releases the /p/).
    step_mark=",",
    decimal="point", percent="percent", step="Step", range_to="to", minus="minus",
    months=("January", "February", "March", "April", "May", "June", "July", "August", "September",
            "October", "November", "December"),
    units={
        "min": ("minute", "minutes"), "h": ("hour", "hours"), "s": ("second", "seconds"),
        "ms": ("millisecond", "milliseconds"), "kg": ("kilogram", "kilograms"), "g": ("gram", "grams"),
        "mg": ("milligram", "milligrams"), "°C": ("degree Celsius", "degrees Celsius"),
        "°F": ("degree Fahrenheit", "degrees Fahrenheit"), "°": ("degree", "degrees"),
        "mm": ("millimetre", "millimetres"), "cm": ("centimetre", "centimetres"), "m": ("metre", "metres"),
        "km": ("kilometre", "kilometres"), "ml": ("millilitre", "millilitres"), "l": ("litre", "litres"),
        "L": ("litre", "litres"), "bar": ("bar", "bar"), "V": ("volt", "volts"), "W": ("watt", "watts"),
        "kW": ("kilowatt", "kilowatts"), "Nm": ("newton metre", "newton metres"), "rpm": ("rpm", "rpm"),
    },
    currencies={"USD": ("dollar", "dollars", "cent", "cents"), "EUR": ("euro", "euros", "cent", "cents"),
                "GBP": ("pound", "pounds", "penny", "pence"), "BRL": ("real", "reais", "centavo", "centavos")},
    currency_and="and",
    abbreviations={"e.g.": "for example", "i.e.": "that is", "etc.": "et cetera", "approx.": "approximately",
                   "No.": "number", "no.": "number", "Fig.": "figure", "vs.": "versus", "Mr.": "Mister",
                   "Mrs.": "Missus", "Dr.": "Doctor", "max.": "maximum", "min.": "minimum"},
    ordinal_suffix=r"(?:st|nd|rd|th)\b", thousands=",", decimal_mark=".",
)

_PT = _Words(
    decimal="vírgula", percent="por cento", step="Passo", range_to="a", minus="menos",
    months=("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro",
            "outubro", "novembro", "dezembro"),
    units={
        "min": ("minuto", "minutos"), "h": ("hora", "horas"), "s": ("segundo", "segundos"),
        "ms": ("milissegundo", "milissegundos"), "kg": ("quilo", "quilos"), "g": ("grama", "gramas"),
        "mg": ("miligrama", "miligramas"), "°C": ("grau Celsius", "graus Celsius"), "°": ("grau", "graus"),
        "mm": ("milímetro", "milímetros"), "cm": ("centímetro", "centímetros"), "m": ("metro", "metros"),
        "km": ("quilômetro", "quilômetros"), "ml": ("mililitro", "mililitros"), "l": ("litro", "litros"),
        "L": ("litro", "litros"), "bar": ("bar", "bar"), "V": ("volt", "volts"), "W": ("watt", "watts"),
        "kW": ("quilowatt", "quilowatts"), "Nm": ("newton-metro", "newton-metros"),
        "rpm": ("rotação por minuto", "rotações por minuto"),
    },
    currencies={"BRL": ("real", "reais", "centavo", "centavos"), "USD": ("dólar", "dólares", "centavo", "centavos"),
                "EUR": ("euro", "euros", "cêntimo", "cêntimos"), "GBP": ("libra", "libras", "pêni", "pence")},
    currency_and="e",
    abbreviations={"p. ex.": "por exemplo", "p.ex.": "por exemplo", "aprox.": "aproximadamente",
                   "nº": "número", "n.º": "número", "Nº": "número", "Sr.": "senhor", "Sra.": "senhora",
                   "Dr.": "doutor", "etc.": "etcétera", "máx.": "máximo", "mín.": "mínimo"},
    ordinal_suffix=r"[ºª°](?!C)",
)

_ES = _Words(
    decimal="coma", percent="por ciento", step="Paso", range_to="a", minus="menos",
    months=("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
            "octubre", "noviembre", "diciembre"),
    units={
        "min": ("minuto", "minutos"), "h": ("hora", "horas"), "s": ("segundo", "segundos"),
        "kg": ("kilo", "kilos"), "g": ("gramo", "gramos"), "mg": ("miligramo", "miligramos"),
        "°C": ("grado Celsius", "grados Celsius"), "°": ("grado", "grados"), "mm": ("milímetro", "milímetros"),
        "cm": ("centímetro", "centímetros"), "m": ("metro", "metros"), "km": ("kilómetro", "kilómetros"),
        "ml": ("mililitro", "mililitros"), "l": ("litro", "litros"), "L": ("litro", "litros"),
        "bar": ("bar", "bares"), "V": ("voltio", "voltios"), "W": ("vatio", "vatios"),
        "kW": ("kilovatio", "kilovatios"), "Nm": ("newton metro", "newton metros"),
        "rpm": ("revolución por minuto", "revoluciones por minuto"),
    },
    currencies={"EUR": ("euro", "euros", "céntimo", "céntimos"), "USD": ("dólar", "dólares", "centavo", "centavos"),
                "BRL": ("real", "reales", "centavo", "centavos"), "GBP": ("libra", "libras", "penique", "peniques")},
    currency_and="con",
    abbreviations={"p. ej.": "por ejemplo", "p.ej.": "por ejemplo", "aprox.": "aproximadamente",
                   "n.º": "número", "nº": "número", "Sr.": "señor", "Sra.": "señora", "Dr.": "doctor",
                   "etc.": "etcétera", "máx.": "máximo", "mín.": "mínimo"},
    ordinal_suffix=r"\.?[ºªo°](?!C)",
)

_DE = _Words(
    decimal="Komma", percent="Prozent", step="Schritt", range_to="bis", minus="minus",
    months=("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
            "November", "Dezember"),
    units={
        "min": ("Minute", "Minuten"), "h": ("Stunde", "Stunden"), "s": ("Sekunde", "Sekunden"),
        "kg": ("Kilogramm", "Kilogramm"), "g": ("Gramm", "Gramm"), "mg": ("Milligramm", "Milligramm"),
        "°C": ("Grad Celsius", "Grad Celsius"), "°": ("Grad", "Grad"), "mm": ("Millimeter", "Millimeter"),
        "cm": ("Zentimeter", "Zentimeter"), "m": ("Meter", "Meter"), "km": ("Kilometer", "Kilometer"),
        "ml": ("Milliliter", "Milliliter"), "l": ("Liter", "Liter"), "L": ("Liter", "Liter"),
        "bar": ("bar", "bar"), "V": ("Volt", "Volt"), "W": ("Watt", "Watt"), "kW": ("Kilowatt", "Kilowatt"),
        "Nm": ("Newtonmeter", "Newtonmeter"), "rpm": ("Umdrehung pro Minute", "Umdrehungen pro Minute"),
    },
    currencies={"EUR": ("Euro", "Euro", "Cent", "Cent"), "USD": ("Dollar", "Dollar", "Cent", "Cent"),
                "GBP": ("Pfund", "Pfund", "Penny", "Pence"), "BRL": ("Real", "Reais", "Centavo", "Centavos")},
    currency_and="und",
    abbreviations={"z. B.": "zum Beispiel", "z.B.": "zum Beispiel", "ca.": "circa", "bzw.": "beziehungsweise",
                   "Nr.": "Nummer", "usw.": "und so weiter", "d. h.": "das heißt", "d.h.": "das heißt",
                   "max.": "maximal", "min.": "minimal", "Hr.": "Herr", "Fr.": "Frau", "Dr.": "Doktor"},
    ordinal_suffix="",  # "3." is ambiguous in German prose; dates and steps cover the clear cases
    thousands=".",
)

_FR = _Words(
    decimal="virgule", percent="pour cent", step="Étape", range_to="à", minus="moins",
    months=("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
            "novembre", "décembre"),
    units={
        "min": ("minute", "minutes"), "h": ("heure", "heures"), "s": ("seconde", "secondes"),
        "kg": ("kilo", "kilos"), "g": ("gramme", "grammes"), "mg": ("milligramme", "milligrammes"),
        "°C": ("degré Celsius", "degrés Celsius"), "°": ("degré", "degrés"), "mm": ("millimètre", "millimètres"),
        "cm": ("centimètre", "centimètres"), "m": ("mètre", "mètres"), "km": ("kilomètre", "kilomètres"),
        "ml": ("millilitre", "millilitres"), "l": ("litre", "litres"), "L": ("litre", "litres"),
        "bar": ("bar", "bars"), "V": ("volt", "volts"), "W": ("watt", "watts"), "kW": ("kilowatt", "kilowatts"),
        "Nm": ("newton-mètre", "newton-mètres"), "rpm": ("tour par minute", "tours par minute"),
    },
    currencies={"EUR": ("euro", "euros", "centime", "centimes"), "USD": ("dollar", "dollars", "cent", "cents"),
                "GBP": ("livre", "livres", "penny", "pence"), "BRL": ("réal", "reais", "centavo", "centavos")},
    currency_and="et",
    abbreviations={"p. ex.": "par exemple", "p.ex.": "par exemple", "env.": "environ", "n°": "numéro",
                   "N°": "numéro", "etc.": "et cetera", "M.": "Monsieur", "Mme": "Madame", "max.": "maximum",
                   "min.": "minimum"},
    ordinal_suffix=r"(?:er|re|ère|e|ème)\b",
    thousands=" ",
)

_IT = _Words(
    decimal="virgola", percent="per cento", step="Passo", range_to="a", minus="meno",
    months=("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre",
            "ottobre", "novembre", "dicembre"),
    units={
        "min": ("minuto", "minuti"), "h": ("ora", "ore"), "s": ("secondo", "secondi"), "kg": ("chilo", "chili"),
        "g": ("grammo", "grammi"), "°C": ("grado Celsius", "gradi Celsius"), "°": ("grado", "gradi"),
        "mm": ("millimetro", "millimetri"), "cm": ("centimetro", "centimetri"), "m": ("metro", "metri"),
        "km": ("chilometro", "chilometri"), "ml": ("millilitro", "millilitri"), "l": ("litro", "litri"),
        "L": ("litro", "litri"), "bar": ("bar", "bar"), "V": ("volt", "volt"), "W": ("watt", "watt"),
        "kW": ("chilowatt", "chilowatt"), "Nm": ("newton metro", "newton metri"), "rpm": ("giro al minuto", "giri al minuto"),
    },
    currencies={"EUR": ("euro", "euro", "centesimo", "centesimi"), "USD": ("dollaro", "dollari", "centesimo", "centesimi"),
                "GBP": ("sterlina", "sterline", "penny", "pence"), "BRL": ("real", "reais", "centavo", "centavos")},
    currency_and="e",
    abbreviations={"ad es.": "ad esempio", "ecc.": "eccetera", "n.": "numero", "Sig.": "signor",
                   "Sig.ra": "signora", "Dott.": "dottor", "max.": "massimo", "min.": "minimo"},
    ordinal_suffix=r"[ºª°](?!C)",
)

_TABLES = {"en": _EN, "pt": _PT, "es": _ES, "de": _DE, "fr": _FR, "it": _IT}

_CURRENCY_SYMBOLS = {"R$": "BRL", "US$": "USD", "$": "USD", "€": "EUR", "£": "GBP"}
_CURRENCY_CODES = ("USD", "EUR", "GBP", "BRL")

# One number: digits with optional thousands groups and decimals; separators resolved per language.
_NUM = r"\d{1,3}(?:[.,\u00a0\u202f ]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?"


class Normalizer:
    """Spell out numbers, units, dates and abbreviations in one language."""

    def __init__(self, language: str, lexicon: Mapping[str, str] | None = None):
        self.language = language
        self.words = _TABLES.get(base(language))
        self.n2w = num2words_name(language)
        self.lexicon = dict(lexicon or {})

    # -- numbers --------------------------------------------------------------------------

    def _parse(self, token: str) -> tuple[int, str] | None:
        """(integer part, decimal digits) of a number token in this language's notation."""
        w = self.words
        thousands, decimal = (w.thousands, w.decimal_mark) if w else (",", ".")
        t = token.replace("\u00a0", " ").replace("\u202f", " ")
        if decimal == ",":
            # "2.5" in a comma-decimal language is still a decimal unless it groups three digits.
            if "," not in t and re.fullmatch(r"\d+\.\d{1,2}", t):
                t = t.replace(".", ",")
            t = t.replace(".", "").replace(" ", "")
            whole, _, frac = t.partition(",")
        else:
            t = t.replace(",", "").replace(" ", "") if re.search(r",\d{3}\b", t) else t.replace(",", ".")
            whole, _, frac = t.partition(".")
        if not whole.isdigit():
            return None
        return int(whole), frac

    def cardinal(self, n: int) -> str:
        from num2words import num2words

        return num2words(n, lang=self.n2w) if self.n2w else str(n)

    def ordinal(self, n: int) -> str:
        from num2words import num2words

        try:
            return num2words(n, lang=self.n2w, to="ordinal") if self.n2w else str(n)
        except NotImplementedError:
            return self.cardinal(n)

    def number(self, token: str) -> str:
        parsed = self._parse(token)
        if parsed is None:
            return token
        whole, frac = parsed
        spoken = self.cardinal(whole)
        if frac and self.words:
            # Decimals read digit by digit after the mark keep leading zeros ("2.05" → two point zero five).
            digits = " ".join(self.cardinal(int(d)) for d in frac) if len(frac) > 2 or frac.startswith("0") \
                else self.cardinal(int(frac))
            spoken = f"{spoken} {self.words.decimal} {digits}"
        elif frac:
            spoken = f"{spoken} {self.cardinal(int(frac))}"
        return spoken

    def _value(self, token: str) -> float:
        parsed = self._parse(token)
        return float(f"{parsed[0]}.{parsed[1] or 0}") if parsed else 0.0

    # -- the passes -----------------------------------------------------------------------

    def __call__(self, text: str) -> str:
        text = self._apply_lexicon(text)
        if self.words is None:
            return self._plain_numbers(text)
        w = self.words
        text = self._abbreviations(text)
        text = self._steps(text)
        text = self._dates(text)
        text = self._times(text)
        text = re.sub(rf"(?<![\w\d])-(?=\d)", f"{w.minus} ", text)
        text = self._currencies(text)
        text = re.sub(rf"({_NUM})\s?%", lambda m: f"{self.number(m.group(1))} {w.percent}", text)
        text = self._units(text)
        text = self._ranges(text)
        if w.ordinal_suffix:
            text = re.sub(rf"\b(\d+){w.ordinal_suffix}", lambda m: self.ordinal(int(m.group(1))), text)
        text = self._plain_numbers(text)
        return re.sub(r"[ \t]{2,}", " ", text).strip()

    def _apply_lexicon(self, text: str) -> str:
        for word, spoken in sorted(self.lexicon.items(), key=lambda kv: -len(kv[0])):
            text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", spoken, text)
        return text

    def _abbreviations(self, text: str) -> str:
        for abbr, spoken in sorted(self.words.abbreviations.items(), key=lambda kv: -len(kv[0])):
            # Not after a number ("5 min." is a unit); an abbreviation's dot that ends the text
            # also ends the sentence, so it stays.
            pattern = rf"(?<!\d)(?<!\d\s)(?<!\w){re.escape(abbr)}(?!\w)"
            text = re.sub(pattern, lambda m: spoken + ("." if abbr.endswith(".") and m.end() == len(text) else ""), text)
        return text

    def _steps(self, text: str) -> str:
        # "1. Switch off" / "2) Remove" at the start of a line, and "Step 1:" written out, → "Step one:
        # Switch off" (the language's step mark after the number).
        w = self.words
        text = re.sub(
            r"(?m)^(\s*)(\d{1,3})[.)]\s+(?=\S)",
            lambda m: f"{m.group(1)}{w.step} {self.cardinal(int(m.group(2)))}{w.step_mark} ",
            text,
        )
        return re.sub(rf"\b({re.escape(w.step)})\s+(\d{{1,3}})\s*:(?=\s)",
                      lambda m: f"{m.group(1)} {self.cardinal(int(m.group(2)))}{w.step_mark}", text, flags=re.I)

    def _date_words(self, year: int, month: int, day: int) -> str:
        from num2words import num2words

        w = self.words
        month_name = w.months[month - 1]
        lang = base(self.language)
        try:
            year_words = num2words(year, lang=self.n2w, to="year")
        except (NotImplementedError, TypeError):
            year_words = self.cardinal(year)
        if lang == "en":
            return f"{month_name} {self.ordinal(day)}, {year_words}"
        if lang == "de":
            return f"{self.ordinal(day)}n {month_name} {year_words}"
        if lang == "fr":
            return f"{'premier' if day == 1 else self.cardinal(day)} {month_name} {year_words}"
        if lang == "it":
            return f"{'primo' if day == 1 else self.cardinal(day)} {month_name} {year_words}"
        day_words = self.ordinal(day) if (lang == "pt" and day == 1) else self.cardinal(day)
        return f"{day_words} de {month_name} de {year_words}"

    def _dates(self, text: str) -> str:
        def iso(m: re.Match) -> str:
            y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
            return self._date_words(y, mo, d) if 1 <= mo <= 12 and 1 <= d <= 31 else m.group(0)

        def slashed(m: re.Match) -> str:
            a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
            if y < 100:
                y += 2000
            mo, d = (a, b) if base(self.language) == "en" else (b, a)
            return self._date_words(y, mo, d) if 1 <= mo <= 12 and 1 <= d <= 31 else m.group(0)

        text = re.sub(r"\b(\d{4})-(\d{2})-(\d{2})\b", iso, text)
        return re.sub(r"\b(\d{1,2})[/.](\d{1,2})[/.](\d{4}|\d{2})\b", slashed, text)

    def _times(self, text: str) -> str:
        lang = base(self.language)

        def spoken(m: re.Match) -> str:
            h, mi = int(m.group(1)), int(m.group(2))
            if h > 24 or mi > 59:
                return m.group(0)
            hours = self.cardinal(h)
            if lang == "en":
                if mi == 0:
                    return f"{hours} o'clock"
                return f"{hours} {'oh ' if mi < 10 else ''}{self.cardinal(mi)}"
            if lang == "de":
                return f"{hours} Uhr" + (f" {self.cardinal(mi)}" if mi else "")
            if lang == "fr":
                return f"{hours} heure{'s' if h > 1 else ''}" + (f" {self.cardinal(mi)}" if mi else "")
            joiner = {"pt": "e", "es": "y", "it": "e"}.get(lang, "")
            return hours + (f" {joiner} {self.cardinal(mi)}" if mi else "")

        return re.sub(r"\b(\d{1,2})[:h](\d{2})\b(?!\s*(?:min|h)\b)", spoken, text)

    def _currencies(self, text: str) -> str:
        def say(code: str, amount: str) -> str:
            sg, pl, csg, cpl = self.words.currencies.get(code, (code, code, "", ""))
            parsed = self._parse(amount)
            if parsed is None:
                return amount
            whole, frac = parsed
            out = f"{self.cardinal(whole)} {sg if whole == 1 else pl}"
            cents = int((frac + "0")[:2]) if frac else 0
            if cents and csg:
                out += f" {self.words.currency_and} {self.cardinal(cents)} {csg if cents == 1 else cpl}"
            return out

        symbols = "|".join(re.escape(s) for s in sorted(_CURRENCY_SYMBOLS, key=len, reverse=True))
        codes = "|".join(_CURRENCY_CODES)
        text = re.sub(rf"({symbols})\s?({_NUM})", lambda m: say(_CURRENCY_SYMBOLS[m.group(1)], m.group(2)), text)
        text = re.sub(rf"({_NUM})\s?({symbols})", lambda m: say(_CURRENCY_SYMBOLS[m.group(2)], m.group(1)), text)
        text = re.sub(rf"\b({codes})\s?({_NUM})", lambda m: say(m.group(1), m.group(2)), text)
        return re.sub(rf"({_NUM})\s?({codes})\b", lambda m: say(m.group(2), m.group(1)), text)

    def _units(self, text: str) -> str:
        units = self.words.units
        names = "|".join(re.escape(u) for u in sorted(units, key=len, reverse=True))

        def say(m: re.Match) -> str:
            sg, pl = units[m.group(2)]
            return f"{self.number(m.group(1))} {sg if self._value(m.group(1)) == 1 else pl}"

        return re.sub(rf"({_NUM})\s?({names})(?![\w°])", say, text)

    def _ranges(self, text: str) -> str:
        return re.sub(
            rf"\b({_NUM})\s?[-–]\s?({_NUM})\b",
            lambda m: f"{self.number(m.group(1))} {self.words.range_to} {self.number(m.group(2))}",
            text,
        )

    def _plain_numbers(self, text: str) -> str:
        if not self.n2w:
            return text
        return re.sub(rf"(?<![\w]){_NUM}(?![\w])", lambda m: self.number(m.group(0)), text)


def normalize(text: str, language: str, lexicon: Mapping[str, str] | None = None) -> str:
    """`text` with numbers, units, dates, times and abbreviations spelled out in `language`."""
    return Normalizer(language, lexicon)(text)
