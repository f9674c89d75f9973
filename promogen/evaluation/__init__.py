"""Offline evaluation: measures the runtime path, never imported at serving time.

`evaluator` holds one class per copy metric, `harness` runs variants on the same users and seed,
`report` writes report.json, report.md and the plots, `suites` scores the ranking head and interest
model on public data, `hillstrom` values the delivery planner on the randomised Hillstrom e-mail
experiment, `throughput` times batch generation, and `stats` holds the small statistics
(AUC, ECE, HR@k, ...) they share. The scripts in `eval/` call them.
"""
