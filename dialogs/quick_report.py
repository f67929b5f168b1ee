"""Reads `report Jane Smith phone abusive`: known words prefill the form; everything else is the customer."""

from __future__ import annotations

from casework.vocabulary import ContactChannel, UnreasonableAction

_CHANNEL_WORDS = {
    "phone": ContactChannel.TELEPHONE,
    "telephone": ContactChannel.TELEPHONE,
    "call": ContactChannel.TELEPHONE,
    "email": ContactChannel.EMAIL,
    "e-mail": ContactChannel.EMAIL,
    "letter": ContactChannel.LETTER,
    "visit": ContactChannel.IN_PERSON,
    "reception": ContactChannel.IN_PERSON,
    "office": ContactChannel.IN_PERSON,
    "social": ContactChannel.SOCIAL_MEDIA,
    "facebook": ContactChannel.SOCIAL_MEDIA,
    "twitter": ContactChannel.SOCIAL_MEDIA,
    "online": ContactChannel.ONLINE_FORM,
    "form": ContactChannel.ONLINE_FORM,
    "home": ContactChannel.HOME_VISIT,
}
_ACTION_WORDS = {
    "abusive": UnreasonableAction.ABUSIVE_OR_THREATENING,
    "abuse": UnreasonableAction.ABUSIVE_OR_THREATENING,
    "threatening": UnreasonableAction.ABUSIVE_OR_THREATENING,
    "threat": UnreasonableAction.ABUSIVE_OR_THREATENING,
    "racist": UnreasonableAction.ABUSIVE_OR_THREATENING,
    "swearing": UnreasonableAction.ABUSIVE_OR_THREATENING,
    "intimidating": UnreasonableAction.ABUSIVE_OR_THREATENING,
    "repeat": UnreasonableAction.REPEAT_CONTACTS,
    "excessive": UnreasonableAction.EXCESSIVE_DEMANDS,
    "demanding": UnreasonableAction.EXCESSIVE_DEMANDS,
    "false": UnreasonableAction.FALSE_INFORMATION,
    "scatter": UnreasonableAction.SCATTER_GUN,
}


_RECORDING_WORDS = frozenset({"recording", "recorded", "filming", "filmed"})
"""A customer recording us is not in itself unreasonable (s7.3): the word ticks "they said they were recording",
not a misuse from s7.2, which the reporter chooses themselves if it applies."""


def parse_quick_report(text: str) -> dict[str, str]:
    """Form values from the words after `report`; words it does not know are left as the customer's name."""
    channel: ContactChannel | None = None
    recording = False
    actions: list[UnreasonableAction] = []
    name_words: list[str] = []
    for word in text.split():
        key = word.lower().strip(".,;:!")
        if key in _CHANNEL_WORDS and channel is None:
            channel = _CHANNEL_WORDS[key]
        elif key in _RECORDING_WORDS:
            recording = True
        elif key in _ACTION_WORDS:
            if _ACTION_WORDS[key] not in actions:
                actions.append(_ACTION_WORDS[key])
        else:
            name_words.append(word)
    values = {"customer_name": " ".join(name_words)}
    if channel:
        values["channel"] = channel.value
    if actions:
        values["actions"] = ",".join(a.value for a in actions)
    if recording:
        values["customer_recording"] = "true"
    return values
