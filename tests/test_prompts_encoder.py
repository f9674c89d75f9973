"""Prompts render strictly from templates; the encoder pools histories into unit interest vectors."""

import jinja2
import numpy as np
import pytest

from promogen import UserHistory
from promogen.prompts import build_messages, prompts_dir, render
from promogen.simulate import demo_campaign


def test_prompt_carries_offer_code_and_interests():
    messages = build_messages(demo_campaign("run20"), ["trail running shoes", "GPS running watch"])
    last = messages[-1]["content"]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"], (
        "system, demo turn, request"
    )
    for needle in ("RUN20", "20% off running gear", "trail running shoes", "Stride Sports"):
        assert needle in last, f"{needle!r} missing from {last!r}"


def test_non_personalised_prompt_has_no_interests():
    messages = build_messages(demo_campaign("run20"), [])
    assert "likes" not in messages[-1]["content"] and "likes" not in messages[1]["content"], messages


def test_missing_template_variable_is_an_error_naming_it():
    with pytest.raises(jinja2.UndefinedError, match="campaign"):
        render("push.j2", interests=[])


def test_prompts_dir_holds_a_template_per_channel():
    for channel in ("push", "sms", "email_subject", "banner"):
        assert (prompts_dir() / f"{channel}.j2").is_file(), channel


def _user(uid, events):
    return UserHistory.from_dict({"user_id": uid, "events": [{"type": t, "text": x} for t, x in events]})


def test_interest_vectors_are_unit_norm_and_favour_purchases(encoder):
    bought_yoga = _user("a", [("view", "road bike helmet"), ("purchase", "cork yoga mat")])
    viewed_yoga = _user("b", [("purchase", "road bike helmet"), ("view", "cork yoga mat")])
    vectors, phrases = encoder.encode_users([bought_yoga, viewed_yoga])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5), "interest vectors are L2-normalised"
    yoga = encoder.encode_texts(["yoga mat"])[0]
    assert vectors[0] @ yoga > vectors[1] @ yoga, "a purchase must weigh more than a view"
    assert phrases[0][0] == "cork yoga mat", f"the purchase is the most central phrase, got {phrases[0]}"


def test_only_recent_events_count(encoder):
    encoder_cfg = encoder.config
    old = [("view", "swim goggles")] * 3
    recent = [("view", "trail running shoes")] * encoder_cfg.max_events
    vec = encoder.encode_users([_user("u", old + recent)])[0][0]
    only_recent = encoder.encode_users([_user("v", recent)])[0][0]
    assert np.allclose(vec, only_recent, atol=1e-5), "events beyond max_events are dropped"


def test_only_a_large_encode_shows_a_progress_bar(encoder, monkeypatch):
    import promogen.encoder as module

    seen = []
    real = encoder.model.encode
    monkeypatch.setattr(encoder.model, "encode", lambda texts, **kw: seen.append(kw) or real(texts, **kw))
    encoder.encode_texts(["trail shoes", "yoga mat", "tent"])
    monkeypatch.setattr(module, "PROGRESS_TEXTS", 3)
    encoder.encode_texts(["trail shoes", "yoga mat", "tent"])
    bars = [kw["show_progress_bar"] for kw in seen]
    assert bars == [False, True], f"quiet under the threshold, a bar from it on: {bars}"
