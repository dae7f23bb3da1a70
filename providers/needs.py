"""The controlled list of needs a home can be registered for and a referral can ask for.

Where the list came from:

- Ofsted's registration categories for children's homes. Until April 2015 Ofsted registered
  each children's home for categories of need: emotional and behavioural difficulties (EBD),
  learning disability (LD), physical disability (PD), mental disorder (MD), drug or alcohol
  misuse (D), sensory impairment (SI); autism spectrum conditions were recorded under LD/MD
  but homes and commissioners name them separately. Homes' statements of purpose still
  describe themselves in these terms, so they are the backbone of the list.
- The National Placement Standard's referral vocabulary (the needs and risks a referral
  names, which a home's statement of purpose must say it can support): trauma-informed care,
  child sexual and criminal exploitation, going missing, self-harm, eating disorders, harmful
  sexual behaviour, substance misuse support, parent and child, unaccompanied asylum-seeking
  children, complex health needs, therapeutic and solo placements.

Codes are stable slugs: rows are looked up by code, labels may be reworded.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class NeedEntry(NamedTuple):
    code: str
    label: str
    source: str  # NeedSource value: "ofsted" or "nps"
    description: str


NEEDS: tuple[NeedEntry, ...] = (
    # Ofsted's registration categories for children's homes
    NeedEntry("emotional-behavioural", "Emotional and behavioural difficulties", "ofsted", "Ofsted category EBD."),
    NeedEntry("learning-disability", "Learning disability", "ofsted", "Ofsted category LD."),
    NeedEntry("physical-disability", "Physical disability", "ofsted", "Ofsted category PD."),
    NeedEntry("mental-health", "Mental health needs", "ofsted", "Ofsted category MD (mental disorder)."),
    NeedEntry("drug-alcohol-misuse", "Drug and alcohol misuse", "ofsted", "Ofsted category D."),
    NeedEntry("sensory-impairment", "Sensory impairment", "ofsted", "Ofsted category SI."),
    NeedEntry("autism", "Autism spectrum conditions", "ofsted", "Recorded by Ofsted under LD or MD."),
    # The National Placement Standard's needs vocabulary
    NeedEntry("trauma-informed-care", "Trauma-informed care", "nps", ""),
    NeedEntry("sexual-exploitation", "Support with risk of sexual exploitation", "nps", ""),
    NeedEntry("criminal-exploitation", "Support with risk of criminal exploitation", "nps", ""),
    NeedEntry("going-missing", "Support with going missing", "nps", ""),
    NeedEntry("self-harm", "Self-harm support", "nps", ""),
    NeedEntry("eating-disorder", "Eating disorder support", "nps", ""),
    NeedEntry("harmful-sexual-behaviour", "Harmful sexual behaviour support", "nps", ""),
    NeedEntry("complex-health", "Complex health needs", "nps", ""),
    NeedEntry("parent-and-child", "Parent and child", "nps", "A young parent placed with their baby."),
    NeedEntry("unaccompanied-asylum-seeking", "Unaccompanied asylum-seeking children", "nps", ""),
    NeedEntry("solo-placement", "Solo placement (lives as the only child)", "nps", ""),
    NeedEntry("therapeutic-care", "Therapeutic care with on-site therapy", "nps", ""),
)


def needs_seed_into(need_model: Any) -> int:
    """Create or update every entry of the list; returns how many. Idempotent (keyed by code).

    Takes the model class so that the data migration can pass its historical model.
    """
    for entry in NEEDS:
        need_model.objects.update_or_create(
            code=entry.code,
            defaults={"label": entry.label, "source": entry.source, "description": entry.description},
        )
    return len(NEEDS)
