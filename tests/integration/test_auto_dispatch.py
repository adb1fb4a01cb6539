"""Auto-dispatch end to end (issue 6), SQLite and PostgreSQL.

A model trained on appeals of the test city's two first-level categories is stored in the
registry and activated, an administrator routes 城乡建设 to the water bureau, and appeals are
registered through the API. The model's confidence decides whether an appeal goes straight to
the unit, against the threshold of its group: appeals with a title have their own.
"""

from __future__ import annotations

import copy
import functools
import math
import random
from typing import Any

from jiesu.nlp.classify import CategoryModel, ModelRegistry, train
from jiesu.services.admin import AdminService
from jiesu.services.intake import IntakeIntelligence
from jiesu.store import notify_store
from tests.support.city import City

PHRASES = {
    "城乡建设": ["路灯不亮", "路灯坏了", "晚上一片漆黑", "路面坑洼", "井盖缺失", "人行道塌陷"],
    "环境保护": ["工地夜间施工", "打桩机轰鸣", "施工噪音扰民", "河道发黑发臭", "油烟直排",
             "垃圾焚烧冒黑烟"],
}
FILLER = ["已经反映多次", "希望尽快处理", "影响居民生活", "请相关部门解决", "小区门口"]
CONTENT = "小区门口路灯不亮，晚上一片漆黑，希望尽快修好"
TITLE = "路灯坏了没人修"


def _model() -> CategoryModel:
    """A model of the two categories, a fresh copy per call (saving it may rename it)."""
    trained = _trained()
    return CategoryModel(trained._state(), copy.deepcopy(trained.metadata))


@functools.cache
def _trained() -> CategoryModel:
    # seeded, so the same model every time: trained once per process, not per test (4–9 s
    # each on a loaded 2-core machine, in three tests on both databases)
    rng = random.Random(0)
    titles, details, labels = [], [], []
    for label, phrases in PHRASES.items():
        for i in range(30):
            words = rng.sample(phrases, 3) + rng.sample(FILLER, 2)
            rng.shuffle(words)
            titles.append(phrases[i % len(phrases)] if i % 3 == 0 else "")
            details.append("，".join(words) + f"，地址在幸福路{i}号。")
            labels.append(label)
    return train(titles, details, labels)


def _routed_to_w(city: City, model: CategoryModel,
                 state: dict[str, Any]) -> tuple[ModelRegistry, IntakeIntelligence]:
    """Activate `model` with `state` (its thresholds) and route 城乡建设 (01) to W."""
    registry = ModelRegistry(city.runtime.settings.model_dir)
    registry.activate(registry.save(CategoryModel(state, dict(model.metadata))))
    r = city.client.put("/api/v1/admin/intake/routing", content=b"category,unit\n01,W\n",
                        headers={**city.headers("admin"), "Content-Type": "text/csv"})
    assert r.status_code == 200, r.text
    intake = city.runtime.intake
    assert intake is not None
    intake.reload()
    return registry, intake


def test_auto_dispatch_uses_the_threshold_of_the_title_group(city: City) -> None:
    model = _model()
    untitled = model.predict_top("", CONTENT, k=1)[0]
    titled = model.predict_top(TITLE, CONTENT, k=1)[0]
    assert untitled.label == titled.label == "城乡建设"
    # Thresholds that this appeal clears without a title and does not clear with one.
    state = model._state() | {"thresholds": {
        "untitled": math.nextafter(untitled.probability, 0.0),
        "titled": math.nextafter(titled.probability, 2.0)}}
    registry, intake = _routed_to_w(city, model, state)

    sure = city.register(content=CONTENT, requester_phone="13800000001")
    assert sure["status"] == "dispatched"
    assert sure["lead_unit"]["id"] == city.unit_ids["W"]
    assert sure["category"] == "01"
    assert sure["suggestions"]["auto_dispatch"]["threshold"] == state["thresholds"]["untitled"]

    # an urgent one dispatched at registration: its unit is texted in the same transaction
    assert city.client.put("/api/v1/admin/units/W/contact", json={
        "contact_phone": "01066120002"}, headers=city.headers("admin")).status_code == 200
    urgent = city.register(content=CONTENT, urgency="urgent", requester_phone="13800000004")
    assert urgent["status"] == "dispatched"
    with city.runtime.db.uow(write=False) as uow:
        texted = [(n.recipient, n.body) for n in notify_store.notifications(
            uow.session, kind="unit_dispatch")
            if n.ref and n.ref.startswith(f"appeal:{urgent['id']}:dispatch")]
    assert len(texted) == 1 and texted[0][0] == "01066120002" and "已派你单位主办" in texted[0][1]
    with city.runtime.db.uow(write=False) as uow:
        assert not [n for n in notify_store.notifications(uow.session, kind="unit_dispatch")
                    if n.ref and n.ref.startswith(f"appeal:{sure['id']}:")]

    unsure = city.register(title=TITLE, content=CONTENT, requester_phone="13800000002")
    assert unsure["status"] == "registered" and unsure["lead_unit"] is None
    assert "auto_dispatch" not in unsure["suggestions"]
    # the dispatcher still sees the guess and the unit it would go to
    assert unsure["suggestions"]["categories"][0]["code"] == "01"
    assert unsure["suggestions"]["unit"]["unit_id"] == city.unit_ids["W"]

    # without the split (a model with one threshold), both would have gone
    lowest = min(untitled.probability, titled.probability)
    one = model._state() | {"threshold": math.nextafter(lowest, 0.0)}
    one.pop("thresholds")
    registry.activate(registry.save(CategoryModel(one, dict(model.metadata))))
    intake.reload()
    also = city.register(title=TITLE, content=CONTENT, requester_phone="13800000003")
    assert also["status"] == "dispatched" and also["lead_unit"]["id"] == city.unit_ids["W"]


def test_an_appeal_is_not_auto_dispatched_to_a_stopped_unit(city: City) -> None:
    """A routing rule (or the history a model learned) may still name a unit an administrator
    has since stopped (停用: its users are stopped first, nobody there signs). An appeal the
    model is sure of is then left registered for a dispatcher, not dispatched to that unit."""
    model = _model()
    top = model.predict_top("", CONTENT, k=1)[0]
    state = model._state() | {"thresholds": {"untitled": math.nextafter(top.probability, 0.0),
                                             "titled": math.nextafter(top.probability, 0.0)}}
    _routed_to_w(city, model, state)
    # as the admin page's 停用 does it (no API for it)
    admin = AdminService(city.runtime.db, city.runtime.rules)
    assert not admin.set_unit_active("W", False).active
    stranded = city.register(content=CONTENT, requester_phone="13800000011")
    assert stranded["status"] == "registered" and stranded["lead_unit"] is None
    # the same text (from another caller: not a duplicate) goes to W once W is started again
    assert admin.set_unit_active("W", True).active
    sure = city.register(content=CONTENT, requester_phone="13800000012")
    assert sure["status"] == "dispatched" and sure["lead_unit"]["id"] == city.unit_ids["W"]
