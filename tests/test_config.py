"""One override syntax (`key.sub=value`) for the CLI's --set and the harness variants."""

from pathlib import Path

import pytest

from promogen import PipelineConfig, ValidationError
from promogen.config import override


def test_overrides_reach_nested_settings_with_their_types():
    config = override(
        PipelineConfig(),
        ["generator.temperature=0.5", "policy=softmax:0.1", "personalise=false", "n_candidates=8"],
    )
    assert config.generator.temperature == 0.5, "nested float"
    assert (config.policy.kind, config.policy.temperature) == ("softmax", 0.1), "policy spec parsed"
    assert config.personalise is False and config.n_candidates == 8, "bool and int cast"
    assert PipelineConfig().generator.temperature == 0.7, "the defaults are not mutated"


def test_no_overrides_is_the_same_config():
    assert override(PipelineConfig(), []) == PipelineConfig()


@pytest.mark.parametrize(
    ("assignment", "pattern"),
    [
        ("temperature", r"setting 'temperature' must be KEY=VALUE"),
        ("=1", r"must be KEY=VALUE"),
        (
            "heat=2",
            r"unknown setting `heat`; allowed here: encoder, generator, gsm_sms, limit_mentions, "
            r"max_perplexity",
        ),
        ("generator.heat=2", r"unknown setting `generator.heat`; allowed here: batch_size, dtype"),
        ("generator=fast", r"`generator` is a group of settings; set one of them: generator.FIELD=VALUE"),
        ("seed.x=1", r"`seed` is one setting, not a group: drop `.x`"),
        ("n_candidates=many", r"`n_candidates` must be int; got 'many'"),
        ("n_candidates=0.5", r"`n_candidates` must be int; got '0.5'"),
        ("n_candidates=0", r"`n_candidates` must be in \[1, 64\]; got 0"),
        ("seed=-1", r"`seed` must be in \[0, inf\]; got -1"),  # numpy's per-user seeding refuses it
        ("personalise=maybe", r"`personalise` must be true or false; got 'maybe'"),
        ("rank_by=charm", r"`rank_by` must be one of perplexity, approval, predicted_ctr, relevance"),
        (
            "rank_by=approval",
            r"`variety` 0.5 is in units of the perplexity or judge score.*rank_by=approval set variety=0",
        ),
        ("variety=-1", r"`variety` must be"),
        ("policy=best", r"`policy` must be greedy, uniform, softmax:T or epsilon:E"),
        ("generator.dtype=float8", r"dtype"),
        ("scoring_dtype=int8", r"`scoring_dtype` must be one of auto, float32, bfloat16; got 'int8'"),
        # NaN passes every range comparison; a JSON setting must keep its shape
        ("max_perplexity=nan", r"`max_perplexity` must be in \[1.0, inf\]; got nan"),
        ("generator.temperature=inf", r"`generator.temperature` must be in \[0.0, 5.0\]; got inf"),
        (
            'encoder.type_weights={"view": 1}',
            r"`encoder.type_weights` must give a weight for every event type",
        ),
        ("policy=softmax:nan", r"`policy` parameter must be a number; got 'nan'"),
        ("encoder.type_weights=5", r"`encoder.type_weights` must be an object in JSON; got '5'"),
        ("encoder.type_weights=null", r"`encoder.type_weights` must be an object in JSON"),
        (
            'encoder.type_weights={"purchase": "x"}',
            r"`encoder.type_weights` must be an object of finite numbers",
        ),
    ],
)
def test_bad_overrides_name_the_setting(assignment, pattern):
    with pytest.raises(ValidationError, match=pattern):
        override(PipelineConfig(), [assignment])


@pytest.mark.parametrize(
    ("settings", "pattern"),
    [
        (["relevance=-1"], r"`relevance` must be"),
        (
            ["variety=0", "relevance=1", "rank_by=approval"],
            r"`relevance` 1.0 is in units of the perplexity score",
        ),
        (["variety=0", "relevance=1", "rank_by=judge"], r"needs rank_by=perplexity; with rank_by=judge"),
    ],
)
def test_the_relevance_weight_needs_the_perplexity_ranking(settings, pattern):
    with pytest.raises(ValidationError, match=pattern):
        override(PipelineConfig(), settings)


@pytest.mark.parametrize(
    ("settings", "pattern"),
    [
        (["generator.temperature=0.5", "policy.temperature=0"], r"`policy.temperature` must be in"),
        (["generator.top_k=5", "encoder.batch_size=0"], r"`encoder.batch_size` must be in"),
        (["policy=softmax:0"], r"`policy.temperature` must be in"),
    ],
    ids=["both groups have a temperature", "another group's field", "a policy spec's own field"],
)
def test_an_error_in_a_group_names_the_field_by_its_whole_path(settings, pattern):
    with pytest.raises(ValidationError, match=pattern):
        override(PipelineConfig(), settings)


def test_load_reads_what_save_writes_with_overrides_on_top(tmp_path):
    saved = PipelineConfig(n_candidates=6, seed=3).save(tmp_path / "pipeline.json")
    assert PipelineConfig.load(saved) == PipelineConfig(n_candidates=6, seed=3), "a saved config reloads"
    assert PipelineConfig.load(saved, seed=9, n_candidates=None).seed == 9, "a given override wins"
    assert PipelineConfig.load(saved, n_candidates=None).n_candidates == 6, "a None override is no override"
    assert PipelineConfig.load(None) == PipelineConfig(), "no file gives the defaults"


@pytest.mark.parametrize(
    ("content", "pattern"),
    [
        (None, "cannot read PipelineConfig from .*missing.json"),
        ("{not json", "cannot read PipelineConfig from"),
        ('{"n_candidate": 4}', r"unknown PipelineConfig field\(s\) \['n_candidate'\]"),
        ('{"n_candidates": 0}', "n_candidates"),
    ],
)
def test_load_names_what_is_wrong_with_the_file(tmp_path, content, pattern):
    path = tmp_path / "missing.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ValidationError, match=pattern):
        PipelineConfig.load(path)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("smollm2-135m-instruct", "smollm2-135m-instruct", True),
        ("org/model", "org/model", True),
        ("org/model", "org/other", False),
        ("{tiny}", "{tiny}/../{tiny_name}", True),
        ("{tiny}", "{other}", False),
        ("{tiny}", "smollm2-135m-instruct", False),
    ],
)
def test_same_model_compares_where_names_point(a, b, same, tiny_model_dir, trainable_tiny_dir):

    from promogen.models import same_model

    names = {"tiny": tiny_model_dir, "other": trainable_tiny_dir, "tiny_name": Path(tiny_model_dir).name}
    a, b = a.format(**names), b.format(**names)
    assert same_model(a, b) is same, (a, b)


@pytest.mark.parametrize(
    ("config", "load"),
    [("finetune/configs/approver.json", "ApproverConfig"), ("finetune/configs/ranker.json", "RankerConfig")],
)
def test_code_defaults_are_the_shipped_training_settings(config, load):
    """`make approver` / `make ranker` pass these files; a run without them must train the same thing."""

    from promogen.approver import ApproverConfig
    from promogen.ranker import RankerConfig

    cls = {"ApproverConfig": ApproverConfig, "RankerConfig": RankerConfig}[load]
    path = Path(__file__).parents[1] / config
    assert cls.load(str(path)) == cls(), f"{config} differs from {load}'s defaults"


@pytest.mark.parametrize(
    "config", sorted(p.name for p in (Path(__file__).parents[1] / "finetune/configs").glob("*.yaml"))
)
def test_training_recipes_are_valid_train_configs(config):
    """Every committed recipe loads as `TrainConfig`: a misspelt field would otherwise fail at run time."""
    import yaml

    from promogen.train.lora import TrainConfig

    path = Path(__file__).parents[1] / "finetune/configs" / config
    fields = yaml.safe_load(path.read_text(encoding="utf-8"))
    loaded = TrainConfig.from_dict(fields)
    assert (loaded.steps, loaded.out) == (fields["steps"], fields["out"]), f"{config} loads otherwise"


@pytest.mark.parametrize(
    ("data", "pattern"),
    [
        ({"personalise": "false"}, r"`personalise` must be true or false; got 'false'"),
        ({"generator": None}, r"`generator` must be an object of settings; got None"),
    ],
    ids=["the text 'false' is truthy", "a group set to null"],
)
def test_a_config_file_or_body_of_the_wrong_kind_names_the_field(data, pattern):
    with pytest.raises(ValidationError, match=pattern):
        PipelineConfig.from_dict(data)
