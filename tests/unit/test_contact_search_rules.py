"""Pure rules behind contact search, scoring and merging: folding, index keys, filter evaluation."""
from __future__ import annotations

from leadpilot.contacts.entities import Contact
from leadpilot.contacts.filters import ContactFilter, compare
from leadpilot.contacts.indexes import contact_ops, fold, index_keys, prefix_values, sort_key
from leadpilot.contacts.merge import merged

WS = "01M80A44ENZG8W6M53K8H15247"


def _contact(**kw: object) -> Contact:
    base: dict[str, object] = {"id": "01M80A45J90JMESM0AR82N1PFF", "workspace_id": WS, "first_name": "Zoë",
                               "last_name": "O'Neil", "email": "zoe@x.test", "phone": "+14155550101",
                               "company": None, "source": "web"}
    return Contact(**{**base, **kw})  # type: ignore[arg-type]


def test_fold_ignores_case_accents_and_spacing() -> None:
    assert fold("  Zoë   ÅDAMS ") == "zoe adams"


def test_prefix_values_cover_names_full_name_email_and_both_phone_forms() -> None:
    assert prefix_values(_contact()) == {("name", "zoe"), ("name", "o'neil"), ("name", "zoe o'neil"),
                                         ("email", "zoe@x.test"), ("phone", "14155550101"), ("phone", "4155550101")}


def test_score_sort_key_orders_negative_scores_first() -> None:
    keys = sorted(sort_key(_contact(score=s), "score") for s in (5, -3, 120))
    assert [k.split("#")[0] for k in keys] == [f"{10**9 - 3:010d}", f"{10**9 + 5:010d}", f"{10**9 + 120:010d}"]


def test_changing_only_the_email_touches_only_its_claim_and_index_items() -> None:
    # Given a contact whose email changes
    before = _contact(tags=["vip"])
    after = before.with_changes(email="new@x.test", version=2)
    # When the change's items are computed
    ops = contact_ops(before, after)
    # Then the old claim and index entry go, the new ones come, tags are untouched
    assert [c.PK for _, c in ops.claims] == [f"WS#{WS}#EMAIL#new@x.test"]
    deleted = {i.PK for i, _ in ops.deletes}
    assert deleted == {f"WS#{WS}#EMAIL#zoe@x.test", f"WS#{WS}#IDX#email"}
    assert not ops.tag_deltas or all(v == 0 for v in ops.tag_deltas.values())
    assert len(index_keys(after)) == len(index_keys(before))


def test_merged_ops_move_a_claim_instead_of_deleting_and_recreating_it() -> None:
    # Given a survivor without a phone and a duplicate with one
    survivor = _contact(phone=None, email="a@x.test")
    duplicate = _contact(id="01M80A45J90JMESM0AR82N1PFG", email="b@x.test", tags=["lead"])
    after = merged(survivor, duplicate).with_changes(version=2)
    # When both changes are combined
    ops = contact_ops(survivor, after).extend(contact_ops(duplicate, None))
    # Then the phone claim is one conditional update, never a delete and a put of the same key
    phone_key = f"WS#{WS}#PHONE#+14155550101"
    assert [c.PK for c, _a, _c in ops.updates] == [phone_key]
    assert phone_key not in {c.PK for _, c in ops.claims} | {i.PK for i, _ in ops.deletes}
    assert after.tags == ["lead"] and after.email == "a@x.test"


def test_filter_evaluation() -> None:
    contact = _contact(tags=["vip", "lead"], custom_fields={"seats": 12, "langs": ["fr"]}, score=40,
                       created_at="2025-03-01T10:00:00.000Z")
    assert ContactFilter(tags_all=("vip", "lead"), tags_none=("spam",)).matches(contact)
    assert not ContactFilter(tags_any=("spam",)).matches(contact)
    assert ContactFilter(custom=(("seats", "gte", 10), ("langs", "contains", "fr"))).matches(contact)
    assert ContactFilter(score_min=40, score_max=40, sources=("web",)).matches(contact)
    assert not ContactFilter(created=("2025-03-02T00:00:00.000Z", None)).matches(contact)
    assert compare(None, "neq", "x") and not compare("a", "gt", 3) and compare("Gold", "eq", "gold")
