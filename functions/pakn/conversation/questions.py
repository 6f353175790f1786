"""The quick questions (câu hỏi nhanh) asked at XONG when the classifier is unsure (config/routing.json
`ask`): what the item is about, and which department. Each is one message with numbered quick-reply
buttons; a tapped button sends its words as the citizen's own text, so an answer is read the same way when
typed: its number, or its words with or without diacritics ("thai do", "so tu phap", "không rõ").

The answer replaces the classifier's decision (`answered`). "Không rõ" leaves the decision as it was,
which for a department the model could not settle is the Office's triage desk: unknown beats wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from pakn.citizens.state import Question, QuestionKey
from pakn.delivery.outbox import MAX_BUTTONS, Button, OutboundMessage
from pakn.domain import messages
from pakn.domain.vocabulary import Language
from pakn.routing.classify import Classification
from pakn.routing.registry import Registry
from pakn.routing.route import Outcome
from pakn.routing.text import fold, normalise

QUESTION_OF: dict[Outcome, QuestionKey] = {"ask_kind": "kind", "ask_department": "department"}
# Zalo shows MAX_BUTTONS: the likeliest departments, and one button for "not known".
DEPARTMENT_CHOICES = MAX_BUTTONS - 1
# A reply longer than this that names no choice is more about the problem, not an answer.
ANSWER_WORDS = 8
# Words that may stand around a number and leave it the answer ("số 2", "2 ạ", "tôi chọn 1").
NUMBER_WORDS = frozenset({"so", "chon", "muc", "toi", "em", "la", "a", "number", "option"})
# What citizens may write for each kind, besides the words of its button, in either language.
KIND_WORDS: dict[str, tuple[str, ...]] = {
    "procedure": ("thủ tục", "thủ tục hành chính", "hồ sơ", "giấy tờ", "procedure"),
    "conduct": ("thái độ", "hành vi", "cán bộ", "thái độ cán bộ", "behaviour", "behavior", "conduct"),
    "regulation": ("đề xuất", "quy định", "sửa quy định", "kiến nghị", "proposal", "rule", "regulation"),
    "out_of_scope": ("khác", "việc khác", "cái khác", "không phải", "other", "something else", "none"),
}
DONT_KNOW = ("không rõ", "không biết", "chưa rõ", "không nhớ", "không chắc", "don't know", "not sure")
LANGUAGES: tuple[Language, ...] = ("vi", "en")


@dataclass(frozen=True)
class Answer:
    """What a reply said: one of the question's choices, or (`choice` None) that the citizen does not know."""

    choice: str | None


def asking(outcome: Outcome, choices: tuple[str, ...]) -> Question:
    """The question a route's outcome asks (one of QUESTION_OF), with the choices that fit on its buttons."""
    key = QUESTION_OF[outcome]
    shown = choices[:DEPARTMENT_CHOICES] if key == "department" else choices
    return Question(key=key, choices=list(shown))


def offered(question: Question) -> list[str | None]:
    """The buttons in order: the choices, and for the department question "not known" (None) last."""
    return [*question.choices, *([None] if question.key == "department" else [])]


def title(question: Question, choice: str | None, registry: Registry, language: Language) -> str:
    if choice is None:
        return messages.text("ask_department.unknown", language)
    if question.key == "kind":
        return messages.text(f"ask_kind.{choice}", language)
    return registry.get(choice).name


def message(question: Question, registry: Registry, language: Language) -> OutboundMessage:
    """The question with its numbered buttons; each button sends its own words."""
    titles = [title(question, choice, registry, language) for choice in offered(question)]
    return OutboundMessage(
        kind="buttons",
        text=messages.text(f"ask_{question.key}", language),
        buttons=[Button(title=f"{n}. {words}", payload=words) for n, words in enumerate(titles, 1)],
    )


def _phrases(question: Question, choice: str | None, registry: Registry) -> set[str]:
    """Everything that names `choice`, normalised: its button's words in both languages and the usual
    ways of saying it (a department's aliases, its name without "Sở")."""
    written = {title(question, choice, registry, language) for language in LANGUAGES}
    if choice is None:
        written.update(DONT_KNOW)
    elif question.key == "kind":
        written.update(KIND_WORDS[choice])
    else:
        agency = registry.get(choice)
        written.update(agency.aliases)
    phrases = {normalise(words) for words in written}
    phrases |= {phrase.removeprefix("so ") for phrase in phrases if phrase.startswith("so ")}
    return phrases - {""}


def understood(question: Question, text: str, registry: Registry) -> Answer | None:
    """The answer `text` gives to `question`, or None when it gives none: its number, or words naming
    exactly one choice (or that the citizen does not know)."""
    said = normalise(text)
    if not said or len(said.split()) > ANSWER_WORDS:
        return None
    choices = offered(question)
    # Numbers read before normalise(), which spells "1" as "một" (for "1 cửa").
    rest = [word for word in re.findall(r"[a-z0-9]+", fold(text)) if word not in NUMBER_WORDS]
    if len(rest) == 1 and rest[0].isdigit():
        number = int(rest[0])
        return Answer(choices[number - 1]) if 1 <= number <= len(choices) else None
    phrases = {choice: _phrases(question, choice, registry) for choice in choices}
    exact = [choice for choice, named in phrases.items() if said in named]
    if len(exact) == 1:
        return Answer(exact[0])
    within = [choice for choice, named in phrases.items() if any(f" {p} " in f" {said} " for p in named)]
    return Answer(within[0]) if len(within) == 1 else None


def more_content(text: str) -> bool:
    """A reply too long to be an answer: it is more about the problem, and joins the draft."""
    return len(normalise(text).split()) > ANSWER_WORDS


def answered(classification: Classification, questions: list[Question], registry: Registry) -> Classification:
    """`classification` with the citizen's answers in place of the classifier's unsure decisions: a kind
    they chose is certain, and so are the level and agency of a department they chose; "something else"
    takes the item out of scope. An item read as out of scope, but not surely, that the citizen says is of
    a kind this channel takes is read as that kind (`Classification.in_scope`); one read so surely (the text
    changed since, by an edit) stays out of scope: it has no level or agency for an answer to join."""
    if classification.kind == "out_of_scope":
        said_in_scope = any(q.key == "kind" and q.answer not in (None, "out_of_scope") for q in questions)
        if not said_in_scope or classification.in_scope is None:
            return classification
        classification = classification.in_scope
    for question in questions:
        if question.answer is None:
            continue
        if question.key == "kind" and question.answer == "out_of_scope":
            # None of the kinds this channel takes: nothing is filed, whatever level and agency were read.
            return replace(
                classification,
                kind="out_of_scope",
                level=None,
                agency_id=None,
                agency_name=None,
                confidence=1.0,
                kind_confidence=1.0,
                place_ambiguous=False,
                place_candidates=(),
            )
        if question.key == "kind":
            kind_p = classification.kind_confidence
            # The confidence is the product of the decisions' probabilities: the kind's is now 1.
            confidence = classification.confidence
            if kind_p:
                confidence = min(1.0, round(confidence / kind_p, 2))
            classification = replace(
                classification, kind=question.answer, kind_confidence=1.0, confidence=confidence
            )
        else:
            agency = registry.get(question.answer)
            kind_p = classification.kind_confidence
            classification = replace(
                classification,
                level="department",
                agency_id=agency.id,
                agency_name=agency.name,
                level_confidence=1.0,
                agency_confidence=1.0,
                confidence=round(kind_p, 2) if kind_p is not None else classification.confidence,
                place_ambiguous=False,
                place_candidates=(),
            )
    return classification
