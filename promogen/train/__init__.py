"""Offline training: what builds the shipped weights, never imported at serving time.

`gold` turns copy_gold specs into SFT rows and preference pairs, `lora` trains the LoRA + interest
adapter (SFT or DPO), `approver` fits the approver model, `ranker` fits the ranking head, and
`public_data` reads the public Upworthy, MIND and Amazon files. The scripts in `finetune/` call them.
"""
