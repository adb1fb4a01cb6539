"""Category classifier: training, calibration, persistence, registry, keywords, data files."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from jiesu.nlp.classify import (
    CategoryModel,
    ModelRegistry,
    Prediction,
    calibration_error,
    choose_threshold,
    choose_thresholds,
    evaluate,
    evaluate_model,
    fit_confidence,
    fit_confidences,
    read_labelled,
    recalibrate,
    train,
)
from jiesu.nlp.keywords import KeywordClassifier
from tests.support.shared_data import SHARED_DATA

REAL = SHARED_DATA / "appeals_labeled_train.csv"

_TOPICS = {
    "城乡建设": ["小区物业", "电梯故障", "违章建筑", "拆迁安置", "停水停电", "开发商交房"],
    "教育文体": ["学校老师", "孩子入学", "幼儿园收费", "课外补课", "学位分配", "校车安全"],
    "交通运输": ["公交线路", "出租车拒载", "红绿灯故障", "驾校收费", "道路拥堵", "网约车"],
}
_FILLER = ["尊敬的领导", "您好", "希望有关部门尽快处理", "我们多次反映", "一直没有解决", "谢谢"]


def synthetic(n_per_class: int = 30, seed: int = 0) -> tuple[list[str], list[str], list[str]]:
    """Small labelled appeals: each mixes its category's phrases with shared filler."""
    rng = random.Random(seed)
    titles, details, labels = [], [], []
    for label, phrases in _TOPICS.items():
        for i in range(n_per_class):
            words = rng.sample(phrases, 3) + rng.sample(_FILLER, 3)
            rng.shuffle(words)
            titles.append(f"关于{phrases[i % len(phrases)]}的问题" if i % 3 == 0 else "")
            details.append("，".join(words) + f"，地址在A{i}区。")
            labels.append(label)
    return titles, details, labels


@pytest.fixture(scope="module")
def model() -> CategoryModel:
    return train(*synthetic())


def test_predict_top_sorted_calibrated(model: CategoryModel) -> None:
    top = model.predict_top("", "小区物业不管电梯故障，违章建筑没人拆", k=3)
    assert [p.label for p in top][0] == "城乡建设"
    assert all(isinstance(p, Prediction) for p in top)
    probs = [p.probability for p in top]
    assert probs == sorted(probs, reverse=True)
    assert 0 < sum(probs) <= 1 + 1e-9
    assert len(model.predict_top("公交线路", "", k=2)) == 2


def test_predict_many_matches_predict_top(model: CategoryModel) -> None:
    items = [("", "孩子入学学位分配不公平"), ("出租车拒载", "网约车也不来")]
    many = model.predict_many(items, k=3)
    assert [m[0].label for m in many] == ["教育文体", "交通运输"]
    for (t, d), preds in zip(items, many, strict=True):
        single = model.predict_top(t, d, k=3)
        assert [p.label for p in single] == [p.label for p in preds]
        assert np.allclose([p.probability for p in single], [p.probability for p in preds])


def test_metadata_and_threshold_from_training_data(model: CategoryModel) -> None:
    meta = model.metadata
    assert meta["n_samples"] == 90
    assert meta["labels"] == sorted(_TOPICS)
    assert len(meta["training_data_sha256"]) == 64
    assert meta["created_at"].startswith("20")
    assert {"scikit-learn", "numpy"} <= set(meta["libraries"])
    assert meta["threshold"] == model.threshold
    # the threshold is what the inner CV on the training data measured as >= 97 % precise
    assert meta["metrics"]["precision_at_threshold"] >= 0.97
    assert 0 < model.threshold <= 1
    # the detail length was chosen by the inner CV among the candidates
    from jiesu.nlp.tokenize import DETAIL_CHOICES

    assert model.detail_chars in DETAIL_CHOICES
    assert meta["detail_chars"] == model.detail_chars
    assert set(meta["detail_log_loss"]) == {str(c) for c in DETAIL_CHOICES}


def test_refit_scores_are_divided_by_the_measured_growth(model: CategoryModel,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from jiesu.nlp import classify

    assert model.metadata["score_growth"] >= 1.0
    # Trained again with the growth forced to 2 and to 1, only the refit's scale differs.
    # (Two trainings agree only to the solver's tolerance: liblinear's shuffling draws from
    # the C library's global rand(), which the per-category threads share.)
    monkeypatch.setattr(classify, "_score_growth", lambda *_a, **_k: 2.0)
    halved = train(*synthetic())
    monkeypatch.setattr(classify, "_score_growth", lambda *_a, **_k: 1.0)
    plain = train(*synthetic())
    assert (halved.metadata["score_growth"], plain.metadata["score_growth"]) == (2.0, 1.0)
    np.testing.assert_allclose(halved._weights * 2, plain._weights, rtol=1e-2, atol=1e-4)
    np.testing.assert_allclose(halved._bias * 2, plain._bias, rtol=1e-2, atol=1e-4)
    # chosen on the inner CV, which the correction does not touch
    assert halved.threshold == pytest.approx(plain.threshold, rel=1e-3)


def test_score_growth_follows_the_inner_models_scores() -> None:
    from jiesu.nlp import classify
    from jiesu.nlp.tokenize import DETAIL_CHOICES

    titles, details, labels = synthetic(n_per_class=60)
    _, all_counts = classify._all_counts(titles, details)
    counts = all_counts[DETAIL_CHOICES[0]]
    names, y = classify._encode(labels)
    rows, k = np.arange(len(y)), len(names)
    oof = classify._oof_scores(counts, y, rows, k, 5, 0, lambda _m: None)
    growth = classify._score_growth(counts, y, rows, oof, k, 5, 0)
    assert 1.0 <= growth < 1.5
    # the growth is the inner models' spread over the smaller models': scale one, it follows
    tripled = classify._score_growth(counts, y, rows, oof * 3, k, 5, 0)
    assert tripled > 1.0
    assert classify._score_growth(counts, y, rows, oof * 6, k, 5, 0) == pytest.approx(
        2 * tripled, rel=1e-3)
    # never below 1: the refit is not made more confident than the inner models
    assert classify._score_growth(counts, y, rows, oof / 100, k, 5, 0) == 1.0


def test_has_title_is_a_non_empty_title_block() -> None:
    from jiesu.nlp.tokenize import has_title, tokenize_appeal

    for title in ("", "  ", "\u3000\t\n", "电梯坏了", " a "):
        tokens = tokenize_appeal(title, "详情")
        assert has_title(title) == (len(tokens.title_chars) > 0) == tokens.titled, title
    assert not has_title("\u3000") and has_title("电梯")


def test_title_is_in_the_detail_block_too() -> None:
    from jiesu.nlp.tokenize import ngram_keys, tokenize_appeal

    tokens = tokenize_appeal("电梯", "坏了")
    assert np.isin(ngram_keys("电梯"), tokens.detail_chars).all()
    assert np.isin(ngram_keys("坏了"), tokens.detail_chars).all()
    assert not np.isin(ngram_keys("梯坏", 2, 2), tokens.detail_chars).any()  # none spans both
    assert len(tokenize_appeal("", "长" * 1000, 900).detail_chars) > len(
        tokenize_appeal("", "长" * 1000, 600).detail_chars)


def test_old_model_format_refused(model: CategoryModel, tmp_path: Path) -> None:
    import joblib

    path = tmp_path / "old.joblib"
    joblib.dump({"state": {**model._state(), "format": 3}, "metadata": {}}, path)
    with pytest.raises(ValueError, match="不是本版本 jiesu 的分类模型.*请重新训练"):
        CategoryModel.load(path)


def test_ngram_keys_are_the_char_ngrams() -> None:
    from jiesu.nlp.tokenize import char_ngrams, ngram_keys

    for text in ("", "a", "小区电梯坏了", "公交 0路 改线，ab"):
        keys = ngram_keys(text)
        assert len(keys) == len(char_ngrams(text))
        # one key per distinct n-gram string, and equal strings give equal keys
        assert len(set(keys.tolist())) == len(set(char_ngrams(text)))
    assert ngram_keys("ab", 2, 2).tolist() == [ord("a") | ord("b") << 16]
    assert len(np.intersect1d(ngram_keys("电梯"), ngram_keys("小区电梯"))) == 3


def test_choose_threshold_smallest_that_keeps_precision() -> None:
    top = np.array([0.99, 0.95, 0.9, 0.8, 0.7, 0.6])
    correct = np.array([1, 1, 1, 0, 1, 0], bool)
    assert choose_threshold(top, correct, target=1.0) == 0.9
    assert choose_threshold(top, correct, target=0.75) == 0.7
    assert choose_threshold(top[3:4], correct[3:4]) > 1  # never reaches it: no auto-dispatch
    # ties are all in or all out
    assert choose_threshold(np.array([0.9, 0.9, 0.5]), np.array([1, 0, 1], bool), 0.9) > 1


def test_choose_thresholds_per_title_group() -> None:
    # Appeals with a title are over-confident: the same probability is right less often.
    rng = np.random.default_rng(0)
    n = 4000
    titled = np.arange(n) % 2 == 1
    top = rng.uniform(0.4, 1.0, n)
    correct = rng.uniform(size=n) < np.where(titled, top - 0.06, top)
    common, groups = choose_thresholds(top, correct, titled)
    assert common == choose_threshold(top, correct)
    assert groups["titled"] > common > groups["untitled"]
    for name, mask in (("untitled", ~titled), ("titled", titled)):
        assert groups[name] == choose_threshold(top[mask], correct[mask])
        assert correct[mask & (top >= groups[name])].mean() >= 0.97
    # the common threshold alone would auto-dispatch titled appeals below the target
    assert correct[titled & (top >= common)].mean() < 0.97
    # a group too small to measure uses the common threshold
    few = titled & (np.arange(n) < 2 * 100)
    keep = ~titled | few
    common_few, groups_few = choose_thresholds(top[keep], correct[keep], titled[keep])
    assert groups_few["titled"] == common_few
    assert groups_few["untitled"] == choose_threshold(top[~titled], correct[~titled])


def _over_and_under_confident(n: int = 6000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Top-1 probabilities of appeals with a title over-state the chance of being right at the
    top; those without under-state it in the middle (as on the shared file)."""
    rng = np.random.default_rng(1)
    titled = np.arange(n) % 3 == 0
    top = rng.uniform(0.35, 1.0, n)
    logit = np.log(top / (1 - top))
    truth = 1 / (1 + np.exp(-np.where(titled, 0.6 * logit + 0.4, 0.9 * logit + 0.5)))
    return top, rng.uniform(size=n) < truth, titled


def test_calibration_error_is_the_binned_gap() -> None:
    assert calibration_error(np.array([0.95, 0.95, 0.55, 0.55]),
                             np.array([1, 1, 1, 0], bool)) == pytest.approx(0.5 * 0.05 + 0.5 * 0.05)
    assert calibration_error(np.array([1.0, 0.0]), np.array([1, 0], bool)) == 0.0
    assert calibration_error(np.array([]), np.array([], bool)) == 0.0


def test_fit_confidence_maps_probabilities_to_the_share_right() -> None:
    top, correct, titled = _over_and_under_confident()
    groups = fit_confidences(top, correct, titled)
    assert groups["titled"][0] == pytest.approx(0.6, abs=0.15)
    assert groups["untitled"][0] == pytest.approx(0.9, abs=0.15)
    proba = np.column_stack([top, (1 - top) * 0.5, (1 - top) * 0.5])
    shown = recalibrate(proba, titled, groups)
    for mask in (titled, ~titled):
        before = calibration_error(top[mask], correct[mask])
        after = calibration_error(shown[mask].max(axis=1), correct[mask])
        assert after < before / 2, (before, after)
    # rows still sum to one, the top guess stays on top, order within a group is kept
    assert np.allclose(shown.sum(axis=1), 1)
    assert (shown.argmax(axis=1) == 0).all()
    for mask in (titled, ~titled):
        assert (np.diff(shown[mask][np.argsort(top[mask]), 0]) >= 0).all()
    # nothing to learn from: no change
    assert fit_confidence(top[:10], np.ones(10, bool)) == (1.0, 0.0)
    assert np.array_equal(recalibrate(proba, titled, {}), proba)
    # a group too small to measure uses the fit over all appeals
    few = fit_confidences(top[:500], correct[:500], titled[:500])
    assert few["titled"] == fit_confidence(top[:500], correct[:500])


def test_recalibrate_keeps_the_top_guess_and_certain_rows() -> None:
    # A fit that would pull a weak top guess below the runner-up's new share is held at a tie
    # point just above it; a certain row is left as it is.
    proba = np.array([[0.40, 0.35, 0.25], [1.0, 0.0, 0.0], [0.2, 0.5, 0.3]])
    out = recalibrate(proba, np.array([True, True, False]),
                      {"titled": (1.0, -3.0), "untitled": (1.0, 0.0)})
    assert (out.argmax(axis=1) == proba.argmax(axis=1)).all()
    assert np.allclose(out.sum(axis=1), 1)
    assert np.array_equal(out[1], proba[1]) and np.allclose(out[2], proba[2])


def test_model_shows_recalibrated_probabilities(model: CategoryModel, tmp_path: Path) -> None:
    # the training metadata carries the per-group maps; they round-trip with the model
    assert set(model.metadata["confidence"]) == {"untitled", "titled"}
    state = model._state() | {"confidence": {"untitled": (1.0, 0.0), "titled": (0.5, 0.0)}}
    damped = CategoryModel(state, dict(model.metadata))
    plain = CategoryModel(model._state() | {"confidence": {}}, dict(model.metadata))
    text = "幼儿园收费太高"
    for title, lower in (("", False), ("幼儿园收费", True)):
        a, b = damped.predict_top(title, text), plain.predict_top(title, text)
        assert a[0].label == b[0].label
        assert (a[0].probability < b[0].probability) == lower, (title, a, b)
    damped.save(tmp_path / "d.joblib")
    loaded = CategoryModel.load(tmp_path / "d.joblib")
    assert loaded.predict_top("幼儿园收费", text) == damped.predict_top("幼儿园收费", text)
    # a model saved before the maps shows the calibrator's own probabilities
    old = {k: v for k, v in model._state().items() if k != "confidence"}
    assert CategoryModel(old, {}).predict_top("", text) == plain.predict_top("", text)


def test_auto_dispatch_threshold_depends_on_the_title(model: CategoryModel,
                                                      tmp_path: Path) -> None:
    # 90 training appeals: both groups are below MIN_GROUP_ROWS, so both use the common one
    assert model.thresholds == {"untitled": model.threshold, "titled": model.threshold}
    assert model.metadata["thresholds"] == model.thresholds
    state = model._state() | {"thresholds": {"untitled": 0.6, "titled": 0.9}}
    split = CategoryModel(state, dict(model.metadata))
    assert split.threshold_for("") == split.threshold_for("  \n ") == 0.6
    assert split.threshold_for("电梯坏了") == 0.9
    sure = Prediction("城乡建设", 0.8)
    assert split.auto_dispatch(sure, "") and not split.auto_dispatch(sure, "电梯坏了")
    split.save(tmp_path / "split.joblib")
    assert CategoryModel.load(tmp_path / "split.joblib").thresholds == split.thresholds
    # a model saved before the split has one threshold, used for both
    old = {k: v for k, v in model._state().items() if k != "thresholds"}
    assert CategoryModel(old, {}).thresholds == {"untitled": model.threshold,
                                                 "titled": model.threshold}


def test_two_categories() -> None:
    # The calibrator of a two-category model is sklearn's binary logistic regression (one
    # column); every appeal used to come out as the first category at probability 1.
    titles, details, labels = synthetic()
    keep = [i for i, lab in enumerate(labels) if lab != "交通运输"]
    two = train([titles[i] for i in keep], [details[i] for i in keep], [labels[i] for i in keep])
    assert two.labels == ["城乡建设", "教育文体"]
    school = two.predict_top("", "孩子入学的学位分配问题，幼儿园收费太高", k=3)
    home = two.predict_top("", "小区物业不管电梯故障，开发商交房拖延", k=3)
    assert [p.label for p in school] == ["教育文体", "城乡建设"]
    assert [p.label for p in home] == ["城乡建设", "教育文体"]
    for preds in (school, home):
        assert 0.5 < preds[0].probability < 1 and sum(p.probability for p in preds) == \
            pytest.approx(1)
    metrics = evaluate_model(two, [titles[i] for i in keep], [details[i] for i in keep],
                             [labels[i] for i in keep])
    assert metrics["accuracy"] > 0.9


def test_save_load_round_trip(model: CategoryModel, tmp_path: Path) -> None:
    path = tmp_path / "m" / "cat.joblib"
    model.save(path)
    meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    assert meta["version"] == model.version
    loaded = CategoryModel.load(path)
    assert loaded.metadata == model.metadata
    assert loaded.threshold == model.threshold
    assert loaded.detail_chars == model.detail_chars
    a = model.predict_top("校车", "幼儿园收费太高")
    b = loaded.predict_top("校车", "幼儿园收费太高")
    assert a == b
    with pytest.raises(FileNotFoundError):
        CategoryModel.load(tmp_path / "missing.joblib")


def test_registry_save_list_activate(model: CategoryModel, tmp_path: Path) -> None:
    reg = ModelRegistry(tmp_path / "models")
    assert reg.active() is None and reg.list() == []
    v1 = reg.save(model)
    v2 = reg.save(model)  # same version id: stored beside it under a suffixed id
    assert v1 != v2 and [m["version"] for m in reg.list()] == [v1, v2]
    reg.activate(v2)
    assert reg.active_version() == v2
    assert [m["active"] for m in reg.list()] == [False, True]
    active = reg.active()
    assert active is not None and active.version == v2
    # a model saved before the split by title lists its one threshold for both groups
    old_meta = {k: v for k, v in model.metadata.items() if k != "thresholds"}
    v3 = reg.save(CategoryModel(model._state(), old_meta))
    listed = {m["version"]: m for m in reg.list()}
    assert listed[v3]["thresholds"] == {"untitled": model.threshold, "titled": model.threshold}
    assert listed[v1]["thresholds"] == model.thresholds
    with pytest.raises(KeyError):
        reg.activate("nope")
    with pytest.raises(ValueError):
        reg.activate("../escape")


def test_evaluate_cross_validated_metrics() -> None:
    m = evaluate(*synthetic(), cv=3)
    for key in ("accuracy", "macro_f1", "coverage_at_97", "precision_at_threshold", "threshold"):
        assert 0 <= m[key] <= 1
    assert m["accuracy"] > 0.9
    assert set(m["per_class"]) == set(_TOPICS)
    assert set(m["per_class"]["教育文体"]) == {"precision", "recall", "f1", "support"}
    assert sum(map(sum, m["confusion"]["matrix"])) == 90
    assert len(m["folds"]) == 3
    # the figures of appeals with and without a title, each at its own fold's threshold
    groups = m["by_title"]
    assert groups["titled"]["n"] == 30 and groups["untitled"]["n"] == 60
    covered = sum(g["coverage_at_97"] * g["n"] for g in groups.values()) / 90
    assert covered == pytest.approx(m["coverage_at_97"])
    assert set(m["thresholds"]) == {"untitled", "titled"}
    assert all(set(f["thresholds"]) == {"untitled", "titled"} for f in m["folds"])


def test_evaluate_model_hold_out(model: CategoryModel) -> None:
    t, d, lab = synthetic(10, seed=7)
    m = evaluate_model(model, t, d, lab)
    assert m["accuracy"] > 0.9 and m["threshold"] == model.threshold
    assert m["thresholds"] == model.thresholds
    assert m["by_title"]["titled"]["n"] + m["by_title"]["untitled"]["n"] == len(lab)
    # a label the model never saw counts as an error, not a crash
    m = evaluate_model(model, ["", ""], ["小区物业", "医院看病"], ["城乡建设", "卫生计生"])
    assert m["accuracy"] == 0.5 and "卫生计生" in m["confusion"]["labels"]


def test_keyword_cold_start(tmp_path: Path) -> None:
    kw = KeywordClassifier()
    assert len(kw.labels) == 7 and kw.threshold is None
    top = kw.predict_top("小区物业乱收费", "物业公司不作为，电梯坏了", k=3)
    assert top[0].label == "城乡建设"
    assert all(p.probability <= 0.6 for p in top)
    assert sum(p.probability for p in top) <= 1
    assert kw.predict_top("", "今天天气不错") == []
    # the everyday word for noise, not only the official 噪声
    assert kw.predict_top("", "楼下饭店每天晚上噪音很大")[0].label == "环境保护"
    path = tmp_path / "rules.json"
    path.write_text(json.dumps({"噪声": ["广场舞"], "其他": ["咨询"]}, ensure_ascii=False),
                    encoding="utf-8")
    custom = KeywordClassifier.from_file(path)
    assert custom.predict_top("", "小区广场舞太吵")[0].label == "噪声"
    path.write_text('{"a": "not a list"}', encoding="utf-8")
    with pytest.raises(ValueError):
        KeywordClassifier.from_file(path)


def test_read_labelled_csv_and_xlsx(tmp_path: Path) -> None:
    csv_path = tmp_path / "a.csv"
    with csv_path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "title", "detail", "label"])
        w.writerow([1, "标题", "详情一", "城乡建设"])
        w.writerow([2, "", "详情二", "教育文体"])
        w.writerow([3, "", "没有标签", ""])
    assert read_labelled(csv_path) == (["标题", ""], ["详情一", "详情二"], ["城乡建设", "教育文体"])

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["留言编号", "留言主题", "留言详情", "一级分类"])  # the 问政 export headers
    ws.append([1, "主题\t一", "\n详情 一\n", "交通运输"])
    ws.append([2, None, "详情二", "卫生计生"])
    xlsx = tmp_path / "a.xlsx"
    wb.save(xlsx)
    expected = (["主题\t一", ""], ["详情 一", "详情二"], ["交通运输", "卫生计生"])
    assert read_labelled(xlsx) == expected

    no_title = tmp_path / "b.csv"
    no_title.write_text("detail,label\n内容,城乡建设\n", encoding="utf-8")
    assert read_labelled(no_title) == ([""], ["内容"], ["城乡建设"])
    bad = tmp_path / "c.csv"
    bad.write_text("title,text\na,b\n", encoding="utf-8")
    with pytest.raises(ValueError, match="缺少列 detail（或 留言详情、详情、内容），label"):
        read_labelled(bad)
    with pytest.raises(FileNotFoundError):
        read_labelled(tmp_path / "none.csv")


# the cross-validation takes minutes: its tests share one worker (pytest -n, --dist loadgroup),
# or each worker would compute it
REAL_CV_WORKER = pytest.mark.xdist_group("real_cv")


@pytest.fixture(scope="module")
def real_cv() -> dict[str, Any]:
    """5-fold cross-validation on the shared labelled messages, computed once."""
    if not REAL.exists():
        pytest.skip("shared real data not available")
    return evaluate(*read_labelled(REAL), cv=5, seed=0)


@pytest.mark.slow
@REAL_CV_WORKER
def test_real_data_beats_the_plain_baseline(real_cv: dict[str, Any]) -> None:
    # A char n-gram TF-IDF + linear SVM reaches ~0.897 accuracy / ~0.887 macro-F1 and a
    # calibrated plain baseline covers ~0.78 at 97 % precision: never fall back below that.
    assert real_cv["accuracy"] >= 0.91
    assert real_cv["macro_f1"] >= 0.90
    assert real_cv["coverage_at_97"] >= 0.78
    assert real_cv["precision_at_threshold"] >= 0.965


@pytest.mark.slow
@REAL_CV_WORKER
def test_real_data_cross_validation_targets(real_cv: dict[str, Any]) -> None:
    # issue 6: macro-F1, and auto-dispatch covering >= 80 % of appeals
    assert real_cv["macro_f1"] >= 0.91
    assert real_cv["coverage_at_97"] >= 0.80
    # Appeals with and without a title each get their own threshold, and each group's
    # auto-dispatched share is about as precise as the other. With one threshold for both,
    # titled appeals were auto-dispatched at 95.8 % and untitled ones at 97.9 %.
    groups = real_cv["by_title"]
    for name in ("untitled", "titled"):
        assert groups[name]["precision_at_threshold"] >= 0.965, name
        assert groups[name]["coverage_at_97"] >= 0.70, name
    gap = groups["untitled"]["precision_at_threshold"] - groups["titled"]["precision_at_threshold"]
    assert abs(gap) < 0.01
    # The probability shown is the chance of being right, in each group: the calibrator alone
    # was off by 0.026 without a title and 0.031 with one (10-bin calibration error).
    assert real_cv["calibration_error"] <= 0.01
    for name in ("untitled", "titled"):
        assert groups[name]["calibration_error"] <= 0.015, name


@pytest.mark.slow
@REAL_CV_WORKER
@pytest.mark.xfail(strict=True, reason="issue 6 targets not reached yet: CV accuracy 0.9192, "
                   "precision of the auto-dispatched share 0.9694 (docs/classifier.md)")
def test_real_data_cross_validation_accuracy_and_precision_targets(
        real_cv: dict[str, Any]) -> None:
    # xfail until both hold: precision alone sits within noise of 0.97 (0.9695-0.972)
    assert real_cv["accuracy"] >= 0.92
    assert real_cv["precision_at_threshold"] >= 0.97
