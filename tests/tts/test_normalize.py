"""Text normalisation per language: what SOPs are full of becomes words."""

import pytest

from tts.normalize import normalize
from tts.lexicon import lexicon_for


@pytest.mark.parametrize(
    "language, text, expected",
    [
        ("en", "Wait 5 minutes.", "Wait five minutes."),
        ("en", "1. Switch off the machine.", "Step one, Switch off the machine."),
        ("en", "Go back to Step 3: rinse it. step 12: dry", "Go back to Step three, rinse it. step twelve, dry"),
        ("en", "Step 4 is done at 10:30.", "Step four is done at ten thirty."),
        ("en", "Heat to 80 °C for 2.5 h.", "Heat to eighty degrees Celsius for two point five hours."),
        ("en", "Add 1,500 kg, 10% more.", "Add one thousand, five hundred kilograms, ten percent more."),
        ("en", "It costs $12.50.", "It costs twelve dollars and fifty cents."),
        ("en", "On 2024-03-15 at 14:30.", "On March fifteenth, twenty twenty-four at fourteen thirty."),
        ("en", "The 3rd valve, e.g. the red one.", "The third valve, for example the red one."),
        ("en", "Cool to -5 °C, 3-4 times, 12 mm.", "Cool to minus five degrees Celsius, three to four times, twelve millimetres."),
        ("pt-BR", "Espere 5 min a 80 °C.", "Espere cinco minutos a oitenta graus Celsius."),
        ("pt-BR", "2. Remova o bico.", "Passo dois: Remova o bico."),
        ("pt-BR", "Custa R$ 12,50, 10% a mais.", "Custa doze reais e cinquenta centavos, dez por cento a mais."),
        ("pt-BR", "Em 15/03/2024 às 14:30, o 3º passo.", "Em quinze de março de dois mil e vinte e quatro às catorze e trinta, o terceiro passo."),
        ("pt-BR", "Use 2,5 kg e 1.000 mm.", "Use dois vírgula cinco quilos e mil milímetros."),
        ("es", "Espere 5 min a 80 °C.", "Espere cinco minutos a ochenta grados Celsius."),
        ("es", "Cuesta 12,50 €, p. ej. el 1.º.", "Cuesta doce euros con cincuenta céntimos, por ejemplo el primero."),
        ("es", "A las 14:30 del 15/03/2024.", "A las catorce y treinta del quince de marzo de dos mil veinticuatro."),
        ("de", "Warten Sie 5 min bei 80 °C.", "Warten Sie fünf Minuten bei achtzig Grad Celsius."),
        ("de", "3. Nehmen Sie z. B. 2,5 kg.", "Schritt drei: Nehmen Sie zum Beispiel zwei Komma fünf Kilogramm."),
        ("de", "Um 14:30 am 15.03.2024.", "Um vierzehn Uhr dreißig am fünfzehnten März zweitausendvierundzwanzig."),
        ("fr", "Attendez 5 min à 80 °C.", "Attendez cinq minutes à quatre-vingts degrés Celsius."),
        ("fr", "Le 1er pas coûte 12,50 €.", "Le premier pas coûte douze euros et cinquante centimes."),
        ("fr", "À 14h30, 10 % de 2,5 kg.", "À quatorze heures trente, dix pour cent de deux virgule cinq kilos."),
        ("it", "Attendere 5 min a 80 °C.", "Attendere cinque minuti a ottanta gradi Celsius."),
    ],
)
def test_normalises_sop_text(language, text, expected):
    assert normalize(text, language) == expected


def test_words_stay_as_they_are():
    text = "Dry the nozzle with a clean cloth."
    assert normalize(text, "en") == text


def test_lexicon_spells_acronyms_before_numbers():
    out = normalize("Wear PPE for 5 min.", "en", lexicon_for("en"))
    assert out == "Wear P P E for five minutes."
    assert normalize("Wear PPE.", "en") == "Wear PPE."  # negative control: no lexicon, no change


def test_language_without_tables_still_spells_numbers():
    assert "5" not in normalize("5", "nl")
    assert normalize("Fünf", "xx-unknown") == "Fünf"


@pytest.mark.parametrize(
    "language, text, expected",
    [
        ("pt-BR", "Aperte com 2,5 Nm; 1 Nm basta.", "Aperte com dois vírgula cinco newton-metros; um newton-metro basta."),
        ("pt-BR", "Gire a 1500 rpm com 3 kW.", "Gire a mil e quinhentos rotações por minuto com três quilowatts."),
        ("es", "Apriete a 2,5 Nm.", "Apriete a dos coma cinco newton metros."),
        ("de", "Mit 2,5 Nm anziehen.", "Mit zwei Komma fünf Newtonmeter anziehen."),
        ("it", "Serrare a 2,5 Nm.", "Serrare a due virgola cinque newton metri."),
        ("fr", "Serrer à 2,5 Nm.", "Serrer à deux virgule cinq newton-mètres."),
    ],
)
def test_torque_power_and_speed_units_are_spelled(language, text, expected):
    assert normalize(text, language) == expected
